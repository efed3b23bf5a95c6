"""A post-mortem's YAML front matter, read in time linear in the file and bounded memory.

The front matter is the YAML between a first line ``---`` and the next line ``---`` or
``...`` (``rules.md``, "Post-mortem"). Post-mortems come from anyone who can push to the
repository, so the reading is defensive:

- the closing line is looked for in the first :data:`MAX_CHARS` characters only; a file
  whose front matter would be longer has none (its first lines are body);
- the YAML is read with the C loader (``yaml.CSafeLoader``, the pure-Python safe loader
  where libyaml is missing) and a document with an alias (``*name``, merge keys
  ``<<: *name`` included) is refused before anything is built: aliases are how a few
  hundred bytes expand into gigabytes ("billion laughs");
- a document that cannot be read (bad YAML, an impossible date, absurd nesting, text
  that is not valid UTF-8) gives no front matter. Never raises.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["MAX_CHARS", "find_front_matter", "load_front_matter", "split_front_matter"]

MAX_CHARS = 65_536  # a front matter longer than this (64 KiB of YAML) is not one

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CLOSERS = ("---", "...")
# what PyYAML and its constructors let through on odd input, besides YAMLError
_LOAD_ERRORS = (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError)


def find_front_matter(text: str) -> tuple[str, int] | None:
    """The front matter's YAML source and the offset where the body starts, or None.

    The first line (after an optional byte-order mark) is ``---``; the YAML runs from
    the next line up to the first later line that reads ``---`` or ``...`` (trailing
    spaces and tabs allowed, ``\\r\\n`` line ends too); the line right after the opening
    one is always YAML. Looks at the first :data:`MAX_CHARS` characters only.
    """
    start = 1 if text.startswith("\ufeff") else 0
    limit = min(len(text), start + MAX_CHARS)
    opening_end = text.find("\n", start, limit)
    if opening_end < 0 or not _is_marker(text[start:opening_end], ("---",)):
        return None
    content = opening_end + 1
    newline = text.find("\n", content, limit)  # the end of the first YAML line
    while newline >= 0:
        line_start = newline + 1
        line_end = text.find("\n", line_start, limit)
        if line_end < 0:  # the last line in reach closes only if it ends the text
            closes = limit == len(text) and _is_marker(text[line_start:], _CLOSERS, last=True)
            return (text[content : _before_cr(text, newline)], len(text)) if closes else None
        if _is_marker(text[line_start:line_end], _CLOSERS):
            return text[content : _before_cr(text, newline)], line_end + 1
        newline = line_end
    return None


def load_front_matter(source: str) -> dict[str, object]:
    """The YAML ``source`` as a mapping; empty when it is not a mapping, cannot be read,
    or uses an alias."""
    try:
        for event in yaml.parse(source, Loader=_LOADER):
            if isinstance(event, yaml.AliasEvent):
                return {}
        data = yaml.load(source, Loader=_LOADER)
    except _LOAD_ERRORS:
        return {}
    except UnicodeError:  # lone surrogates: the file was not valid UTF-8
        return {}
    return data if isinstance(data, dict) else {}


def split_front_matter(text: str) -> tuple[dict[str, object], str]:
    """The front matter as a mapping (empty if absent, unreadable or not a mapping) and
    the body (the whole text when there is no front matter)."""
    found = find_front_matter(text)
    if found is None:
        return {}, text
    source, body = found
    return load_front_matter(source), text[body:]


def _before_cr(text: str, newline: int) -> int:
    """Where a line ends before its ``\\n`` (and the ``\\r`` before it, if any)."""
    return newline - 1 if newline > 0 and text[newline - 1] == "\r" else newline


def _is_marker(line: str, markers: tuple[str, ...], last: bool = False) -> bool:
    """``---`` (or ``...``) with trailing spaces or tabs, and a ``\\r`` before a newline."""
    if not last and line.endswith("\r"):
        line = line[:-1]
    return line.startswith(markers) and not line[3:].strip(" \t")
