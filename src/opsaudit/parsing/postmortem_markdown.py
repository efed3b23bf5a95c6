"""The Markdown plumbing under :mod:`opsaudit.parsing.postmortem`.

One pass over markdown-it's token stream (CommonMark plus tables) turns a post-mortem
body into what the post-mortem checks need: the section headings, the *entries* (a
top-level list item with its nested children, or a table body row) and the prose (the
rendered text of paragraphs, headings, list items and table cells, for the blame
lexicon). Line numbers are 1-based lines of the whole file: the caller passes the number
of front-matter lines as ``offset``.

Only headings at the top level of the document start sections: a ``#`` line inside a
list item or a block quote is part of that block, as it renders.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.token import Token

# CommonMark caps nesting at 20 levels, which keeps pathological input (">>>>>...") cheap.
_MD = MarkdownIt("commonmark").enable("table")

_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_TASK_BOX = re.compile(r"\A[ \t]*\[([ xX])\](?=\s|\Z)[ \t]*")
# `<describe the impact>` and `<…>` are template placeholders; autolinks are rendered
# without their brackets before this is applied, so they stay content.
_ANGLE_PLACEHOLDER = re.compile(r"<[^<>\n]*>")
_EDGE_MARKUP = "*_~`()[]{}\"'>#|"


@dataclass(frozen=True)
class Heading:
    """A section heading of a post-mortem."""

    title: str  # as written, inline markup stripped
    level: int  # 1..6
    line: int  # 1-based line in the file (front matter counted)
    span: int = 1  # source lines it takes: 2 or more for a setext heading (title + underline)

    @property
    def end_line(self) -> int:
        """The heading's last source line (the underline of a setext heading)."""
        return self.line + max(self.span, 1) - 1


@dataclass(frozen=True)
class ListEntry:
    """A top-level list item with its nested children."""

    line: int
    end_line: int
    text: str  # source of its inline content (markers, task box and comments removed)
    checked: bool | None  # its task box: None when it has none


@dataclass(frozen=True)
class TableRow:
    """A table body row, with the header row of its table."""

    line: int
    header: tuple[str, ...]
    cells: tuple[str, ...]  # source of each cell, as many as the header has

    @property
    def end_line(self) -> int:
        """A row takes one line."""
        return self.line


@dataclass(frozen=True)
class Prose:
    """Rendered text of one block (newlines kept, so offsets map to lines)."""

    line: int
    text: str


@dataclass(frozen=True)
class Skeleton:
    """What one pass over the tokens found."""

    headings: tuple[Heading, ...]
    entries: tuple[ListEntry | TableRow, ...]
    prose: tuple[Prose, ...]


def strip_comments(text: str) -> str:
    """``text`` without HTML comments (an unclosed one runs to the end)."""
    return _COMMENT.sub("", text)


def read_markdown(body: str, *, offset: int) -> Skeleton:
    """Headings, entries and prose of ``body``, whose first line is file line ``offset + 1``."""
    headings: list[Heading] = []
    entries: list[ListEntry | TableRow] = []
    prose: list[Prose] = []
    tokens = _MD.parse(body)
    item_depth = 0
    item_line = item_end = 0
    item_parts: list[str] = []
    header: tuple[str, ...] = ()
    row: list[str] = []
    in_head = False
    last_line = row_line = offset + 1
    for index, token in enumerate(tokens):
        if token.map is not None:
            last_line = token.map[0] + offset + 1
        kind = token.type
        if kind == "list_item_open":
            if item_depth == 0 and token.map is not None:
                item_line, item_end = token.map[0] + offset + 1, token.map[1] + offset
                item_parts = []
            item_depth += 1
        elif kind == "list_item_close":
            item_depth -= 1
            if item_depth == 0:
                entries.append(_list_entry(item_line, item_end, item_parts))
        elif kind == "heading_open" and token.level == 0 and token.map is not None:
            inline = tokens[index + 1] if index + 1 < len(tokens) else None
            title = " ".join(rendered(inline).split()) if inline is not None else ""
            span = token.map[1] - token.map[0]
            headings.append(Heading(title, _level(token.tag), token.map[0] + offset + 1, span))
        elif kind == "inline":
            text = rendered(token)
            if text.strip():
                prose.append(Prose(last_line, text))
            if item_depth > 0:
                item_parts.append(strip_comments(token.content))
            else:
                row.append(strip_comments(token.content))
        elif kind in ("fence", "code_block") and item_depth > 0:
            item_parts.append(token.content.rstrip("\n"))
        elif kind == "html_block":
            prose.append(Prose(last_line, _blank_comments(token.content)))
        elif kind == "thead_open":
            in_head = True
        elif kind == "thead_close":
            in_head = False
        elif kind == "tr_open":
            row = []
            row_line = last_line
        elif kind == "tr_close" and item_depth == 0:
            if in_head:
                header = tuple(row)
            else:
                cells = tuple(row) + ("",) * (len(header) - len(row))
                entries.append(TableRow(row_line, header, cells))
    return Skeleton(tuple(headings), tuple(entries), tuple(prose))


def rendered(token: Token) -> str:
    """The visible text of an inline token; soft and hard breaks stay newlines."""
    parts: list[str] = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "html_inline":  # tags and comments are not prose
            parts.append("\n" * child.content.count("\n"))
        elif child.type == "image":
            parts.append(rendered(child))
    return "".join(parts)


def is_blank(text: str, placeholders: Sequence[str]) -> bool:
    """Whether ``text`` holds only white space, HTML comments and placeholders.

    Placeholders are ``<…>`` and the given words (any case, also as list items, in
    emphasis, or with a trailing full stop). The header row of a table is scaffolding:
    a table counts only through its body rows.
    """
    words = {p.strip().casefold() for p in placeholders if p.strip()}
    in_head = False
    for token in _MD.parse(text):
        if token.type == "thead_open":
            in_head = True
        elif token.type == "thead_close":
            in_head = False
        elif token.type == "inline" and not in_head:
            if not _only_placeholders(_TASK_BOX.sub("", rendered(token)), words):
                return False
        elif token.type == "html_block":
            if not _only_placeholders(strip_comments(token.content), words):
                return False
        elif token.type in ("fence", "code_block") and token.content.strip():
            return False
    return True


def _only_placeholders(text: str, words: set[str]) -> bool:
    text = _ANGLE_PLACEHOLDER.sub(" ", text)
    whole = " ".join(text.split()).casefold()
    if not whole or whole in words:
        return True
    for word in whole.split():
        if word in words:
            continue
        bare = word.strip(_EDGE_MARKUP)
        if bare and bare not in words and bare.rstrip(".:;,!?") not in words:
            return False
    return True


def _list_entry(line: int, end_line: int, parts: list[str]) -> ListEntry:
    checked: bool | None = None
    if parts:
        box = _TASK_BOX.match(parts[0])
        if box is not None:
            checked = box.group(1) != " "
            parts = [parts[0][box.end() :], *parts[1:]]
    text = "\n".join(part.strip() for part in parts if part.strip())
    return ListEntry(line, max(end_line, line), text, checked)


def _blank_comments(text: str) -> str:
    # keep the newlines so a phrase after a comment keeps its line number
    return _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)


def _level(tag: str) -> int:
    digits = tag[1:]
    return int(digits) if digits.isdigit() and 1 <= int(digits) <= 6 else 1
