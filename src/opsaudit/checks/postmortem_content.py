"""What a post-mortem says: its timeline, its action items and its wording.

The runbook's template asks for a "Timeline (UTC, minute-by-minute)", "Action items with
owners + due dates" and "Blameless framing"; these checks read the parsed document
(``ctx.documents``) of every subject post-mortem. Which headings name a section comes
from the policy's ``postmortem.sections``; a section removed there is not looked for.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from opsaudit.checks.context import Context
from opsaudit.checks.model import Result
from opsaudit.checks.spec import check
from opsaudit.parsing.postmortem import TimelineEntry, check_filename

TIMELINE = "Timeline"
BLAMELESS = "Blameless framing"
# any day will do to turn a clock time into an instant when no date is known
_SOME_DAY = date(2000, 1, 1)


@check(
    "postmortem.timeline",
    title="Timeline entries are to the minute, in UTC and in order",
    subject="postmortem",
    group="postmortem",
    runbook="Timeline (UTC, minute-by-minute)",
    needs=("documents",),
    policy=("postmortem.sections", "postmortem.max_bytes"),
)
def timeline(ctx: Context) -> Iterator[Result]:
    """Every Timeline entry (list item, or table row) needs a time to the minute that is
    UTC, by its own mark (UTC, Z, GMT, +00:00) or by the section heading or the time
    column's header, and no earlier than the entry before it. A time without a date
    takes the last date written in the timeline, at first the file name's date.
    A violation lists every bad entry's line; files without a Timeline section, or
    with an empty one, get no result (``postmortem.sections`` reports those). A file
    larger than ``postmortem.max_bytes`` or not valid UTF-8 is not parsed: unknown.
    """
    aliases = ctx.policy.postmortem.sections.get(TIMELINE)
    if aliases is None:
        return
    for file in ctx.subject_postmortems:
        if (unparsed := ctx.unparsed_result(file, "postmortem.timeline")) is not None:
            yield unparsed
            continue
        entries = ctx.documents[file.path].timeline(aliases)
        if not entries:
            continue
        bad = timeline_problems(entries, start=check_filename(file.path)[0])
        if not bad:
            message = (
                f"{_count(len(entries), 'timeline entry')} checked: all to the minute, "
                "in UTC and in order."
            )
            yield ctx.postmortem_view(file).result("postmortem.timeline", "pass", message)
            continue
        first = bad[0]
        message = (
            f"{len(bad)} of {_count(len(entries), 'timeline entry')} break the rules; "
            f"first at line {first.entry.line}: {first.reason}."
        )
        evidence = tuple(ctx.links.document(file, p.entry.line) for p in bad)
        yield ctx.postmortem_view(file).result(
            "postmortem.timeline", "violation", message, evidence=evidence
        )


@dataclass(frozen=True)
class TimelineProblem:
    """A bad timeline entry and why it is bad."""

    entry: TimelineEntry
    reason: str


@dataclass(frozen=True)
class _Stamp:
    moment: datetime  # UTC; on ``_SOME_DAY`` when ``dated`` is False
    dated: bool
    has_seconds: bool


def timeline_problems(
    entries: Sequence[TimelineEntry], *, start: date | None
) -> list[TimelineProblem]:
    """The entries that break ``postmortem.timeline``, in order, each with its reason.

    ``start`` is the running date before the first entry (the file name's date); a date
    written in the Timeline between entries (a sub-heading ``### 2026-11-03``) moves it.
    An entry's date is its time's date, else the first date written in the entry (a
    Date column), else the running date; that date becomes the running date (a date
    later in the entry's text, "rolled back the 2026-10-30 release", does not). Entries
    whose time cannot be placed (no time, or a zone abbreviation other than UTC) do not
    take part in the order. When either of two times has no seconds they are compared to the minute:
    ``14:05`` is not earlier than ``14:05:30``.
    """
    problems: list[TimelineProblem] = []
    running = start
    previous: _Stamp | None = None
    for entry in entries:
        running = entry.preceding_dates[-1] if entry.preceding_dates else running
        found = entry.time
        if found is None:
            running = entry.dates[0] if entry.dates else running
            problems.append(TimelineProblem(entry, "no time to the minute (HH:MM)"))
            continue
        day = found.date or (entry.dates[0] if entry.dates else None) or running
        running = day
        stamp = _stamp(entry, day)
        reason = _zone_problem(entry)
        if reason is None and stamp and previous and _earlier(stamp, previous):
            reason = f"{_show(stamp)} is earlier than the entry before it ({_show(previous)})"
        if reason is not None:
            problems.append(TimelineProblem(entry, reason))
        previous = stamp or previous
    return problems


def _zone_problem(entry: TimelineEntry) -> str | None:
    found = entry.time
    if found is None or found.is_utc:
        return None
    shown = found.clock.isoformat("seconds" if found.has_seconds else "minutes")
    if found.zone is not None:
        return f"{shown} {found.zone} is not UTC"
    if not entry.utc_context:
        return f"{shown} has no UTC mark"
    return None


def _stamp(entry: TimelineEntry, day: date | None) -> _Stamp | None:
    found = entry.time
    if found is None:
        return None
    moment = found.instant(day or _SOME_DAY, assume_utc=True)
    if moment is None:
        return None
    return _Stamp(moment, day is not None, found.has_seconds)


def _earlier(current: _Stamp, previous: _Stamp) -> bool:
    now, then = current.moment, previous.moment
    if not (current.dated and previous.dated):
        # with no date known the entries compare by time of day alone
        now, then = (
            datetime.combine(_SOME_DAY, now.time()),
            datetime.combine(_SOME_DAY, then.time()),
        )
    if not (current.has_seconds and previous.has_seconds):
        now, then = now.replace(second=0, microsecond=0), then.replace(second=0, microsecond=0)
    return now < then


def _show(stamp: _Stamp) -> str:
    clock: time = stamp.moment.time()
    text = clock.isoformat("seconds" if stamp.has_seconds else "minutes") + " UTC"
    return f"{stamp.moment.date().isoformat()} {text}" if stamp.dated else text


@check(
    "postmortem.action_items",
    title="Action items have an owner and a due date",
    subject="postmortem",
    group="postmortem",
    runbook="Action items with owners + due dates",
    needs=("documents",),
    policy=("postmortem.sections", "postmortem.max_bytes"),
)
def action_items(ctx: Context) -> Iterator[Result]:
    """Every action item (a list item, or a table row, in the Action items section) needs
    an owner (an @handle, ``owner: name`` or the Owner/Assignee column) and a due date
    (a YYYY-MM-DD after the word "due", or the Due column); a violation lists each item
    lacking one. Files without an Action items section get no result; a section with no
    items passes here (``postmortem.sections`` reports an empty section). A file larger
    than ``postmortem.max_bytes`` or not valid UTF-8 is not parsed: unknown.
    """
    for file in ctx.subject_postmortems:
        if (unparsed := ctx.unparsed_result(file, "postmortem.action_items")) is not None:
            yield unparsed
            continue
        items = ctx.action_items(file)
        if items is None:
            continue
        if not items:
            message = "The Action items section has no action items."
            yield ctx.postmortem_view(file).result("postmortem.action_items", "pass", message)
            continue
        lacking = [(item, _missing(item.owner, item.due)) for item in items]
        lacking = [(item, what) for item, what in lacking if what]
        if not lacking:
            message = (
                f"{_count(len(items), 'action item')} checked: all have an owner and a due date."
            )
            yield ctx.postmortem_view(file).result("postmortem.action_items", "pass", message)
            continue
        named = ", ".join(f"#{item.index} (line {item.line}) {what}" for item, what in lacking)
        total = _count(len(items), "action item")
        message = f"{len(lacking)} of {total} lack an owner or a due date: {named}."
        evidence = tuple(ctx.links.document(file, item.line) for item, _ in lacking)
        yield ctx.postmortem_view(file).result(
            "postmortem.action_items", "violation", message, evidence=evidence
        )


def _missing(owner: str | None, due: date | None) -> str:
    gaps = [what for what, value in (("owner", owner), ("due date", due)) if value is None]
    return f"has no {' and no '.join(gaps)}" if gaps else ""


@check(
    "postmortem.blameless",
    title="No blame wording outside the Blameless framing section",
    subject="postmortem",
    group="postmortem",
    runbook="Blameless framing",
    needs=("documents",),
    policy=("postmortem.blame_lexicon", "postmortem.sections", "postmortem.max_bytes"),
    requires={"postmortem.blame_lexicon": "blame lexicon to check the wording against"},
    scope=lambda ctx: ctx.subject_postmortem_views,
)
def blameless(ctx: Context) -> Iterator[Result]:
    """A post-mortem's text outside its Blameless framing section must not use the
    policy's blame lexicon (whole words, any case, typographic quotes folded: "human
    error", "'s fault", "to blame"...); a violation gives each line with its phrase.
    Inside the Blameless framing section such words are allowed (it says nobody is to
    blame). Without the section in the policy the whole file is read. With no lexicon
    in the policy the result is unknown; so it is for a file larger than
    ``postmortem.max_bytes`` or not valid UTF-8, which is not parsed.
    """
    lexicon = ctx.policy.postmortem.blame_lexicon
    aliases = ctx.policy.postmortem.sections.get(BLAMELESS)
    if not lexicon:
        return  # the engine answers unknown (requires)
    for file in ctx.subject_postmortems:
        if (unparsed := ctx.unparsed_result(file, "postmortem.blameless")) is not None:
            yield unparsed
            continue
        doc = ctx.documents[file.path]
        exclude = doc.find_section(aliases) if aliases is not None else None
        hits = doc.blame_hits(lexicon, exclude=exclude)
        scope = " outside the Blameless framing section" if aliases is not None else ""
        if not hits:
            message = f"No blame wording{scope} ({_count(len(lexicon), 'phrase')} checked)."
            yield ctx.postmortem_view(file).result("postmortem.blameless", "pass", message)
            continue
        named = ", ".join(f"{phrase!r} (line {line})" for line, phrase in hits)
        message = f"Blame wording{scope}: {named}."
        lines = dict.fromkeys(line for line, _ in hits)
        evidence = tuple(ctx.links.document(file, line) for line in lines)
        yield ctx.postmortem_view(file).result(
            "postmortem.blameless", "violation", message, evidence=evidence
        )


def _count(n: int, noun: str) -> str:
    if n == 1:
        return f"1 {noun}"
    plural = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    return f"{n} {plural}"
