"""Parses of post-mortem versions, kept so that an unchanged file is never parsed again.

A post-mortem version is named by its blob sha, and a blob never changes: what a parser
makes of it under the same settings is the same every time. :class:`ParseCache` holds
those parses for one run: the ones the store kept (table ``parse_cache``), and the
ones made now (:meth:`ParseCache.fresh`, for the store to keep). Three are kept:

- ``refs``: the incidents the file names (:func:`incident_refs` over its
  :func:`link_text`), under the incident hosts, war-room prefix, ticket kind and
  ``postmortem.max_bytes``;
- ``markdown``: the Markdown's skeleton (headings, entries, prose) that
  :func:`parse_postmortem` takes back;
- ``blank``: which sections are empty (:func:`is_blank`) under the placeholders.

Each is stored as JSON under a key that names the parser's :data:`VERSION` and the
settings, so a change of either parses again. :data:`PARSES` counts the parses made
(by kind), in this process.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from opsaudit.parsing.incident_refs import IncidentRef, incident_refs
from opsaudit.parsing.postmortem import PostMortemDoc, read_skeleton
from opsaudit.parsing.postmortem_markdown import (
    Heading,
    ListEntry,
    Prose,
    Skeleton,
    TableRow,
    is_blank,
)
from opsaudit.parsing.postmortem_text import link_text

__all__ = ["PARSES", "VERSION", "CacheKey", "ParseCache"]

VERSION = "1"  # bump when a parser kept here gives another answer for the same text
PARSES: Counter[str] = Counter()  # parses made in this process, by kind

CacheKey = tuple[str, str, str]  # (blob sha, kind, settings key)
T = TypeVar("T")


def _settings_key(kind: str, *settings: object) -> str:
    text = json.dumps([VERSION, kind, *settings], sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


class ParseCache:
    """Parses by blob sha: those ``stored`` (JSON text, by :data:`CacheKey`), and the
    ones made while this cache is used."""

    def __init__(self, stored: Mapping[CacheKey, str] | None = None) -> None:
        self._stored = dict(stored or {})
        self._values: dict[CacheKey, Any] = {}
        self._fresh: dict[CacheKey, str] = {}

    def fresh(self) -> dict[CacheKey, str]:
        """The parses made here (not stored yet), as JSON text by key."""
        return dict(self._fresh)

    def refs(
        self,
        sha: str,
        text: str,
        *,
        web_hosts: tuple[str, ...],
        prefix: str,
        ticket: str,
        max_bytes: int | None,
    ) -> list[IncidentRef]:
        """The incidents the file names, read from its first ``max_bytes``."""
        key = (sha, "refs", _settings_key("refs", web_hosts, prefix, ticket, max_bytes))

        def parse() -> list[list[str]]:
            head = link_text(text, max_bytes=max_bytes)
            found = incident_refs(head, web_hosts=web_hosts, prefix=prefix, ticket=ticket)
            return [[ref.kind, ref.value] for ref in found]

        return [IncidentRef(kind, value) for kind, value in self._get(key, parse)]

    def skeleton(self, sha: str, text: str) -> Skeleton:
        """The Markdown skeleton of the file (:func:`read_skeleton`)."""
        key = (sha, "markdown", _settings_key("markdown"))
        found = self._get(key, lambda: _encode_skeleton(read_skeleton(text)))
        if not isinstance(found, Skeleton):
            found = _decode_skeleton(found)
            self._values[key] = found
        return found

    def blank_sections(self, sha: str, doc: PostMortemDoc, placeholders: Sequence[str]) -> set[int]:
        """The heading lines of the file's sections that are empty (``Section.is_empty``)."""
        key = (sha, "blank", _settings_key("blank", list(placeholders)))

        def parse() -> list[int]:
            sections = doc.sections()
            return [s.heading.line for s in sections if is_blank(s.text, placeholders)]

        return set(self._get(key, parse))

    def _get(self, key: CacheKey, parse: Callable[[], T]) -> Any:
        if key in self._values:
            return self._values[key]
        if key in self._stored:
            value: Any = json.loads(self._stored.pop(key))
        else:
            PARSES[key[1]] += 1
            value = parse()
            # ASCII JSON: no NUL and no surrogate reaches the database
            self._fresh[key] = json.dumps(value, separators=(",", ":"))
        self._values[key] = value
        return value


def _encode_skeleton(skeleton: Skeleton) -> dict[str, list[Any]]:
    entries: list[list[Any]] = []
    for entry in skeleton.entries:
        if isinstance(entry, ListEntry):
            entries.append(["list", entry.line, entry.end_line, entry.text, entry.checked])
        else:
            entries.append(["row", entry.line, list(entry.header), list(entry.cells)])
    return {
        "headings": [[h.title, h.level, h.line, h.span] for h in skeleton.headings],
        "entries": entries,
        "prose": [[p.line, p.text] for p in skeleton.prose],
    }


def _decode_skeleton(data: dict[str, list[Any]]) -> Skeleton:
    entries: list[ListEntry | TableRow] = []
    for entry in data["entries"]:
        if entry[0] == "list":
            entries.append(ListEntry(entry[1], entry[2], entry[3], entry[4]))
        else:
            entries.append(TableRow(entry[1], tuple(entry[2]), tuple(entry[3])))
    return Skeleton(
        headings=tuple(Heading(*h) for h in data["headings"]),
        entries=tuple(entries),
        prose=tuple(Prose(*p) for p in data["prose"]),
    )
