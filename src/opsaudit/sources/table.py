"""The table of sources: which exist, in which order, and the order of their sync steps.

``SOURCES`` orders statuses everywhere (the ``sources`` of the results JSON, the sync
summary, the report); ``STEPS`` orders a sync: the window's incidents first, then the
documents (post-mortems name incidents outside the window and issues to read), then
the named incidents the store lacks, then chat (the war rooms of stored incidents).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from opsaudit.records import Capability
from opsaudit.sources.base import Endpoint
from opsaudit.sources.github_source import SOURCE as GITHUB
from opsaudit.sources.pagerduty_source import SOURCE as PAGERDUTY
from opsaudit.sources.protocol import Source
from opsaudit.sources.slack_source import SOURCE as SLACK

if TYPE_CHECKING:
    from opsaudit.config import Config
    from opsaudit.publish.chat import ChatPoster

SOURCES: tuple[Source, ...] = (PAGERDUTY, SLACK, GITHUB)
STEPS: tuple[tuple[Source, str], ...] = (
    (PAGERDUTY, "pagerduty"),
    (GITHUB, "github"),
    (PAGERDUTY, "pagerduty-named"),
    (SLACK, "slack"),
)
SOURCE_NAMES: tuple[str, ...] = tuple(s.name for s in SOURCES)


def source_named(name: str) -> Source:
    """The source called ``name`` (KeyError when there is none)."""
    for source in SOURCES:
        if source.name == name:
            return source
    raise KeyError(name)


def step_source(step: str) -> Source:
    """The source a sync step belongs to."""
    for source, name in STEPS:
        if name == step:
            return source
    raise KeyError(step)


def providers() -> dict[Capability, str]:
    """Capability -> the name of the source that provides it (``"chat": "slack"``).

    The checks declare what they need as capabilities; results name the source
    (``Evidence.source``, unknown messages) through this map.
    """
    found: dict[Capability, str] = {}
    for source in SOURCES:
        for capability in sorted(source.provides):
            found.setdefault(capability, source.name)
    return found


def chat_poster(config: Config, tokens: Mapping[str, str]) -> ChatPoster | None:
    """A poster to the configured chat source's workspace (None when chat is not
    configured): where the digest and the report's summary go."""
    name = providers()["chat"]
    section = config.sources.section(name)
    if section is None:
        return None
    make = getattr(source_named(name), "poster", None)  # a chat source may post, too
    if make is None:
        return None
    endpoint = Endpoint(api_url=section.api_url, token=tokens[name], ca_file=section.ca_file)
    poster: ChatPoster = make(endpoint)
    return poster
