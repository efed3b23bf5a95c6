"""Times as people write them in summary posts and timelines (``rules.md``).

Recognised: ``YYYY-MM-DD HH:MM[:SS]`` and ``YYYY-MM-DDTHH:MM[:SS]`` with an optional
zone, and a bare ``HH:MM[:SS]`` with an optional zone. A **zone** right after the time
is ``UTC``, ``Z``, ``GMT``, a numeric offset (``+00:00``, ``-0500``) or a time-zone
abbreviation (PST, CET, IST...); ``GMT`` and a zero offset count as UTC. Any other word
after a time (``14:50 CTO paged``) is not a zone. Slack's ``<!date^…|fallback>`` tokens
are read by their fallback text. Never raises; linear in the text's length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from datetime import date as _Date  # the field `date` below shadows the type in the class

# Abbreviations people put after a time. Not exhaustive, but enough to tell a zone from
# a word: an unknown three-letter word after a time is not a zone.
ZONE_ABBREVIATIONS = frozenset(
    {
        "UTC",
        "GMT",
        "Z",
        "UT",
        "WET",
        "WEST",
        "BST",
        "IST",
        "CET",
        "CEST",
        "EET",
        "EEST",
        "MSK",
        "TRT",
        "GST",
        "PKT",
        "NPT",
        "BDT",
        "ICT",
        "WIB",
        "SGT",
        "HKT",
        "PHT",
        "AWST",
        "JST",
        "KST",
        "ACST",
        "ACDT",
        "AEST",
        "AEDT",
        "NZST",
        "NZDT",
        "HST",
        "AKST",
        "AKDT",
        "PST",
        "PDT",
        "MST",
        "MDT",
        "CST",
        "CDT",
        "EST",
        "EDT",
        "AST",
        "ADT",
        "NST",
        "NDT",
        "BRT",
        "ART",
        "CLT",
        "COT",
        "PET",
        "SAST",
        "WAT",
        "CAT",
        "EAT",
        "ET",
        "PT",
        "CT",
        "MT",
    }
)
UTC_ZONES = frozenset({"UTC", "Z", "GMT", "UT"})

# no "<" inside a token (Slack sends a typed "<" as "&lt;"): otherwise every "<!date^1^"
# of an unclosed run would scan to the end of the text, quadratic in all
_SLACK_DATE = re.compile(r"<!date\^\d++\^[^|<>]*+\|([^<>]*+)>")
_TIME = re.compile(
    r"""
    (?<![\w:.])
    (?:(?P<date>\d{4}-\d{2}-\d{2})(?:[T ]|,\s*|\s+at\s+))?
    (?P<hour>[01]?\d|2[0-3]):(?P<minute>[0-5]\d)(?::(?P<second>[0-5]\d)(?P<fraction>\.\d+)?)?
    (?![\d:])
    (?:
        (?P<z>Z)(?![\w])
      | \s?(?P<offset>[+-](?:[01]\d|2[0-3]):?[0-5]\d)(?!\d)
      | \s?\(?(?P<abbr>[A-Za-z]{1,5})\)?(?![\w])
    )?
    """,
    re.VERBOSE,
)
_DATE = re.compile(r"(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d-])")


@dataclass(frozen=True)
class FoundTime:
    """A time found in a text, with what was written around it."""

    start: int  # span in the (Slack-token-expanded) text
    end: int
    date: date | None
    clock: time  # hour, minute, second as written (second 0 when absent)
    has_seconds: bool
    zone: str | None  # as written: "UTC", "Z", "+00:00", "PST"; None without a zone

    @property
    def is_utc(self) -> bool:
        """Whether the zone says UTC (``UTC``, ``Z``, ``GMT`` or a zero offset)."""
        if self.zone is None:
            return False
        return self.zone.upper() in UTC_ZONES or _offset(self.zone) == timedelta(0)

    def instant(
        self, default_date: _Date | None = None, *, assume_utc: bool = False
    ) -> datetime | None:
        """The UTC instant, if the zone is known (or ``assume_utc``) and a date is at hand.

        A numeric offset is applied; an abbreviation other than UTC gives None (its
        offset is ambiguous: IST is India or Ireland).
        """
        day = self.date or default_date
        if day is None:
            return None
        if self.is_utc or (self.zone is None and assume_utc):
            zone: timezone = UTC
        elif self.zone is not None and (delta := _offset(self.zone)) is not None:
            zone = timezone(delta)
        else:
            return None
        try:
            return datetime.combine(day, self.clock, tzinfo=zone).astimezone(UTC)
        except OverflowError:  # 9999-12-31 23:59 -05:00 lies past the last datetime
            return None


def expand_slack_dates(text: str) -> str:
    """Slack ``<!date^1700000000^{date_short}|Nov 14>`` tokens replaced by their fallback."""
    return _SLACK_DATE.sub(lambda m: m.group(1), text)


def find_times(text: str) -> list[FoundTime]:
    """Every time in ``text``, in order."""
    text = expand_slack_dates(text)
    found = []
    for match in _TIME.finditer(text):
        day = parse_date(match.group("date"))
        if match.group("date") and day is None:
            continue  # 2026-13-45 is no date: not a time either
        abbr = match.group("abbr")
        zone = match.group("z") or match.group("offset")
        end = match.end()
        if abbr is not None:
            if abbr.upper() in ZONE_ABBREVIATIONS and (abbr.isupper() or abbr.lower() == "utc"):
                zone = abbr.upper()
            else:  # a word, not a zone: the match ends with the time itself
                end = match.end("second") if match.group("second") else match.end("minute")
                if match.group("fraction"):
                    end = match.end("fraction")
        found.append(
            FoundTime(
                start=match.start(),
                end=end,
                date=day,
                clock=time(
                    int(match.group("hour")),
                    int(match.group("minute")),
                    int(match.group("second") or 0),
                ),
                has_seconds=match.group("second") is not None,
                zone=zone,
            )
        )
    return found


def first_time(text: str) -> FoundTime | None:
    """The first time in ``text``, or None."""
    found = find_times(text)
    return found[0] if found else None


def find_dates(text: str) -> list[date]:
    """Every real ``YYYY-MM-DD`` date in ``text``, in order (``2026-02-30`` is skipped)."""
    days = (parse_date(m.group(0)) for m in _DATE.finditer(expand_slack_dates(text)))
    return [day for day in days if day is not None]


def parse_date(text: str | None) -> date | None:
    """A ``YYYY-MM-DD`` string as a date; None when absent or no real date (2026-02-30)."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _offset(zone: str) -> timedelta | None:
    match = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", zone)
    if match is None:
        return None
    sign = -1 if match.group(1) == "-" else 1
    return sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3)))
