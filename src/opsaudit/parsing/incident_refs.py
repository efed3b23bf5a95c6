"""Which PagerDuty incidents a post-mortem names (``rules.md``, "Post-mortem").

In order: the YAML front-matter key ``incident`` (a number, an id or a URL; a list is
allowed), PagerDuty incident URLs in the body, and mentions of ``incident-<ticket-id>``
that end at a word boundary (``incident-12`` is not named by ``incident-123`` or
``incident-12-retro``). Links add up. Never raises on odd text, and takes time linear in
its length: URLs are cut into whole tokens first and each token is read once, and the
front matter is read as :mod:`opsaudit.parsing.front_matter` reads it (no YAML aliases).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from opsaudit.parsing.front_matter import split_front_matter

__all__ = ["IncidentRef", "incident_refs", "split_front_matter"]

# a URL is a whole token (possessive: never given back, so no backtracking); the
# incident id is read from the token afterwards (see _incident_of_url)
_URL_TOKEN = re.compile(r"https?://[^\s<>()\[\]\"'`]++")
_INCIDENTS = "/incidents/"
_ID_CHARS = re.compile(r"[A-Za-z0-9]++")
_ID = re.compile(r"^[A-Z0-9]{6,20}$")
_MAX_NUMBER_BITS = 64  # a front-matter number longer than this names no incident


@dataclass(frozen=True, order=True)
class IncidentRef:
    kind: Literal["id", "number"]
    value: str


def incident_refs(
    text: str, *, web_hosts: tuple[str, ...] = (), prefix: str = "incident-", ticket: str = "number"
) -> list[IncidentRef]:
    """Every incident ``text`` names, in order of appearance, without repeats.

    ``web_hosts`` are extra hosts (besides ``*.pagerduty.com``) whose ``/incidents/<id>``
    URLs count; ``ticket`` says whether war-room mentions carry the number or the id.
    """
    front, body = split_front_matter(text)
    refs: list[IncidentRef] = []
    declared = front.get("incident")
    for item in declared if isinstance(declared, list) else [declared]:
        ref = _ref_of_value(item, web_hosts)
        if ref is not None:
            refs.append(ref)
    for match in _URL_TOKEN.finditer(body):
        found = _incident_of_url(match.group(0))
        if found is not None and _is_pagerduty_host(found[0], web_hosts):
            refs.append(IncidentRef("id", found[1]))
    mention = re.compile(rf"(?<![\w-]){re.escape(prefix)}([A-Za-z0-9]++)(?![\w-])")
    for match in mention.finditer(body):
        value = match.group(1)
        if ticket == "number" and value.isdigit():
            refs.append(IncidentRef("number", str(int(value))))
        elif ticket != "number":
            refs.append(IncidentRef("id", value))
    return list(dict.fromkeys(refs))


def _ref_of_value(value: object, web_hosts: tuple[str, ...]) -> IncidentRef | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        ok = value > 0 and value.bit_length() <= _MAX_NUMBER_BITS
        return IncidentRef("number", str(value)) if ok else None
    if not isinstance(value, str):
        return None  # a mapping, a list in a list, a date: names nothing
    text = value.strip()
    if text.startswith("#"):
        text = text[1:]
    if text.isascii() and text.isdigit() and len(text) <= 20:
        return IncidentRef("number", str(int(text)))
    token = _URL_TOKEN.fullmatch(text)
    found = _incident_of_url(text) if token is not None else None
    if found is not None and found[0] == text and _is_pagerduty_host(text, web_hosts):
        return IncidentRef("id", found[1])
    if _ID.match(text):
        return IncidentRef("id", text)
    return None


def _incident_of_url(token: str) -> tuple[str, str] | None:
    """``(url up to the id, id)`` for a URL token holding ``/incidents/<id>``.

    The last ``/incidents/`` followed by a letter or digit wins, as a greedy pattern
    would have it (``.../incidents/Q1/log_entries`` names Q1); at least one character
    must stand between ``://`` and it. Linear in the token's length.
    """
    floor = token.find("://") + 4  # "https://x/incidents/..." needs the x
    end = len(token)
    while (at := token.rfind(_INCIDENTS, floor, end)) >= 0:
        ident = _ID_CHARS.match(token, at + len(_INCIDENTS))
        if ident is not None:
            return token[: ident.end()], ident.group(0)
        end = at + len(_INCIDENTS) - 1  # look for an earlier one (rfind needs it whole)
    return None


def _is_pagerduty_host(url: str, web_hosts: tuple[str, ...]) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host.endswith(".pagerduty.com") or host in {h.lower() for h in web_hosts}
