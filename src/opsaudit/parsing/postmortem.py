"""Post-mortem Markdown files, read the way ``rules.md`` describes them.

:func:`parse_postmortem` gives a :class:`PostMortemDoc`: the front matter, the headings
and, on demand, the sections, the Timeline's entries, the action items and the uses of
the blame lexicon. The post-mortem checks (``postmortem.sections``,
``postmortem.timeline``, ``postmortem.action_items``, ``postmortem.blameless``,
``action_item.overdue``) are built on it.

Settled readings (``rules.md``, "Section", "Action item", "Edge cases, settled"):

- A section is a heading of any level and what follows up to the next heading of the
  same or a higher level; only headings at the top level of the document count.
- An entry of the Timeline, or an action item, is a top-level list item of the section
  with its nested children's text, or a table body row.
- The front matter (YAML between ``---`` lines at the top) is in no section and is not
  searched for blame; line numbers are always lines of the whole file.
- Blame is searched in prose: paragraphs, headings, list items, table cells and block
  quotes (inline code included), but not fenced or indented code blocks, HTML comments
  or HTML tags: code quotes logs, and templates hide their hints in comments.
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from types import MappingProxyType

from opsaudit.parsing.front_matter import find_front_matter, load_front_matter
from opsaudit.parsing.links import IssueRef, extract_issue_refs
from opsaudit.parsing.postmortem_fields import (
    blame_pattern,
    check_filename,
    find_due,
    find_owner,
    first_iso_date,
    fold_quotes,
    is_done_status,
    is_no_owner,
    normalise_heading,
    says_utc,
)
from opsaudit.parsing.postmortem_markdown import (
    Heading,
    ListEntry,
    Prose,
    Skeleton,
    TableRow,
    is_blank,
    read_markdown,
)
from opsaudit.parsing.timestamps import FoundTime, find_dates, first_time

__all__ = [
    "ActionItem",
    "Heading",
    "PostMortemDoc",
    "Section",
    "TimelineEntry",
    "check_filename",
    "fold_quotes",
    "normalise_heading",
    "parse_postmortem",
    "read_skeleton",
]

_NEWLINES = re.compile(r"\r\n?")
_OWNER_COLUMNS = frozenset({"owner", "owners", "assignee", "assignees", "assigned to"})
_DUE_COLUMNS = frozenset({"due", "due date", "due by"})
_STATUS_COLUMNS = frozenset({"status", "state"})


@dataclass(frozen=True)
class Section:
    """A heading and what follows it up to the next heading of the same or a higher level."""

    heading: Heading
    start_line: int  # first line after the heading
    end_line: int  # last line (before the next heading of the same or higher level, or EOF)
    text: str  # its source lines, sub-headings' title lines left out

    def is_empty(self, placeholders: Sequence[str]) -> bool:
        """Whether it holds only white space, HTML comments and placeholders.

        Placeholders are ``<…>`` and ``placeholders`` (TBD, TODO, N/A, ``-``, ``…``;
        any case, also as list items such as ``- TBD``). A table's header row alone
        is scaffolding, not content.
        """
        return is_blank(self.text, placeholders)


@dataclass(frozen=True)
class TimelineEntry:
    """An entry of the Timeline: a top-level list item (with its children) or a table row."""

    line: int
    text: str  # the list item's text, or the row's cells joined by " | "
    time: FoundTime | None  # list item: its first time; row: the time in the time column
    utc_context: bool  # the section heading (or a sub-heading) or the time column says UTC
    dates: tuple[date, ...]  # dates written in the entry
    # dates written in the Timeline's other text (its heading, sub-headings, paragraphs)
    # after the previous entry and before this one: they move the running date too
    preceding_dates: tuple[date, ...] = ()


@dataclass(frozen=True)
class ActionItem:
    """An action item: a top-level list item or a table body row of the Action items."""

    index: int  # 1-based, counting the document's action items in order
    line: int
    text: str  # the list item's text (box removed), or the row's cells joined by " | "
    owner: str | None  # "@handle", the name after "owner:", or the Owner/Assignee cell
    due: date | None  # the date after "due", or the Due column; None if no real date
    checked: bool  # its task box is checked ([x] or [X])
    status: str | None  # the Status column, lower-cased; None without one
    links: tuple[IssueRef, ...]  # the issues and pull requests it links

    @property
    def done_by_text(self) -> bool:
        """Done by what is written: a checked box, or a Status of done/closed/complete(d)."""
        return self.checked or is_done_status(self.status)


@dataclass(frozen=True)
class PostMortemDoc:
    """A parsed post-mortem file."""

    path: str
    front_source: str = field(repr=False, compare=False)  # the front matter's YAML
    headings: tuple[Heading, ...]
    lines: tuple[str, ...]  # the file's lines, without line endings
    body_line: int = 1  # the first line after the front matter
    _sections: tuple[Section, ...] = field(default=(), repr=False, compare=False)
    _entries: tuple[ListEntry | TableRow, ...] = field(default=(), repr=False, compare=False)
    _prose: tuple[Prose, ...] = field(default=(), repr=False, compare=False)

    @cached_property
    def front_matter(self) -> Mapping[str, object]:
        """The front matter as a mapping (empty when absent or unreadable); read from
        its YAML when first asked for: no check needs it, and YAML is slow to read."""
        return MappingProxyType(load_front_matter(self.front_source) if self.front_source else {})

    def sections(self) -> tuple[Section, ...]:
        """Every section, in order (nested ones included)."""
        return self._sections

    def find_section(self, aliases: Sequence[str]) -> Section | None:
        """The first section whose heading matches one of ``aliases`` once both are normalised."""
        wanted = {normalise_heading(alias) for alias in aliases} - {""}
        for section in self._sections:
            if normalise_heading(section.heading.title) in wanted:
                return section
        return None

    def timeline(self, aliases: Sequence[str]) -> list[TimelineEntry] | None:
        """The Timeline's entries in order; None without a Timeline, [] when it has none."""
        section = self.find_section(aliases)
        if section is None:
            return None
        entries: list[TimelineEntry] = []
        previous_end = section.heading.line - 1
        prose = sorted(self._prose, key=lambda p: p.line)
        prose_lines = [p.line for p in prose]
        utc_spans = self._utc_spans(section)
        for entry in self._entries_in(section):
            # prose between the previous entry and this one (bisect: linear overall)
            first = bisect_right(prose_lines, previous_end)
            last = bisect_left(prose_lines, entry.line, lo=first)
            before = tuple(day for p in prose[first:last] for day in find_dates(p.text))
            previous_end = entry.end_line
            heading_utc = _covers(utc_spans, entry.line)
            if isinstance(entry, ListEntry):
                text, found, utc = entry.text, first_time(entry.text), heading_utc
            else:
                column = _time_column(entry.header)
                text = " | ".join(entry.cells)
                found = first_time(entry.cells[column]) if column < len(entry.cells) else None
                header = entry.header[column] if column < len(entry.header) else ""
                utc = heading_utc or says_utc(header)
            dates = tuple(find_dates(text))
            entries.append(TimelineEntry(entry.line, text, found, utc, dates, before))
        return entries

    def action_items(
        self,
        aliases: Sequence[str],
        *,
        repo: str,
        github_web: str = "https://github.com",
        placeholders: Sequence[str] = (),
    ) -> list[ActionItem] | None:
        """The Action items section's items in order; None without such a section.

        ``repo`` is the post-mortems' repository (a bare ``#123`` points into it);
        ``placeholders`` are extra owner values that name nobody (``-``, TBD and N/A
        always do).
        """
        section = self.find_section(aliases)
        if section is None:
            return None
        items: list[ActionItem] = []
        for index, entry in enumerate(self._entries_in(section), start=1):
            if isinstance(entry, ListEntry):
                text, checked, status = entry.text, bool(entry.checked), None
                owner = find_owner(text, placeholders=placeholders)
                due = find_due(text)
            else:
                text, checked, owner, due, status = _row_fields(entry, placeholders)
            links = extract_issue_refs(text, default_repo=repo, github_web=github_web)
            items.append(
                ActionItem(index, entry.line, text, owner, due, checked, status, tuple(links))
            )
        return items

    def blame_hits(
        self, lexicon: Sequence[str], *, exclude: Section | None = None
    ) -> list[tuple[int, str]]:
        """``(line, phrase)`` for every use of a ``lexicon`` phrase outside ``exclude``.

        Whole words, any case, typographic quotes folded to ASCII; prose only: fenced and
        indented code blocks, HTML comments and tags and the front matter are not searched
        (inline code is). A phrase broken over two lines counts, at the line where it
        starts. Ordered by position.
        """
        patterns = [(phrase, blame_pattern(phrase)) for phrase in lexicon]
        hits: list[tuple[int, int, str]] = []
        for prose in self._prose:
            if exclude is not None and exclude.heading.line <= prose.line <= exclude.end_line:
                continue
            text = fold_quotes(prose.text)
            for phrase, pattern in patterns:
                # lines counted on from the previous match: one pass over the text
                line, counted = prose.line, 0
                for match in pattern.finditer(text) if pattern is not None else ():
                    line += text.count("\n", counted, match.start())
                    counted = match.start()
                    hits.append((line, match.start(), phrase))
        hits.sort(key=lambda hit: (hit[0], hit[1]))
        return [(line, phrase) for line, _, phrase in hits]

    def _entries_in(self, section: Section) -> list[ListEntry | TableRow]:
        return [e for e in self._entries if section.start_line <= e.line <= section.end_line]

    def _utc_spans(self, section: Section) -> list[tuple[int, int]]:
        """The line spans, merged and in order, of ``section`` and its sub-sections whose
        heading says UTC: an entry inside one has a UTC heading over it."""
        spans = sorted(
            (s.heading.line, s.end_line)
            for s in self._sections
            if section.heading.line <= s.heading.line <= section.end_line
            and s.end_line <= section.end_line
            and says_utc(s.heading.title)
        )
        merged: list[tuple[int, int]] = []
        for start, end in spans:
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return merged


def _covers(spans: list[tuple[int, int]], line: int) -> bool:
    """Whether one of the merged, ordered ``spans`` holds ``line``."""
    index = bisect_right(spans, (line, sys.maxsize)) - 1
    return index >= 0 and spans[index][0] <= line <= spans[index][1]


def parse_postmortem(text: str, *, path: str, skeleton: Skeleton | None = None) -> PostMortemDoc:
    """Read a post-mortem's Markdown. Never raises: odd input gives an odd but valid doc.

    ``skeleton`` is what :func:`read_skeleton` gave for the same text earlier (kept by
    :mod:`opsaudit.parsing.cache`): the Markdown is then not read again."""
    text, front, body, offset = _split_front_matter(text)
    lines = tuple(text.split("\n"))
    if text.endswith("\n"):
        lines = lines[:-1]
    if skeleton is None:
        skeleton = read_markdown(body, offset=offset)
    return PostMortemDoc(
        path=path,
        front_source=front,
        headings=skeleton.headings,
        lines=lines,
        body_line=offset + 1,
        _sections=_sections(skeleton.headings, lines),
        _entries=skeleton.entries,
        _prose=skeleton.prose,
    )


def read_skeleton(text: str) -> Skeleton:
    """The Markdown of ``text`` read once: what :func:`parse_postmortem` takes back."""
    _, _, body, offset = _split_front_matter(text)
    return read_markdown(body, offset=offset)


def _split_front_matter(text: str) -> tuple[str, str, str, int]:
    """The text with newlines made ``\\n``, its front matter's YAML (empty without
    one), its body and the number of lines before the body."""
    # front matter whose YAML cannot be read still stays out of the body
    text = _NEWLINES.sub("\n", text)
    found = find_front_matter(text)
    if found is None:
        return text, "", text, 0
    source, body = found
    return text, source, text[body:], text[:body].count("\n")


def _sections(headings: tuple[Heading, ...], lines: tuple[str, ...]) -> tuple[Section, ...]:
    heading_lines = {n for h in headings for n in range(h.line, h.end_line + 1)}
    ends = [len(lines)] * len(headings)
    open_sections: list[int] = []  # indexes of headings whose section is still open
    for index, heading in enumerate(headings):
        # a heading closes every open section of the same or a deeper level
        while open_sections and headings[open_sections[-1]].level >= heading.level:
            ends[open_sections.pop()] = heading.line - 1
        open_sections.append(index)
    sections: list[Section] = []
    for heading, end in zip(headings, ends, strict=True):
        start = heading.end_line + 1
        own = [lines[n - 1] for n in range(start, end + 1) if n not in heading_lines]
        sections.append(Section(heading, start, end, "\n".join(own)))
    return tuple(sections)


def _time_column(header: tuple[str, ...]) -> int:
    for index, title in enumerate(header):
        if "time" in title.casefold():
            return index
    return 0


def _row_fields(
    row: TableRow, placeholders: Sequence[str]
) -> tuple[str, bool, str | None, date | None, str | None]:
    """Text, checked, owner, due date and status of an action-item table row."""
    columns = [normalise_heading(title) for title in row.header]
    text = " | ".join(row.cells)
    checked = bool(row.cells) and re.match(r"\s*\[[xX]\]", row.cells[0]) is not None
    owner_column = _column(columns, _OWNER_COLUMNS)
    if owner_column is None:
        owner = find_owner(text, placeholders=placeholders)
    else:
        cell = row.cells[owner_column].strip(" \t*_`")
        owner = None if is_no_owner(cell, placeholders=placeholders) else cell
    due_column = _column(columns, _DUE_COLUMNS)
    due = find_due(text) if due_column is None else first_iso_date(row.cells[due_column])
    status_column = _column(columns, _STATUS_COLUMNS)
    status = None
    if status_column is not None:
        status = " ".join(row.cells[status_column].split()).strip("*_`~ ").casefold() or None
    return text, checked, owner, due, status


def _column(columns: Sequence[str], names: frozenset[str]) -> int | None:
    return next((index for index, name in enumerate(columns) if name in names), None)
