"""Audit results and the life of each finding across runs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, literal, not_, null, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from opsaudit.store._sql import dialect_insert, execute_many
from opsaudit.store.schema import FindingRow, ResultRow, UTCDateTime


@dataclass(frozen=True, slots=True)
class StoredResult:
    rule: str
    subject_key: str
    status: str
    payload: dict[str, Any]  # the result as the JSON contract shows it


@dataclass(frozen=True, slots=True)
class Finding:
    """A (check, subject) across runs. ``first_seen``/``last_seen``: the as-of times of
    the first and latest runs that found a violation; ``resolved_at``: the as-of of the
    first later run that did not (None while it is still one)."""

    rule: str
    subject_key: str
    status: str
    first_seen: datetime | None
    last_seen: datetime | None
    resolved_at: datetime | None
    last_run_id: int


def save_results(
    *, session: Session, run_id: int, as_of: datetime, results: Iterable[dict[str, Any]]
) -> None:
    """Store a run's results (JSON-shaped dicts) and move each finding's life on.

    A violation not seen before gets ``first_seen``; one seen again keeps it and moves
    ``last_seen``; a finding that was a violation and now is anything else (pass,
    waived, pending; but not unknown: that says nothing) gets ``resolved_at``; a
    violation after a resolution starts a new life.

    Findings are upserted (``INSERT ... ON CONFLICT DO UPDATE``) with that rule written
    in SQL, so that each row moves on from what is stored when the statement runs: two
    runs that see the same new finding at once both land (on PostgreSQL the second
    waits for the first's row and then updates it), where reading the findings first
    and inserting the missing ones made the second fail on the primary key. Rows go in
    key order, so that concurrent runs lock them in the same order.
    """
    rows = list(results)
    session.flush()  # the run's row first: the results refer to it
    if rows:
        # Core executemany: no ORM object per result (100k+ in a large audit)
        results_rows = [
            {
                "run_id": run_id,
                "rule": r["rule"],
                "subject_key": r["subject"]["key"],
                "status": r["status"],
                "payload": r,
            }
            for r in rows
        ]
        execute_many(session, dialect_insert(session, ResultRow), results_rows)
    statuses = {(r["rule"], r["subject"]["key"]): r["status"] for r in rows}
    findings = [
        {
            "rule": rule,
            "subject_key": key,
            "status": status,
            "first_seen": as_of if status == "violation" else None,
            "last_seen": as_of if status == "violation" else None,
            "resolved_at": None,
            "last_run_id": run_id,
        }
        for (rule, key), status in sorted(statuses.items())
    ]
    if findings:
        execute_many(session, _advance_findings(session, as_of), findings)


def _advance_findings(session: Session, as_of: datetime) -> postgresql.Insert | sqlite.Insert:
    """The upsert of findings: a new row as inserted, a stored one moved on by its status."""
    stmt = dialect_insert(session, FindingRow)
    stored = FindingRow.__table__.c
    now = literal(as_of, UTCDateTime())
    violation = stmt.excluded.status == "violation"
    still_open = and_(stored.first_seen.is_not(None), stored.resolved_at.is_(None))
    return stmt.on_conflict_do_update(
        index_elements=["rule", "subject_key"],
        set_={
            "first_seen": case((and_(violation, not_(still_open)), now), else_=stored.first_seen),
            "last_seen": case((violation, now), else_=stored.last_seen),
            "resolved_at": case(
                (violation, null()),
                (and_(stmt.excluded.status != "unknown", still_open), now),
                else_=stored.resolved_at,
            ),
            "status": stmt.excluded.status,
            "last_run_id": stmt.excluded.last_run_id,
        },
    )


def load_results(*, session: Session, run_id: int) -> list[StoredResult]:
    """A run's results, sorted by rule then subject key."""
    rows = session.scalars(
        select(ResultRow)
        .where(ResultRow.run_id == run_id)
        .order_by(ResultRow.rule, ResultRow.subject_key)
    )
    return [StoredResult(r.rule, r.subject_key, r.status, dict(r.payload)) for r in rows]


def load_findings(*, session: Session) -> list[Finding]:
    """Every finding, sorted by rule then subject key."""
    rows = session.scalars(select(FindingRow).order_by(FindingRow.rule, FindingRow.subject_key))
    return [
        Finding(
            f.rule, f.subject_key, f.status, f.first_seen, f.last_seen, f.resolved_at, f.last_run_id
        )
        for f in rows
    ]
