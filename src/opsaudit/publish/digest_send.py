"""Posting the digest: mentions looked up, the channel found, parent and replies posted,
the announcement recorded. See :mod:`opsaudit.publish.digest` for the behaviour."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from opsaudit import store
from opsaudit.audit import AuditOutcome
from opsaudit.checks.registry import catalogue
from opsaudit.publish.digest_build import Digest, build_digest, due_soon
from opsaudit.publish.digest_layout import Key
from opsaudit.publish.digest_owners import OwnerIndex
from opsaudit.sources.base import DEFAULT_RETRY, Endpoint, RequestCounter, RetryPolicy, SourceError
from opsaudit.sources.slack_client import JSON, SlackApi

Reason = Literal["posted", "dry_run", "already_sent", "nothing_new_already_sent"]
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{6,}$")


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
    endpoint: Endpoint,
    channel: str,
    outcome: AuditOutcome,
    engine: Engine,
    report_link: str | None,
    dry_run: bool = False,
    counter: RequestCounter | None = None,
    retry: RetryPolicy = DEFAULT_RETRY,
    checks_titles: Mapping[str, str] | None = None,
) -> DigestOutcome:
    """Build the digest of ``outcome`` and post it to ``channel`` (a name or an id).

    Nothing is posted with ``dry_run``, when a digest with the same content was posted
    before (reason ``already_sent``), or when nothing is new and a digest was already
    posted for this as-of (``nothing_new_already_sent``: then no request is made and the
    returned digest has no mentions). A dry run makes only the read-only lookups and its
    reason is ``dry_run``, or the reason the real run would post nothing.
    Otherwise the main message goes first, then its thread replies; the digest and its
    announcements are recorded in one transaction after posting (after a failed reply,
    what was posted is recorded before the error is raised). Slack errors raise
    :class:`SourceError`; an e-mail Slack does not know just gives no mention.
    """
    titles = checks_titles if checks_titles is not None else _titles()
    as_of = outcome.context.as_of
    with Session(engine) as session:
        announced = already_announced(session=session)
        sent_at_as_of = bool(store.load_digests(session=session, as_of=as_of))
    new = [r for r in outcome.results if r.status == "violation" and r.sort_key() not in announced]

    def build(mentions: Mapping[str, str]) -> Digest:
        return build_digest(
            outcome=outcome,
            already_announced=announced,
            mentions=mentions,
            report_link=report_link,
            checks_titles=titles,
        )

    if not new and sent_at_as_of and not dry_run:
        return DigestOutcome(False, None, build({}), "nothing_new_already_sent")
    api = _DigestSlack(endpoint=endpoint, counter=counter or RequestCounter(), retry=retry)
    owners = OwnerIndex(outcome.context)
    emails = [e for r in [*new, *due_soon(outcome)] for e in owners.emails(r)]
    mentions, warnings = api.lookup(emails)
    digest = build(mentions)
    with Session(engine) as session:
        known = store.load_digest(session=session, fingerprint=digest.fingerprint) is not None
    skip: Reason | None = "already_sent" if known else None
    if not new and sent_at_as_of:
        skip = "nothing_new_already_sent"
    if dry_run or skip is not None:
        # a dry run says why the real one would post nothing, if it would not
        return DigestOutcome(False, None, digest, skip or "dry_run", warnings=warnings)
    channel_id = api.channel_id(channel)
    posted: list[str] = []
    try:
        for n, blocks in enumerate([digest.blocks, *digest.replies]):
            text = digest.text if n == 0 else digest.reply_text(n)
            posted.append(api.post(channel_id, text=text, blocks=blocks, thread_ts=_first(posted)))
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


def _titles() -> dict[str, str]:
    return {spec.id: spec.title for spec in catalogue()}


class _DigestSlack(SlackApi):
    """The source's client (same retries and counting), plus what the digest needs: the
    channel's id, e-mail lookups that tell "no such user" from a failure, and posting."""

    def lookup(self, emails: Iterable[str]) -> tuple[dict[str, str], tuple[str, ...]]:
        """Slack user ids by e-mail (each asked once); a failure other than "not found"
        stops the lookups and becomes a warning: the digest goes out without mentions."""
        found: dict[str, str] = {}
        for email in dict.fromkeys(emails):
            try:
                data = self.request(
                    "users.lookupByEmail", params={"email": email}, tolerate={"users_not_found"}
                )
            except SourceError as exc:
                return found, (f"no mentions: {exc.message}",)
            user_id = (data or {}).get("user", {}).get("id")
            if isinstance(user_id, str):
                found[email] = user_id
        return found, ()

    def channel_id(self, channel: str) -> str:
        """The id of the channel named ``channel`` (``#`` optional), or ``channel`` if it
        is an id already."""
        name = channel.removeprefix("#")
        if _CHANNEL_ID.match(name):
            return name
        # public channels only: listing private ones needs another scope (groups:read),
        # and a private digest channel can be configured by its id
        listed = self.pages(
            "conversations.list",
            "channels",
            types="public_channel",
            exclude_archived="true",
            limit=200,
        )
        for candidate in listed:
            if candidate.get("name") == name and isinstance(candidate.get("id"), str):
                return str(candidate["id"])
        raise SourceError(
            "slack",
            f"digest channel #{name} not found among the public channels "
            "(for a private channel, configure its id)",
        )

    def post(self, channel_id: str, *, text: str, blocks: list[Any], thread_ts: str | None) -> str:
        """Post one message (a reply when ``thread_ts``); its ts."""
        body: JSON = {
            "channel": channel_id,
            "text": text,
            "blocks": blocks,
            "unfurl_links": False,
            "unfurl_media": False,
        }
        if thread_ts is not None:
            body["thread_ts"] = thread_ts
        data = self.request("chat.postMessage", body=body)
        ts = (data or {}).get("ts")
        if not isinstance(ts, str):
            raise SourceError("slack", "chat.postMessage failed: the answer has no ts")
        return ts
