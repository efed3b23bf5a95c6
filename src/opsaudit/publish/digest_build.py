"""The digest's content, built purely from an audit run: see :mod:`opsaudit.publish.digest`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from opsaudit.auditrun import AuditRun
from opsaudit.checks.model import Result
from opsaudit.publish.digest_layout import (
    MESSAGE_BLOCKS,
    MESSAGE_CHARS,
    Block,
    Group,
    Key,
    Line,
    context,
    pack,
    section,
    text_size,
)
from opsaudit.publish.mrkdwn import escape, link, mention, source_text

TITLE_CHARS = 100
MESSAGE_TEXT_CHARS = 240
PATH_CHARS = 120
SERVICE_CHARS = 60
MAX_MENTIONS = 5
_SEVERITY_ORDER = {"Sev1": 1, "Sev2": 2, "Sev3": 3, "Sev4": 4}


@dataclass(frozen=True)
class Digest:
    """One digest: the main message, its thread replies, and what it announces."""

    blocks: list[Block]  # the main message
    replies: list[list[Block]]  # thread replies, each a block list
    text: str  # the notification fallback text of the main message
    announced: list[Key]  # (rule, subject key) this digest announces, in order
    fingerprint: str  # sha256 of the content (blocks, replies, text)
    as_of: datetime
    still_open: int  # current violations, new or not
    # the keys each message carries: [0] the main message, [n] reply n
    placement: list[list[Key]] = field(default_factory=list)

    @property
    def nothing_new(self) -> bool:
        return not self.announced

    def reply_text(self, n: int) -> str:
        """The fallback text of reply ``n`` (1-based)."""
        return f"{self.text} (continued, {n} of {len(self.replies)})"

    def as_json(self) -> dict[str, Any]:
        """What ``--dry-run`` prints."""
        return {
            "text": self.text,
            "blocks": self.blocks,
            "replies": self.replies,
            "announced": [list(k) for k in self.announced],
            "fingerprint": self.fingerprint,
        }


def build_digest(
    *,
    run: AuditRun,
    already_announced: Set[Key],
    mentions: Mapping[str, str],
    report_link: str | None,
    checks_titles: Mapping[str, str],
) -> Digest:
    """The digest of ``run``: the violations not in ``already_announced``, grouped by
    check, with their owners mentioned where ``mentions`` (lower-case e-mail -> Slack
    user id) knows them; the count still open; what is due soon; the report link.
    Pure and deterministic."""
    as_of = run.as_of.astimezone(UTC)
    violations = [r for r in run.results if r.status == "violation"]
    new = [r for r in violations if r.sort_key() not in already_announced]
    due = due_soon(run)

    def mentions_of(result: Result) -> list[str]:
        found = (mentions.get(email) for email in result.owners)
        return list(dict.fromkeys(mention(uid) for uid in found if uid))[:MAX_MENTIONS]

    groups = [
        Group(
            _heading(rule, checks_titles, len(items)),
            [_violation(r, mentions_of(r)) for r in items],
        )
        for rule, items in _by_rule(new)
    ]
    if due:
        days = run.due_soon_days or 0
        heading = f"*:hourglass_flowing_sand: Due in the next {days} days* · {len(due)}"
        groups.append(Group(heading, [_due_line(r, mentions_of(r)) for r in due]))

    head = [_header(as_of), section(_summary(len(new), len(violations), len(due)))]
    failed = run.failed_sources
    if failed:
        head.append(context(_failed_note(failed)))
    tail = [*_report(report_link), context(_footer(run))]
    note_room = 1, 200  # the "continued in the thread" line, when needed
    parts = pack(
        groups,
        first_blocks=MESSAGE_BLOCKS - len(head) - len(tail) - note_room[0],
        first_chars=MESSAGE_CHARS - text_size(head) - text_size(tail) - note_room[1],
    )
    main, replies = parts[0], parts[1:]
    middle = main.blocks()
    if replies:
        left = sum(p.lines for p in replies)
        middle.append(context(f":thread: {_more(left, replies)} in the thread below."))
    blocks = [*head, *middle, *tail]
    reply_blocks = [
        [
            context(f"Compliance digest {as_of:%Y-%m-%d}, continued ({n} of {len(replies)})"),
            *part.blocks(),
        ]
        for n, part in enumerate(replies, start=1)
    ]
    text = _fallback(as_of, len(new), len(violations))
    placement = [list(part.keys) for part in parts]
    announced = [key for keys in placement for key in keys]  # in the order shown
    return Digest(
        blocks=blocks,
        replies=reply_blocks,
        text=text,
        announced=announced,
        fingerprint=_fingerprint(blocks, reply_blocks, text),
        as_of=as_of,
        still_open=len(violations),
        placement=placement,
    )


def due_soon(run: AuditRun) -> list[Result]:
    """Pending results of deadline checks (post-mortems, action items) due within
    ``policy.due_soon_days`` of as-of, soonest first."""
    days = run.due_soon_days
    if days is None:
        return []
    as_of = run.as_of
    until = as_of + timedelta(days=days)
    found = [
        r
        for r in run.results
        if r.status == "pending"
        and run.is_deadline(r.rule)
        and r.deadline is not None
        and as_of < r.deadline <= until
    ]
    return sorted(found, key=lambda r: (r.deadline, r.rule, r.subject.key))


def _by_rule(results: Sequence[Result]) -> list[tuple[str, list[Result]]]:
    groups: dict[str, list[Result]] = {}
    for result in results:
        groups.setdefault(result.rule, []).append(result)
    return [(rule, sorted(groups[rule], key=_item_order)) for rule in sorted(groups)]


def _item_order(result: Result) -> tuple[int, int, str]:
    severity = _SEVERITY_ORDER.get(result.severity or "", 9)
    return severity, result.subject.number or 0, result.subject.key


def _heading(rule: str, titles: Mapping[str, str], count: int) -> str:
    title = source_text(titles.get(rule, rule), limit=TITLE_CHARS)
    return f"*{title}* · {escape(rule)} · {count} new"


def _subject_label(result: Result) -> str:
    subject = result.subject
    if subject.kind == "incident":
        number = f"#{subject.number}" if subject.number is not None else subject.key
        title = source_text(subject.title, limit=TITLE_CHARS)
        return f"{escape(number)} {title}".strip()
    if subject.kind == "postmortem":
        return source_text(subject.key, limit=PATH_CHARS)
    path, _, index = subject.key.rpartition("#")
    title = source_text(subject.title or "action item", limit=TITLE_CHARS)
    return f"{title} ({source_text(path.rsplit('/', 1)[-1], limit=PATH_CHARS)} #{escape(index)})"


def _evidence_link(result: Result) -> str:
    subject_url = result.subject.url
    url = next((e.url for e in result.evidence if e.url and e.url != subject_url), None)
    found = link(url, "evidence")
    return f" · {found}" if found != "evidence" else ""


def _violation(result: Result, mentions: list[str]) -> Line:
    severity = f"*{escape(result.severity)}* " if result.severity else ""
    service = f" ({source_text(result.service, limit=SERVICE_CHARS)})" if result.service else ""
    subject = link(result.subject.url, _subject_label(result))
    message = source_text(result.message, limit=MESSAGE_TEXT_CHARS)
    owners = f" · {' '.join(mentions)}" if mentions else ""
    text = f"• {severity}{subject}{service}: {message}{_evidence_link(result)}{owners}"
    return Line(text, result.sort_key())


def _due_line(result: Result, mentions: list[str]) -> Line:
    assert result.deadline is not None
    when = f"{result.deadline.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    subject = link(result.subject.url, _subject_label(result))
    message = source_text(result.message, limit=MESSAGE_TEXT_CHARS)
    owners = f" · {' '.join(mentions)}" if mentions else ""
    return Line(f"• *{when}* {subject}: {message}{owners}")


def _header(as_of: datetime) -> Block:
    text = f"Compliance digest · {as_of:%Y-%m-%d}"
    return {"type": "header", "text": {"type": "plain_text", "text": text, "emoji": True}}


def _summary(new: int, still_open: int, due: int) -> str:
    due_text = f" · {due} due soon" if due else ""
    if not new:
        return f"No new violations since the last digest; {still_open} still open.{due_text}"
    plural = "violation" if new == 1 else "violations"
    return f"*{new} new {plural}* since the last digest · *{still_open} still open*{due_text}"


def _more(count: int, replies: Sequence[object]) -> str:
    noun = "item" if count == 1 else "items"
    where = "reply" if len(replies) == 1 else f"{len(replies)} replies"
    return f"{count} more {noun} ({where})"


def _failed_note(failed: list[str]) -> str:
    names = ", ".join(escape(n) for n in failed)
    return f":warning: *Source failed: {names}*. Their checks are unknown in this digest."


def _report(report_link: str | None) -> list[Block]:
    if not report_link:
        return []
    label = source_text(report_link.rsplit("/", 1)[-1], limit=PATH_CHARS)
    target = link(report_link, label)
    if target == label:  # a path, not a URL
        target = source_text(report_link, limit=300)
    return [section(f":page_facing_up: Full report: {target}")]


def _footer(run: AuditRun) -> str:
    window = run.window
    return (
        f"As of {run.as_of.astimezone(UTC):%Y-%m-%d %H:%M} UTC · incidents triggered "
        f"{window.since:%Y-%m-%d} to {window.until:%Y-%m-%d} · opsaudit"
    )


def _fallback(as_of: datetime, new: int, still_open: int) -> str:
    if not new:
        return f"Compliance digest {as_of:%Y-%m-%d}: no new violations; {still_open} still open"
    return f"Compliance digest {as_of:%Y-%m-%d}: {new} new violations; {still_open} still open"


def _fingerprint(blocks: list[Block], replies: list[list[Block]], text: str) -> str:
    content = json.dumps(
        {"blocks": blocks, "replies": replies, "text": text},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(content.encode("utf-8")).hexdigest()
