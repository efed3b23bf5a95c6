"""Small readers for post-mortem text: headings, file names, owners, due dates, blame.

Each follows a sentence of ``rules.md`` ("Section", "Action item", the
``postmortem.filename`` and ``postmortem.blameless`` rows). Pure, never raises, and
linear in its input: no pattern here can backtrack over more than a bounded stretch
(quantifiers that a following character could give back are possessive), and searches
that would restart from every match are done in one pass.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date
from pathlib import PurePosixPath

from opsaudit.parsing.timestamps import parse_date

# \u2019 \u2018 \u201b \u2032 \u201a -> '   and   \u201c \u201d \u201e \u201f -> "
_QUOTES = str.maketrans(
    dict.fromkeys("\u2019\u2018\u201b\u2032\u201a", "'")
    | dict.fromkeys("\u201c\u201d\u201e\u201f", '"')
)
_NOT_ALNUM = re.compile(r"[\W_]+")
_UTC = re.compile(r"(?<![A-Za-z])UTC(?![A-Za-z])", re.I)
_FILENAME = re.compile(r"(?P<date>\d{4}-\d{2}-\d{2})(?:-(?P<name>.*))?\.md")
_SHORT_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

# An @handle must not sit inside a word, an e-mail address or a URL path.
_HANDLE = re.compile(r"(?<![\w.@/])@[A-Za-z0-9](?:[\w.-]*\w)?(?:/[A-Za-z0-9](?:[\w.-]*\w)?)?")
_OWNER_LABEL = re.compile(
    r"(?<!\w)(?:owners?|assignees?)[*_]*+[ \t]*+:[*_]*[ \t]*(?P<name>[^,;()\[\]|\n\u2014\u2013]*)",
    re.I,
)
_NAME_END = re.compile(r"\s(?:-|due\b).*\Z", re.I | re.S)
_DUE = re.compile(r"(?<!\w)due(?!\w)", re.I)
_ISO_DATE = re.compile(r"(?<![\d-])(\d{4}-\d{2}-\d{2})(?!\d)")
# what may stand between "due" and its date: "due: …", "due by …", "**Due date**: …"
_DUE_GAP = re.compile(r"[\s*_:=~-]*(?:(?:date|by|on)[\s*_:=~-]*)*\Z", re.I)

# Cell or owner values that name nobody, on top of the policy's placeholders.
NO_OWNER = frozenset(
    {"", "-", "\u2014", "\u2013", "?", "none", "nobody", "unassigned", "tbd", "todo", "n/a"}
)
DONE_STATUSES = frozenset({"done", "closed", "complete", "completed"})


def fold_quotes(text: str) -> str:
    """Typographic apostrophes and quotes folded to ASCII (``rules.md``: text is compared so).

    Curly single quotes, the reversed and low-9 single quotes and the prime become
    ``'``; curly, low-9 and reversed double quotes become ``"``.
    """
    return text.translate(_QUOTES)


def normalise_heading(text: str) -> str:
    """A heading or section name as ``rules.md`` compares them.

    Lower case; a trailing parenthesis removed (``Root cause (draft)``); every run of
    characters that are not letters or digits, Unicode punctuation included, replaced
    by one space; trimmed. ``What worked/what didn\u2019t`` gives ``what worked what didn t``.
    """
    text = unicodedata.normalize("NFKC", text).strip()
    text = _without_trailing_parens(text)
    return _NOT_ALNUM.sub(" ", text.casefold()).strip()


def says_utc(text: str) -> bool:
    """Whether a heading or column header says UTC (``Timeline (UTC)``, ``Time, utc``)."""
    return _UTC.search(text) is not None


def check_filename(path: str) -> tuple[date | None, str | None]:
    """The date of a post-mortem's file name and, if the name is not valid, why not.

    Valid is ``<YYYY-MM-DD>-<short-name>.md`` with a real date and a short name of
    lowercase letters and digits in words joined by ``-``. The date is returned
    whenever it is real, even when the rest of the name is wrong.
    """
    name = PurePosixPath(path.replace("\\", "/")).name
    match = _FILENAME.fullmatch(name)
    if match is None:
        if not name.endswith(".md"):
            return _leading_date(name), f"{name!r} does not end in '.md'"
        return None, f"{name!r} does not start with a YYYY-MM-DD date followed by '-'"
    day = parse_date(match["date"])
    if day is None:
        return None, f"{match['date']} in {name!r} is not a real date"
    if not match["name"]:
        return day, f"{name!r} has no short name after the date"
    if _SHORT_NAME.fullmatch(match["name"]) is None:
        return day, (
            f"the short name {match['name']!r} is not lowercase letters and digits "
            "in words joined by '-'"
        )
    return day, None


def find_owner(text: str, *, placeholders: Sequence[str] = ()) -> str | None:
    """The owner written in an action item: ``owner: name`` first, else the first ``@handle``.

    A name runs to a comma, semicolon, parenthesis, dash, the word "due" or the line's
    end; a placeholder name (``owner: TBD``) names nobody.
    """
    for match in _OWNER_LABEL.finditer(text):
        name = _NAME_END.sub("", match["name"]).strip(" \t*_`.")
        if not is_no_owner(name, placeholders=placeholders):
            return name
    handle = _HANDLE.search(text)
    return handle.group(0) if handle is not None else None


def is_no_owner(value: str, *, placeholders: Sequence[str] = ()) -> bool:
    """Whether an owner cell or name is empty or a placeholder (``-``, ``TBD``, ``N/A``)."""
    bare = " ".join(value.strip(" \t*_`").split()).casefold()
    return (
        bare in NO_OWNER
        or bare in {p.strip().casefold() for p in placeholders}
        or (bare.startswith("<") and bare.endswith(">"))
    )


def find_due(text: str) -> date | None:
    """The due date written in an action item: the ``YYYY-MM-DD`` after the word "due".

    When "due" appears more than once (``Due to the 2026-09-01 change, …, due
    2026-10-01``), a date right after a "due" (``due``, ``due:``, ``due by``, ``due
    date``) wins; otherwise the first date after the first "due". A date that does not
    exist (``2026-02-30``) gives None.
    """
    first: str | None = None
    dates = iter(_ISO_DATE.finditer(text))  # read once, in step with the "due"s
    following = next(dates, None)
    for due in _DUE.finditer(text):
        while following is not None and following.start() < due.end():
            following = next(dates, None)
        if following is None:
            break
        if _DUE_GAP.match(text, due.end(), following.start()):
            return parse_date(following.group(1))
        if first is None:
            first = following.group(1)
    return parse_date(first) if first is not None else None


def first_iso_date(text: str) -> date | None:
    """The first ``YYYY-MM-DD`` in a cell; None if absent or not a real date."""
    match = _ISO_DATE.search(text)
    return parse_date(match.group(1)) if match is not None else None


def is_done_status(status: str | None) -> bool:
    """Whether a Status cell says done, closed or complete(d) (its first word)."""
    if not status:
        return False
    word = re.match(r"[a-z]+", status.strip(" \t*_`~"))
    return word is not None and word.group(0) in DONE_STATUSES


def blame_pattern(phrase: str) -> re.Pattern[str] | None:
    """A pattern finding ``phrase`` as whole words in any case (None for a blank phrase).

    Word boundaries apply only at ends that are word characters, so ``'s fault`` finds
    ``the operator's fault``; ``to blame`` does not find ``to blameless``.
    """
    words = fold_quotes(phrase).split()
    if not words:
        return None
    body = r"\s+".join(re.escape(word) for word in words)
    start = r"(?<!\w)" if re.match(r"\w", words[0]) else ""
    end = r"(?!\w)" if re.search(r"\w\Z", words[-1]) else ""
    return re.compile(start + body + end, re.I)


def _without_trailing_parens(text: str) -> str:
    """``text`` without a final ``(...)`` (no parentheses inside) that only non-word
    characters follow: ``Root cause (draft)`` -> ``Root cause ``. One pass from the end,
    where a pattern searched from every ``(`` would take quadratic time on ``()()()...``.
    """
    tail = len(text)
    while tail > 0 and not text[tail - 1].isalnum():
        tail -= 1  # text[tail:] is the trailing run of [\W_] (not letters or digits)
    last_paren = None  # the nearest parenthesis seen so far, scanning backwards
    cut = None
    for index in range(len(text) - 1, -1, -1):
        char = text[index]
        if char not in "()":
            continue
        if char == "(" and last_paren is not None and text[last_paren] == ")":
            cut = index  # "(" then ")" with no parenthesis between: a candidate
        if index < tail and char == ")":
            break  # a ")" must lie in the trailing run; earlier ones never qualify
        last_paren = index
    return text[:cut] if cut is not None else text


def _leading_date(name: str) -> date | None:
    match = re.match(r"(\d{4}-\d{2}-\d{2})(?!\d)", name)
    return parse_date(match.group(1)) if match is not None else None
