"""``#incidents`` summary posts: the runbook's communications template, read back.

``rules.md`` ("Summary post", "Times in summary posts and timelines", ``comms.*``)::

    *Incident summary*
    What: <one sentence on user impact>
    When: <start time, UTC>
    Status: investigating | identified | mitigating | resolved
    Service(s): <names>
    Brand(s): <names or "all">

    *Latest update* (timestamp)
    <what we know, what we're doing>

    *Next update by* <timestamp>

Labels are read in any case and emphasis (``What:``, ``*What:*``, ``*What*:``,
``**What:**``). A field's value is the rest of its line, or, when that is empty, the
lines below it up to a blank line or the next label; the Latest update's text is every
line below its label up to the next label. A label seen twice counts once (the first);
the second is text. Never raises.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from opsaudit.parsing.summary_markup import is_placeholder, slack_plain, strip_emphasis
from opsaudit.parsing.summary_mentions import Mentions, mentions
from opsaudit.parsing.timestamps import FoundTime, find_times

__all__ = [
    "FIELD_LABELS",
    "RESOLVED",
    "FieldValue",
    "Mentions",
    "SummaryPost",
    "is_summary_post",
    "mentions",
    "parse_summary",
]

RESOLVED = "resolved"
# canonical name -> label as the runbook writes it, in template order
FIELD_LABELS: Mapping[str, str] = {
    "what": "What",
    "when": "When",
    "status": "Status",
    "services": "Service(s)",
    "brands": "Brand(s)",
    "latest_update": "Latest update",
    "next_update_by": "Next update by",
}

# possessive [ \t]*+ everywhere: runs of spaces must not be split between neighbouring
# quantifiers, or a line of thousands of spaces takes quadratic time
_HEADING = re.compile(
    r"^[ \t]*+[*_~]{0,3}[ \t]*+incident[ \t]++summary[ \t]*+:?[ \t]*+[*_~]{0,3}[ \t]*+:?[ \t]*+$",
    re.IGNORECASE | re.MULTILINE,
)
_LABEL = re.compile(
    r"""
    ^[ \t]*+(?:>[ \t]*+)?(?:[-•◦▪][ \t]++)?
    (?P<open>[*_~`]{0,3})[ \t]*+
    (?P<label>what|when|status|service\(s\)|services|service|brand\(s\)|brands|brand
      |latest[ \t]++update|next[ \t]++update[ \t]++by)(?![^\W_]|\()
    [ \t]*+(?P<colon1>:?)[ \t]*+(?P<close>[*_~`]{0,3})[ \t]*+(?P<colon2>:?)(?P<rest>.*)$
    """,
    re.IGNORECASE | re.VERBOSE,
)
_CANONICAL = {
    "what": "what",
    "when": "when",
    "status": "status",
    "service(s)": "services",
    "services": "services",
    "service": "services",
    "brand(s)": "brands",
    "brands": "brands",
    "brand": "brands",
    "latest update": "latest_update",
    "next update by": "next_update_by",
}
# "Latest update" without colon or emphasis is a label only when a time or nothing
# follows, so a sentence of update text ("Latest update from AWS ...") stays text
_BARE_LATEST_REST = re.compile(r"(?:$|[(\[<\-\u2013\u2014@]|\d|at\b|as of\b)", re.IGNORECASE)
_SINGLE_WORD = re.compile(r"[^\W\d_][\w-]*")
_TIME_LEFTOVER = " \t()[]-\u2013\u2014:,.;|"


def is_summary_post(text: str) -> bool:
    """Whether a line of ``text`` reads only ``Incident summary``.

    Any case, any emphasis (``*…*``, ``**…**``, ``_…_``) and a trailing colon are
    allowed; a sentence that merely contains the words (``Incident summary: checkout
    down``) is not a summary post.
    """
    return _HEADING.search(text) is not None


@dataclass(frozen=True)
class FieldValue:
    """A field's value as written: markup stripped, trimmed ("" when empty)."""

    raw: str
    line: int  # 1-based line of the label in the post


@dataclass(frozen=True)
class SummaryPost:
    """The fields of a summary post, and the times read from them."""

    # keyed by canonical name (see FIELD_LABELS); a label absent from the post is absent
    fields: Mapping[str, FieldValue] = field(hash=False)
    latest_update_text: str
    latest_update_time: FoundTime | None
    when_time: FoundTime | None
    next_update_time: FoundTime | None
    # the Status value lower-cased when it is a single word ("fixing" too), else None;
    # problems() compares it with the policy's statuses
    status: str | None

    def problems(self, *, statuses: Sequence[str]) -> list[str]:
        """One short phrase per missing field or bad value, in template order.

        Per ``comms.template``: What (text), When (a UTC time), Status (one of
        ``statuses``, any case; with no statuses given, any value), Service(s),
        Brand(s), Latest update (a UTC time on its line and text under it), Next update
        by (a UTC time; not needed when the status is resolved). Empty values and
        ``<placeholder>`` values are bad. ``[]`` when the post is complete.
        """
        out: list[str] = []
        for name, label in FIELD_LABELS.items():
            if name == "next_update_by" and self.status == RESOLVED:
                continue
            value = self.fields.get(name)
            if value is None:
                out.append(f"{label} missing")
            elif name == "latest_update":
                out += self._latest_update_problems()
            elif not value.raw:
                out.append(f"{label} empty")
            elif is_placeholder(value.raw):
                out.append(f"{label} is a placeholder")
            elif name == "when":
                out += _time_problems(label, self.when_time)
            elif name == "next_update_by":
                out += _time_problems(label, self.next_update_time)
            elif name == "status" and not _known_status(self.status, statuses):
                out.append(f"Status '{value.raw}' is not one of {', '.join(statuses)}")
        return out

    def promise(self, *, posted_at: datetime) -> datetime | None:
        """The UTC instant of ``Next update by T``, or None.

        None when the field is absent, has no time, names a zone whose offset is
        unknown (PST), or the status is resolved. A time without a zone is read as UTC;
        a time without a date takes the post's UTC date and, when that instant is
        earlier than ``posted_at``, the next day (a promise is in the future). A naive
        ``posted_at`` is taken as UTC.
        """
        found = self.next_update_time
        if found is None or self.status == RESOLVED:
            return None
        try:
            posted = posted_at if posted_at.tzinfo else posted_at.replace(tzinfo=UTC)
            posted = posted.astimezone(UTC)
            at = found.instant(posted.date(), assume_utc=True)
            if at is not None and found.date is None and at < posted:
                at += timedelta(days=1)
        except (OverflowError, ValueError):  # dates at the ends of the calendar
            return None
        return at

    def _latest_update_problems(self) -> list[str]:
        out = _time_problems("Latest update", self.latest_update_time)
        if not self.latest_update_text:
            out.append("Latest update has no text")
        elif is_placeholder(self.latest_update_text):
            out.append("Latest update text is a placeholder")
        return out


def parse_summary(text: str) -> SummaryPost:
    """The fields of a summary post; missing labels are simply absent. Never raises."""
    lines = slack_plain(text).split("\n")
    heading = next((i for i, line in enumerate(lines) if _HEADING.fullmatch(line)), -1)
    found: dict[str, tuple[int, str]] = {}  # name -> (index of label line, rest of line)
    below: dict[str, list[str]] = {}
    current: str | None = None
    for index in range(heading + 1, len(lines)):
        label = _label(lines[index])
        if label is not None and label[0] not in found:
            current = label[0]
            found[current] = (index, label[1])
            below[current] = []
        elif current is not None:
            below[current].append(lines[index])

    fields: dict[str, FieldValue] = {}
    latest_text = ""
    for name, (index, rest) in found.items():
        raw = strip_emphasis(rest)
        if name == "latest_update":
            latest_text = _update_text(raw, below[name])
        elif not raw:
            raw = _continuation(below[name])
        fields[name] = FieldValue(raw=raw, line=index + 1)

    def time_of(name: str) -> FoundTime | None:
        value = fields.get(name)
        return _pick_time(value.raw) if value is not None else None

    status = fields["status"].raw.lower() if "status" in fields else ""
    return SummaryPost(
        fields=fields,
        latest_update_text=latest_text,
        latest_update_time=time_of("latest_update"),
        when_time=time_of("when"),
        next_update_time=time_of("next_update_by"),
        status=status if _SINGLE_WORD.fullmatch(status) else None,
    )


def _label(line: str) -> tuple[str, str] | None:
    """``(canonical name, rest of line)`` when ``line`` starts with a field label."""
    match = _LABEL.match(line)
    if match is None:
        return None
    name = _CANONICAL[re.sub(r"\s+", " ", match.group("label").lower())]
    rest = match.group("rest")
    colon = bool(match.group("colon1") or match.group("colon2"))
    emphasised = bool(match.group("open") and match.group("close"))
    if name == "latest_update":
        bare_ok = _BARE_LATEST_REST.match(strip_emphasis(rest)) is not None
        return (name, rest) if colon or emphasised or bare_ok else None
    if name == "next_update_by" or colon or emphasised:
        return name, rest
    return None


def _continuation(lines: list[str]) -> str:
    """The lines under an empty label, up to the first blank line, as one value."""
    taken: list[str] = []
    for line in lines:
        value = strip_emphasis(line)
        if not value:
            if taken:
                break
            continue
        taken.append(value)
    return " ".join(taken)


def _update_text(label_rest: str, lines: list[str]) -> str:
    """The Latest update's text: words on its line besides the time, then the lines
    under it."""
    leftover = label_rest
    time = _pick_time(label_rest)
    if time is not None:
        leftover = label_rest[: time.start] + label_rest[time.end :]
    leftover = leftover.strip(_TIME_LEFTOVER)
    # "(timestamp)" left from the template is the time's slot, not update text
    if re.fullmatch(r"\(.*\)|\[.*\]", label_rest.strip()):
        leftover = ""
    parts = [leftover] if leftover else []
    parts += [strip_emphasis(line) for line in lines]
    return "\n".join(parts).strip()


def _pick_time(value: str) -> FoundTime | None:
    """The first UTC time in ``value``, else its first time of any kind."""
    times = find_times(value)
    return next((t for t in times if t.is_utc), times[0] if times else None)


def _time_problems(label: str, time: FoundTime | None) -> list[str]:
    if time is None:
        return [f"{label} has no time"]
    if not time.is_utc:
        return [f"{label} has no UTC time"]
    return []


def _known_status(status: str | None, statuses: Sequence[str]) -> bool:
    if not statuses:
        return True
    return status is not None and status in {s.strip().lower() for s in statuses}
