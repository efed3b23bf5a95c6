"""A run's results, and each finding's life across runs: new, still open, resolved."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from store_builders import at

from opsaudit.store import load_findings, load_results, save_results, start_audit_run


def result(rule: str, key: str, status: str) -> dict[str, Any]:
    return {"rule": rule, "status": status, "subject": {"kind": "incident", "key": key}}


def run(engine: Engine, minute: int, results: list[dict[str, Any]]) -> int:
    with Session(engine) as session, session.begin():
        run_id = start_audit_run(
            session=session,
            started_at=at(minute),
            as_of=at(minute),
            since=at(-999),
            until=at(minute),
        )
        save_results(session=session, run_id=run_id, as_of=at(minute), results=results)
    return run_id


def life(engine: Engine) -> dict[tuple[str, str], tuple[Any, ...]]:
    with Session(engine) as session:
        return {
            (f.rule, f.subject_key): (f.status, f.first_seen, f.last_seen, f.resolved_at)
            for f in load_findings(session=session)
        }


def test_results_are_stored_per_run_with_their_payload(engine: Engine) -> None:
    payload = result("warroom.opened", "Q1", "violation") | {"message": "late — 22 min ✓"}
    run_id = run(engine, 0, [payload, result("comms.initial", "Q1", "pass")])
    with Session(engine) as session:
        stored = load_results(session=session, run_id=run_id)
    assert [(r.rule, r.subject_key, r.status) for r in stored] == [
        ("comms.initial", "Q1", "pass"),
        ("warroom.opened", "Q1", "violation"),
    ]
    assert stored[1].payload == payload


def test_a_finding_keeps_first_seen_moves_last_seen_and_gets_resolved(engine: Engine) -> None:
    key = ("warroom.opened", "Q1")
    run(engine, 0, [result(*key, "violation")])
    assert life(engine)[key] == ("violation", at(0), at(0), None)
    run(engine, 60, [result(*key, "violation")])
    assert life(engine)[key] == ("violation", at(0), at(60), None)
    run(engine, 120, [result(*key, "unknown")])  # a failed source says nothing
    assert life(engine)[key] == ("unknown", at(0), at(60), None)
    run(engine, 180, [result(*key, "waived")])
    assert life(engine)[key] == ("waived", at(0), at(60), at(180))
    run(engine, 240, [result(*key, "violation")])  # back again: a new life
    assert life(engine)[key] == ("violation", at(240), at(240), None)


def test_a_pass_is_tracked_without_times(engine: Engine) -> None:
    run(engine, 0, [result("response.ack", "Q2", "pass")])
    assert life(engine)[("response.ack", "Q2")] == ("pass", None, None, None)


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_two_runs_that_see_the_same_new_finding_at_once_both_land(engine: Engine) -> None:
    # The first run's transaction is still open when the second saves: the second waits
    # for the first's row, then moves it on (it used to fail on the primary key).
    key = ("warroom.opened", "Q1")
    with Session(engine) as first, ThreadPoolExecutor(1) as pool:
        with first.begin():
            first_id = start_audit_run(
                session=first, started_at=at(0), as_of=at(0), since=at(-999), until=at(0)
            )
            results = [result(*key, "violation")]
            save_results(session=first, run_id=first_id, as_of=at(0), results=results)
            first.flush()
            second = pool.submit(run, engine, 0, [*results, result("x", "Q2", "pass")])
            time.sleep(0.5)
            waiting = not second.done()  # for the first's row
        second_id = second.result(timeout=30)
    assert waiting
    assert life(engine) == {
        key: ("violation", at(0), at(0), None),
        ("x", "Q2"): ("pass", None, None, None),
    }
    with Session(engine) as session:
        assert {f.last_run_id for f in load_findings(session=session) if f.rule == key[0]} == {
            second_id
        }
        assert len(load_results(session=session, run_id=first_id)) == 1
        assert len(load_results(session=session, run_id=second_id)) == 2
