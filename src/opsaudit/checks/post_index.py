"""Summary posts indexed by what names an incident in them, built once per evaluation.

A summary post belongs to an incident when it mentions its war room (by name or id),
its incident id, or holds its web address anywhere in its text (a plain substring:
``rules.md``). Asking each post of each incident made the audit quadratic; here each
post is read once and each incident's posts are found by lookups.

Web addresses are found exactly as ``url in text`` would find them, in time linear in
the posts' text: every address is cut at its last ``/`` into a base and a tail; at each
``/`` of a post, the bases that end there (looked up by their length) and then the
tails that follow (looked up by theirs) are the addresses the post holds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from opsaudit.checks.views import ParsedPost


class PostIndex:
    """The posts of ``posts`` (in their order) that name a war room, an incident id or
    one of ``urls``."""

    def __init__(self, posts: Sequence[ParsedPost], *, urls: Iterable[str]) -> None:
        self._posts = posts
        self._by_name: dict[str, list[int]] = defaultdict(list)
        self._by_room: dict[str, list[int]] = defaultdict(list)
        self._by_incident: dict[str, list[int]] = defaultdict(list)
        for n, post in enumerate(posts):
            for name in post.mentions.channel_names:
                self._by_name[name].append(n)
            for room in post.mentions.channel_ids:
                self._by_room[room].append(n)
            for incident in post.mentions.incident_ids:
                self._by_incident[incident].append(n)
        self._by_url = _UrlIndex(urls, [p.post.text for p in posts])

    def find(
        self, *, name: str, room: str | None, incident_id: str, url: str | None
    ) -> list[ParsedPost]:
        """The posts naming the war room ``name`` (or channel ``room``), the incident id,
        or holding ``url``; in the posts' order, each once."""
        found = set(self._by_name.get(name, ()))
        found.update(self._by_incident.get(incident_id, ()))
        if room is not None:
            found.update(self._by_room.get(room, ()))
        if url is not None:
            found.update(self._by_url.holding(url))
        return [self._posts[n] for n in sorted(found)]


class _UrlIndex:
    """Which texts hold each of ``urls`` as a substring."""

    def __init__(self, urls: Iterable[str], texts: Sequence[str]) -> None:
        self._texts = texts
        tails: dict[str, set[str]] = defaultdict(set)  # base -> tails
        self._indexed: set[str] = set()  # an address without a "/" is scanned for
        for url in urls:
            cut = url.rfind("/") + 1
            if cut > 0:
                tails[url[:cut]].add(url[cut:])
                self._indexed.add(url)
        base_lengths: dict[int, set[str]] = defaultdict(set)
        tail_lengths: dict[str, set[int]] = {}
        for base, found in tails.items():
            base_lengths[len(base)].add(base)
            tail_lengths[base] = {len(t) for t in found}
        self._holding: dict[str, list[int]] = defaultdict(list)
        for n, text in enumerate(texts):
            seen: set[str] = set()
            at = text.find("/")
            while at >= 0:
                end = at + 1
                for length, bases in base_lengths.items():
                    base = text[end - length : end] if length <= end else ""
                    if base not in bases:
                        continue
                    for size in tail_lengths[base]:
                        tail = text[end : end + size]
                        if len(tail) == size and tail in tails[base]:
                            seen.add(base + tail)
                at = text.find("/", end)
            for url in seen:
                self._holding[url].append(n)

    def holding(self, url: str) -> list[int]:
        """The indexes of the texts that hold ``url``."""
        if url in self._indexed:
            return self._holding.get(url, [])
        return [n for n, text in enumerate(self._texts) if url in text]
