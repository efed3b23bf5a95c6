"""Small formatters of the ops-sync report: times, durations, rates, safe URLs, and the
Markdown escaping of source text.

Markdown has no autoescape, so :func:`md_escape` makes source text inert: it cannot
start a heading, list, table cell, link, emphasis, code span or HTML tag, and it stays
on one line. ``<``, ``>`` and ``&`` become entities (so no raw ``<script>`` is ever in
the file, whatever renderer reads it); the other active characters get a backslash
(``(`` and ``!`` need none: they only act after or before a ``[``, which gets one).
Bidirectional control characters are shown as ``⟨U+202E⟩`` and text with right-to-left
letters is wrapped in a first-strong isolate (U+2068 ... U+2069), the plain-text
equivalent of HTML's ``<bdi>``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

from opsaudit.checks.model import minutes

DASH = "\u2013"  # an en dash
NONE = DASH  # shown where there is no value
_LINE_BREAKS = re.compile(r"[\r\n\v\f\x85\u2028\u2029]+")
_SPACES = re.compile(r"[ \t]+")
_BACKSLASHED = frozenset("\\`*_[]#|~$")
_ENTITIES = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_LIST_START = re.compile(r"^(\d+)([.)])")
_URL_SAFE = "!#$%&'*+,/:;=?@[]~-._"


def when(moment: datetime) -> str:
    """``2026-11-20 12:00 UTC``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def day(moment: datetime) -> str:
    """``2026-11-20`` (UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d")


def duration(seconds: object) -> str:
    """A human duration (``22 min``, ``3 h 05 min``), or a dash for no value."""
    if not isinstance(seconds, int | float) or isinstance(seconds, bool):
        return NONE
    return minutes(float(seconds))


def percent(rate: float | None) -> str:
    return NONE if rate is None else f"{rate * 100:.0f}%"


def rate_text(passed: int, violated: int) -> str:
    """``92% (11 of 12)``: the compliance rate and what it counts, or a dash."""
    counted = passed + violated
    if counted == 0:
        return NONE
    return f"{percent(passed / counted)} ({passed} of {counted})"


def signed(value: int, unit: str = "") -> str:
    """``+3``, ``-2`` (with U+2212, a real minus sign), ``±0``; ``unit`` after a space."""
    text = "±0" if value == 0 else f"+{value}" if value > 0 else f"\u2212{-value}"
    return f"{text} {unit}" if unit else text


def points(now: float | None, before: float | None) -> str:
    """The change of a rate in percentage points, or "" when either week has none."""
    if now is None or before is None:
        return ""
    return signed(round(now * 100) - round(before * 100), "pts")


def shorten(text: str, limit: int) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis."""
    flat = " ".join(_LINE_BREAKS.sub(" ", text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def days_after(later: datetime, earlier: datetime) -> int:
    """Whole days from ``earlier`` to ``later``, a started day counting as one."""
    return max(0, math.ceil((later - earlier).total_seconds() / 86400))


def safe_url(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) URL, percent-encoded so that no quote,
    bracket, space or angle bracket is left in it; otherwise None (never a link)."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(url, safe=_URL_SAFE)


def md_escape(text: str) -> str:
    """Source text made inert and single-line for Markdown (see the module docstring)."""
    flat = _SPACES.sub(" ", _LINE_BREAKS.sub(" ", text)).strip()
    rtl = False
    out: list[str] = []
    for char in flat:
        if char in _BIDI_CONTROLS:
            out.append(f"⟨U+{ord(char):04X}⟩")
            continue
        if unicodedata.bidirectional(char) in ("R", "AL"):
            rtl = True
        if char in _ENTITIES:
            out.append(_ENTITIES[char])
        elif char in _BACKSLASHED:
            out.append("\\" + char)
        elif unicodedata.category(char) == "Cc":
            out.append(" ")
        else:
            out.append(char)
    escaped = "".join(out)
    if escaped[:1] in ("-", "+", "=", ">"):
        escaped = "\\" + escaped  # a list item, setext underline or quote at a line start
    escaped = _LIST_START.sub(r"\1\\\2", escaped)
    return f"\u2068{escaped}\u2069" if rtl else escaped
