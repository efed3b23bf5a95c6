"""What a summary post names: war rooms and PagerDuty incidents (``rules.md``).

A summary post belongs to an incident when it names the war room
(``incident-<ticket-id>`` as text, or as a channel mention ``<#CID>`` /
``<#CID|name>``), the PagerDuty incident id, or its URL. This module only collects the
names; the checks decide which incident they point at. Never raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from opsaudit.parsing.timestamps import expand_slack_dates

_CHANNEL = re.compile(r"<#([A-Za-z0-9]+)(?:\|([^<>]*))?>")
_URL = re.compile(r"https?://[^\s<>|\"'`]+")
# a PagerDuty incident id is a path segment of upper-case letters and digits
_INCIDENT_PATH = re.compile(r"/incidents/([A-Z0-9]{2,32})(?=$|[/?#.,;:)\]])")
_ARCHIVES_PATH = re.compile(r"/archives/([CG][A-Z0-9]{2,32})(?=$|[/?#.,;:)\]])")
# a bare id as a word: starts with a letter, 6-20 upper-case letters and digits; ids in
# URLs and channel ids are found above, and a word like ERRORS costs nothing here (the
# ids are only looked up, never listed)
_BARE_ID = re.compile(r"(?<![\w/#@.-])([A-Z][A-Z0-9]{5,19})(?![\w-])")


@dataclass(frozen=True)
class Mentions:
    """Channels and incidents a text names."""

    channel_ids: frozenset[str]
    channel_names: frozenset[str]
    incident_ids: frozenset[str]


def mentions(text: str, *, prefix: str = "incident-") -> Mentions:
    """The channels and PagerDuty incidents ``text`` names.

    ``channel_ids`` come from ``<#C0123>`` / ``<#C0123|name>`` mentions and Slack
    ``/archives/C0123`` links. ``channel_names`` are the names of those mentions plus
    ``prefix``-names written as text (``#incident-1234``, ``incident-1234``), which must
    end at a word boundary: ``incident-12`` is not named by ``incident-123`` or
    ``incident-12-retro``. The prefix is matched in any case and given back as passed;
    the ticket part is kept as written. ``incident_ids`` come from ``…/incidents/<ID>``
    URLs and bare ids such as ``Q1ABCDEFGHIJ`` written as words.
    """
    text = _unescape(expand_slack_dates(text))
    ids: set[str] = set()
    names: set[str] = set()
    incidents: set[str] = set()
    for match in _CHANNEL.finditer(text):
        ids.add(match.group(1))
        if match.group(2):
            names.add(match.group(2).strip().lstrip("#"))
    for url in _URL.findall(text):
        incidents.update(_INCIDENT_PATH.findall(url))
        ids.update(_ARCHIVES_PATH.findall(url))
    if prefix:
        named = re.compile(rf"(?<![\w-]){re.escape(prefix)}([A-Za-z0-9]++)(?![\w-])", re.I)
        names.update(f"{prefix}{m.group(1)}" for m in named.finditer(text))
    without_urls = _URL.sub(" ", _CHANNEL.sub(" ", text))
    incidents.update(_BARE_ID.findall(without_urls))
    names.discard("")
    return Mentions(frozenset(ids), frozenset(names), frozenset(incidents))


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
