"""Posting the digest: mentions looked up, the channel found, parent and replies posted,
the announcement recorded. See :mod:`opsaudit.publish.digest` for the behaviour."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from opsaudit import store
from opsaudit.auditrun import AuditRun
from opsaudit.publish.chat import ChatPoster
from opsaudit.publish.digest_build import Digest, build_digest, due_soon
from opsaudit.publish.digest_layout import Key

Reason = Literal["posted", "dry_run", "already_sent", "nothing_new_already_sent"]


@dataclass(frozen=True)
class DigestOutcome:
    """What :func:`send_digest` did. ``ts`` is the main message's, when posted;
    ``channel_id`` the channel's, when posted."""

    posted: bool
    ts: str | None
    digest: Digest
    reason: Reason
    channel_id: str | None = None
    warnings: tuple[str, ...] = ()  # e.g. a lookup the app may not make (missing scope)


def send_digest(
    *,
    poster: ChatPoster,
    channel: str,
    run: AuditRun,
    engine: Engine,
    report_link: str | None,
    dry_run: bool = False,
    checks_titles: Mapping[str, str] | None = None,
) -> DigestOutcome:
    """Build the digest of ``run`` and post it to ``channel`` (a name or an id).

    Nothing is posted with ``dry_run``, when a digest with the same content was posted
    before (reason ``already_sent``), or when nothing is new and a digest was already
    posted for this as-of (``nothing_new_already_sent``: then no request is made and the
    returned digest has no mentions). A dry run makes only the read-only lookups and its
    reason is ``dry_run``, or the reason the real run would post nothing.
    Otherwise the main message goes first, then its thread replies; the digest and its
    announcements are recorded in one transaction after posting (after a failed reply,
    what was posted is recorded before the error is raised). The poster's errors
    propagate; an e-mail the workspace does not know just gives no mention.
    """
    titles = checks_titles if checks_titles is not None else run.titles
    as_of = run.as_of
    with Session(engine) as session:
        announced = already_announced(session=session)
        sent_at_as_of = bool(store.load_digests(session=session, as_of=as_of))
    new = [r for r in run.results if r.status == "violation" and r.sort_key() not in announced]

    def build(mentions: Mapping[str, str]) -> Digest:
        return build_digest(
            run=run,
            already_announced=announced,
            mentions=mentions,
            report_link=report_link,
            checks_titles=titles,
        )

    if not new and sent_at_as_of and not dry_run:
        return DigestOutcome(False, None, build({}), "nothing_new_already_sent")
    emails = [e for r in [*new, *due_soon(run)] for e in r.owners]
    mentions, warnings = poster.lookup(emails)
    digest = build(mentions)
    with Session(engine) as session:
        known = store.load_digest(session=session, fingerprint=digest.fingerprint) is not None
    skip: Reason | None = "already_sent" if known else None
    if not new and sent_at_as_of:
        skip = "nothing_new_already_sent"
    if dry_run or skip is not None:
        # a dry run says why the real one would post nothing, if it would not
        return DigestOutcome(False, None, digest, skip or "dry_run", warnings=warnings)
    channel_id = poster.channel_id(channel)
    posted: list[str] = []
    try:
        for n, blocks in enumerate([digest.blocks, *digest.replies]):
            text = digest.text if n == 0 else digest.reply_text(n)
            posted.append(
                poster.post(channel_id, text=text, blocks=blocks, thread_ts=_first(posted))
            )
    finally:
        if posted:
            _record(engine, digest, channel_id, posted)
    return DigestOutcome(True, posted[0], digest, "posted", channel_id, warnings)


def already_announced(*, session: Session) -> set[Key]:
    """The (rule, subject key) pairs announced during their finding's current life: a
    violation that was resolved and came back after its announcement is new again."""
    lives = {(f.rule, f.subject_key): f.first_seen for f in store.load_findings(session=session)}
    found: set[Key] = set()
    for a in store.load_announcements(session=session):
        started = lives.get((a.rule, a.subject_key))
        if started is None or started <= a.last_announced_at:
            found.add((a.rule, a.subject_key))
    return found


def _record(engine: Engine, digest: Digest, channel_id: str, posted: list[str]) -> None:
    items = [
        (rule, key, ts)
        for ts, keys in zip(posted, digest.placement, strict=False)
        for rule, key in keys
    ]
    record = store.DigestRecord(
        fingerprint=digest.fingerprint,
        as_of=digest.as_of,
        channel_id=channel_id,
        ts=posted[0],
        announced=len(items),
        still_open=digest.still_open,
        replies=len(posted) - 1,
    )
    with Session(engine) as session, session.begin():
        store.save_digest(session=session, record=record, announced=items)


def _first(posted: list[str]) -> str | None:
    return posted[0] if posted else None
