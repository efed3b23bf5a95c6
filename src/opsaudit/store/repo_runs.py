"""Bookkeeping in the store: each source's sync state and the audit runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from opsaudit.store._sql import upsert
from opsaudit.store.schema import AuditRunRow, SyncStateRow

SYNC_STATUSES = frozenset({"ok", "failed"})


@dataclass(frozen=True, slots=True)
class SyncState:
    """Where a source's last sync left off, and how it went."""

    source: str
    cursor: dict[str, Any]
    status: str  # ok | failed
    error: str | None
    started_at: datetime | None
    finished_at: datetime | None
    requests: int


@dataclass(frozen=True, slots=True)
class AuditRun:
    """One audit: when it ran, what it saw (as-of, window), how it ended."""

    id: int
    started_at: datetime
    finished_at: datetime | None
    as_of: datetime
    since: datetime
    until: datetime
    status: str  # running | done | failed
    sources: dict[str, Any]


def load_sync_state(*, session: Session, source: str) -> SyncState | None:
    """The state the last sync of ``source`` saved, or None before the first one."""
    row = session.get(SyncStateRow, source, populate_existing=True)
    if row is None:
        return None
    return SyncState(
        source=row.source,
        cursor=dict(row.cursor),
        status=row.last_status,
        error=row.last_error,
        started_at=row.last_started_at,
        finished_at=row.last_finished_at,
        requests=row.requests,
    )


def save_sync_state(
    *,
    session: Session,
    source: str,
    cursor: dict[str, Any],
    status: str,
    error: str | None,
    requests: int,
    started_at: datetime | None,
    finished_at: datetime | None,
) -> None:
    """Record how a sync of ``source`` ended, replacing the previous record.

    A failed sync should pass the cursor it started from, so that the next one
    resumes where the last good one ended.
    """
    if status not in SYNC_STATUSES:
        raise ValueError(f"sync status must be one of {sorted(SYNC_STATUSES)}, not {status!r}")
    row = {
        "source": source,
        "cursor": cursor,
        "last_status": status,
        "last_error": error,
        "last_started_at": started_at,
        "last_finished_at": finished_at,
        "requests": requests,
    }
    upsert(session, SyncStateRow, [row], keys=["source"])


def mark_sync_failed(
    *,
    session: Session,
    source: str,
    error: str,
    requests: int,
    started_at: datetime | None,
    finished_at: datetime | None = None,
) -> None:
    """Record that a sync of ``source`` failed, keeping the cursor of the last good one
    (none before the first), so that the next sync resumes from there."""
    previous = load_sync_state(session=session, source=source)
    save_sync_state(
        session=session,
        source=source,
        cursor=previous.cursor if previous is not None else {},
        status="failed",
        error=error,
        requests=requests,
        started_at=started_at,
        finished_at=finished_at,
    )


def start_audit_run(
    *, session: Session, started_at: datetime, as_of: datetime, since: datetime, until: datetime
) -> int:
    """Record a new audit run as ``running`` and return its id."""
    row = AuditRunRow(
        started_at=started_at,
        finished_at=None,
        as_of=as_of,
        window_since=since,
        window_until=until,
        status="running",
        sources={},
    )
    session.add(row)
    session.flush()
    return row.id


def finish_audit_run(
    *,
    session: Session,
    run_id: int,
    finished_at: datetime,
    status: str,
    sources: dict[str, Any],
) -> None:
    """Close audit run ``run_id`` with its end status and the sources' outcome."""
    row = session.get(AuditRunRow, run_id)
    if row is None:
        raise LookupError(f"no audit run {run_id}")
    row.finished_at = finished_at
    row.status = status
    row.sources = sources
    session.flush()


def load_audit_run(*, session: Session, run_id: int) -> AuditRun | None:
    """Audit run ``run_id`` as stored, or None."""
    row = session.get(AuditRunRow, run_id, populate_existing=True)
    if row is None:
        return None
    return AuditRun(
        id=row.id,
        started_at=row.started_at,
        finished_at=row.finished_at,
        as_of=row.as_of,
        since=row.window_since,
        until=row.window_until,
        status=row.status,
        sources=dict(row.sources),
    )


def previous_run_id(*, session: Session, run_id: int) -> int | None:
    """The audit run stored last before run ``run_id``, or None for the first one."""
    found = session.scalar(select(func.max(AuditRunRow.id)).where(AuditRunRow.id < run_id))
    return int(found) if found is not None else None
