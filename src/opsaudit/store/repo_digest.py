"""Slack digests that were posted, and which violations each announced.

A digest is recorded under the SHA-256 of its content, so an identical one is never
posted twice; an announcement remembers, per (rule, subject key), the as-of of the
first and latest digests that announced it and the message that holds it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsaudit.store._sql import chunked
from opsaudit.store.schema import DigestAnnouncementRow, DigestRow


@dataclass(frozen=True, slots=True)
class DigestRecord:
    fingerprint: str
    as_of: datetime
    channel_id: str
    ts: str  # the main message's ts
    announced: int
    still_open: int
    replies: int


@dataclass(frozen=True, slots=True)
class Announcement:
    rule: str
    subject_key: str
    first_announced_at: datetime
    last_announced_at: datetime
    fingerprint: str
    channel_id: str
    ts: str


def load_digest(*, session: Session, fingerprint: str) -> DigestRecord | None:
    """The digest recorded under ``fingerprint``, or None."""
    row = session.get(DigestRow, fingerprint)
    return _record(row) if row is not None else None


def load_digests(*, session: Session, as_of: datetime | None = None) -> list[DigestRecord]:
    """Every recorded digest (only those at ``as_of`` when given), oldest as-of first."""
    query = select(DigestRow).order_by(DigestRow.as_of, DigestRow.fingerprint)
    if as_of is not None:
        query = query.where(DigestRow.as_of == as_of)
    return [_record(row) for row in session.scalars(query)]


def load_announcements(*, session: Session) -> list[Announcement]:
    """Every announcement, sorted by rule then subject key."""
    rows = session.scalars(
        select(DigestAnnouncementRow).order_by(
            DigestAnnouncementRow.rule, DigestAnnouncementRow.subject_key
        )
    )
    return [
        Announcement(
            r.rule,
            r.subject_key,
            r.first_announced_at,
            r.last_announced_at,
            r.fingerprint,
            r.channel_id,
            r.ts,
        )
        for r in rows
    ]


def save_digest(
    *, session: Session, record: DigestRecord, announced: Iterable[tuple[str, str, str]]
) -> None:
    """Record a posted digest and its announcements: ``(rule, subject key, message ts)``.

    A (rule, subject) announced before keeps its ``first_announced_at`` and moves on to
    this digest.
    """
    session.merge(
        DigestRow(
            fingerprint=record.fingerprint,
            as_of=record.as_of,
            channel_id=record.channel_id,
            ts=record.ts,
            announced=record.announced,
            still_open=record.still_open,
            replies=record.replies,
        )
    )
    items = {(rule, key): ts for rule, key, ts in announced}
    known: dict[tuple[str, str], DigestAnnouncementRow] = {}
    for chunk in chunked(sorted({rule for rule, _ in items}), 500):
        query = select(DigestAnnouncementRow).where(DigestAnnouncementRow.rule.in_(chunk))
        known.update(((r.rule, r.subject_key), r) for r in session.scalars(query))
    for (rule, key), ts in items.items():
        row = known.get((rule, key))
        if row is None:
            row = DigestAnnouncementRow(rule=rule, subject_key=key, first_announced_at=record.as_of)
            session.add(row)
        row.last_announced_at = record.as_of
        row.fingerprint = record.fingerprint
        row.channel_id = record.channel_id
        row.ts = ts


def _record(row: DigestRow) -> DigestRecord:
    return DigestRecord(
        row.fingerprint,
        row.as_of,
        row.channel_id,
        row.ts,
        row.announced,
        row.still_open,
        row.replies,
    )
