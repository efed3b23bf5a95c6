"""Sync state per source and audit runs."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from store_builders import at

from opsaudit.store import (
    finish_audit_run,
    load_audit_run,
    load_sync_state,
    mark_sync_failed,
    save_sync_state,
    start_audit_run,
)


def _save(engine: Engine, **kw: Any) -> None:
    state: dict[str, Any] = {
        "source": "pagerduty",
        "cursor": {"since": "2026-10-01T00:00:00Z", "pages": [1, 2], "nested": {"ok": True}},
        "status": "ok",
        "error": None,
        "requests": 14,
        "started_at": at(0),
        "finished_at": at(1),
    }
    with Session(engine) as session, session.begin():
        save_sync_state(session=session, **state | kw)


def test_sync_state_round_trips_and_is_replaced(engine: Engine) -> None:
    with Session(engine) as session:
        assert load_sync_state(session=session, source="pagerduty") is None
    _save(engine)
    _save(engine, source="slack", cursor={}, requests=3)
    _save(engine, cursor={"since": "2026-11-01T00:00:00Z"}, requests=20, finished_at=at(2))

    with Session(engine) as session:
        state = load_sync_state(session=session, source="pagerduty")
        other = load_sync_state(session=session, source="slack")
    assert state is not None and other is not None
    assert state.cursor == {"since": "2026-11-01T00:00:00Z"}
    assert (state.status, state.error, state.requests) == ("ok", None, 20)
    assert (state.started_at, state.finished_at) == (at(0), at(2))
    assert state.finished_at is not None and state.finished_at.tzinfo is at(0).tzinfo
    assert other.requests == 3


def test_a_failed_sync_keeps_the_last_good_cursor(engine: Engine) -> None:
    _save(engine, cursor={"since": "A"})
    with Session(engine) as session, session.begin():
        mark_sync_failed(
            session=session, source="pagerduty", error="HTTP 500", requests=2, started_at=at(5)
        )
        mark_sync_failed(
            session=session, source="github", error="timeout", requests=1, started_at=at(5)
        )
    with Session(engine) as session:
        failed = load_sync_state(session=session, source="pagerduty")
        first = load_sync_state(session=session, source="github")
    assert failed is not None and first is not None
    assert (failed.cursor, failed.status, failed.error) == ({"since": "A"}, "failed", "HTTP 500")
    assert (first.cursor, first.status, first.started_at) == ({}, "failed", at(5))


def test_sync_status_must_be_ok_or_failed(engine: Engine) -> None:
    with pytest.raises(ValueError, match="running"):
        _save(engine, status="running")


def test_audit_run_starts_running_and_finishes(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        run_id = start_audit_run(
            session=session, started_at=at(0), as_of=at(-1), since=at(-600), until=at(-60)
        )
        second = start_audit_run(
            session=session, started_at=at(1), as_of=at(1), since=at(-60), until=at(1)
        )
    assert second != run_id
    with Session(engine) as session:
        started = load_audit_run(session=session, run_id=run_id)
    assert started is not None
    assert (started.status, started.finished_at, started.as_of) == ("running", None, at(-1))
    assert (started.since, started.until) == (at(-600), at(-60))

    sources = {"pagerduty": {"status": "ok", "requests": 14}, "github": {"status": "failed"}}
    with Session(engine) as session, session.begin():
        finish_audit_run(
            session=session, run_id=run_id, finished_at=at(2), status="done", sources=sources
        )
    with Session(engine) as session:
        done = load_audit_run(session=session, run_id=run_id)
        assert load_audit_run(session=session, run_id=run_id + 1000) is None
    assert done is not None
    assert (done.status, done.finished_at, done.sources) == ("done", at(2), sources)


def test_finishing_an_unknown_run_fails(engine: Engine) -> None:
    with Session(engine) as session, pytest.raises(LookupError):
        finish_audit_run(session=session, run_id=999, finished_at=at(0), status="done", sources={})
