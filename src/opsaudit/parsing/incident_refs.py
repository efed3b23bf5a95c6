"""Which PagerDuty incidents a post-mortem names (``rules.md``, "Post-mortem").

In order: the YAML front-matter key ``incident`` (a number, an id or a URL; a list is
allowed), PagerDuty incident URLs in the body, and mentions of ``incident-<ticket-id>``
that end at a word boundary (``incident-12`` is not named by ``incident-123`` or
``incident-12-retro``). Links add up. Never raises on odd text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

import yaml

_FRONT_MATTER = re.compile(
    r"\A(?:\ufeff)?---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S
)
_URL = re.compile(r"https?://[^\s<>()\[\]\"'`]+/incidents/([A-Za-z0-9]+)")
_ID = re.compile(r"^[A-Z0-9]{6,20}$")


@dataclass(frozen=True, order=True)
class IncidentRef:
    kind: Literal["id", "number"]
    value: str


def split_front_matter(text: str) -> tuple[dict[str, object], str]:
    """The front matter as a mapping (empty if absent or not a mapping) and the body."""
    match = _FRONT_MATTER.match(text)
    if match is None:
        return {}, text
    try:
        data = yaml.safe_load(match.group(1))
    except (yaml.YAMLError, ValueError, RecursionError):
        # YAML errors, impossible dates (2026-13-45) and absurd nesting: no front matter
        data = None
    return (data if isinstance(data, dict) else {}), text[match.end() :]


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
    for match in _URL.finditer(body):
        if _is_pagerduty_host(match.group(0), web_hosts):
            refs.append(IncidentRef("id", match.group(1)))
    mention = re.compile(rf"(?<![\w-]){re.escape(prefix)}([A-Za-z0-9]+)(?![\w-])")
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
        return IncidentRef("number", str(value)) if value > 0 else None
    text = str(value).strip()
    if text.startswith("#"):
        text = text[1:]
    if text.isdigit():
        return IncidentRef("number", str(int(text)))
    url = _URL.fullmatch(text)
    if url is not None and _is_pagerduty_host(text, web_hosts):
        return IncidentRef("id", url.group(1))
    if _ID.match(text):
        return IncidentRef("id", text)
    return None


def _is_pagerduty_host(url: str, web_hosts: tuple[str, ...]) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host.endswith(".pagerduty.com") or host in {h.lower() for h in web_hosts}
