"""Audit results and the life of each finding across runs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsaudit.store._sql import chunked
from opsaudit.store.schema import FindingRow, ResultRow


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
    """
    rows = list(results)
    for chunk in chunked(rows, 500):
        session.add_all(
            ResultRow(
                run_id=run_id,
                rule=r["rule"],
                subject_key=r["subject"]["key"],
                status=r["status"],
                payload=r,
            )
            for r in chunk
        )
    known = {(f.rule, f.subject_key): f for f in session.scalars(select(FindingRow))}
    for r in rows:
        key = (r["rule"], r["subject"]["key"])
        finding = known.get(key)
        if finding is None:
            finding = FindingRow(rule=key[0], subject_key=key[1], status=r["status"])
            session.add(finding)
        _advance(finding, status=r["status"], as_of=as_of, run_id=run_id)


def _advance(finding: FindingRow, *, status: str, as_of: datetime, run_id: int) -> None:
    if status == "violation":
        if finding.first_seen is None or finding.resolved_at is not None:
            finding.first_seen, finding.resolved_at = as_of, None
        finding.last_seen = as_of
    elif status != "unknown" and finding.first_seen is not None and finding.resolved_at is None:
        finding.resolved_at = as_of
    finding.status = status
    finding.last_run_id = run_id


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
