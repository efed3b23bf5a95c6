"""Posted digests and their announcements: recorded once, found by fingerprint and as-of."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from opsaudit.store import (
    Announcement,
    DigestRecord,
    load_announcements,
    load_digest,
    load_digests,
    save_digest,
)

AS_OF = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def record(fingerprint: str, *, as_of: datetime = AS_OF, ts: str = "1.000001") -> DigestRecord:
    return DigestRecord(fingerprint, as_of, "C0COMPLIANCE", ts, 2, 5, 1)


def test_a_digest_and_its_announcements_round_trip(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        save_digest(
            session=session,
            record=record("a" * 64),
            announced=[("warroom.opened", "Q1", "1.000001"), ("response.ack", "Q2", "1.000002")],
        )
    with Session(engine) as session:
        assert load_digest(session=session, fingerprint="a" * 64) == record("a" * 64)
        assert load_digest(session=session, fingerprint="b" * 64) is None
        assert load_digests(session=session, as_of=AS_OF) == [record("a" * 64)]
        assert load_digests(session=session, as_of=AS_OF + timedelta(days=1)) == []
        assert load_announcements(session=session) == [
            Announcement("response.ack", "Q2", AS_OF, AS_OF, "a" * 64, "C0COMPLIANCE", "1.000002"),
            Announcement(
                "warroom.opened", "Q1", AS_OF, AS_OF, "a" * 64, "C0COMPLIANCE", "1.000001"
            ),
        ]


def test_announcing_again_keeps_the_first_time(engine: Engine) -> None:
    later = AS_OF + timedelta(days=7)
    with Session(engine) as session, session.begin():
        save_digest(session=session, record=record("a" * 64), announced=[("r", "k", "1.1")])
    with Session(engine) as session, session.begin():
        save_digest(
            session=session,
            record=record("b" * 64, as_of=later, ts="2.2"),
            announced=[("r", "k", "2.2")],
        )
    with Session(engine) as session:
        [announcement] = load_announcements(session=session)
        assert [d.fingerprint for d in load_digests(session=session)] == ["a" * 64, "b" * 64]
    assert announcement.first_announced_at == AS_OF
    assert announcement.last_announced_at == later
    assert (announcement.fingerprint, announcement.ts) == ("b" * 64, "2.2")


def test_many_announcements_in_one_digest(engine: Engine) -> None:
    items = [(f"rule.{n % 7}", f"docs/incidents/{n:04d}.md#{n}", f"1.{n:06d}") for n in range(1200)]
    with Session(engine) as session, session.begin():
        save_digest(session=session, record=record("c" * 64), announced=items)
    with Session(engine) as session:
        found = load_announcements(session=session)
    assert sorted((a.rule, a.subject_key, a.ts) for a in found) == sorted(items)
