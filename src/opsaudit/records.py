"""Our own records: what the sources make of the vendors' JSON, and what the store keeps.

Every record is a frozen dataclass with plain values (str, int, bool, tz-aware UTC
datetimes, tuples). Sources produce them, the store saves and loads them, the checks
read them and nothing else. No vendor client type ever crosses this line, and the
values the checks branch on are our own vocabulary (:data:`EventKind`,
:data:`ActorKind`, :data:`AuthorKind`, :data:`MERGED`), mapped by each source.

Times are ``datetime`` in UTC. Slack timestamps are also kept verbatim as the ``ts``
string (``"1696342930.000100"``): it is Slack's message id and its full precision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Final, Literal

# What happened to an incident, in our words: each incidents source maps its own event
# types onto these (PagerDuty: ``acknowledge_log_entry`` -> ``acknowledged``...).
EventKind = Literal[
    "triggered",
    "assigned",
    "acknowledged",
    "escalated",
    "delegated",
    "notified",
    "resolved",
    "other",
]
# Who or what made an incident event.
ActorKind = Literal["person", "integration", "service", "automation"]
# Who wrote a chat message: a person, a bot, or the chat system itself (joins, topics...).
AuthorKind = Literal["person", "bot", "system"]
# What a source provides, named by what it is rather than who sells it; the checks
# declare what they need in these words.
Capability = Literal["incidents", "chat", "documents", "tracker"]
CAPABILITIES: tuple[Capability, ...] = ("incidents", "chat", "documents", "tracker")
# ``Incident.resolve_reason`` when the incident was merged into another one.
MERGED: Final = "merged"
# ``IncidentEvent.channel`` of an event a timer made, not a person or a tool: a resolution
# by the service's auto-resolve timeout (PagerDuty's channel type, the same word).
TIMEOUT: Final = "timeout"

# --------------------------------------------------------------------------- incidents


@dataclass(frozen=True, slots=True)
class Service:
    id: str
    name: str
    html_url: str = ""
    team_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class User:
    id: str
    name: str
    email: str = ""


@dataclass(frozen=True, slots=True)
class Priority:
    id: str
    name: str
    order: int = 0  # the account's order, most severe first


@dataclass(frozen=True, slots=True)
class ResponderRequest:
    """A request for more responders (``Incident.responder_requests``)."""

    requested_at: datetime
    requester_id: str | None
    user_ids: tuple[str, ...]  # users asked directly
    escalation_policy_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Incident:
    id: str
    number: int
    title: str
    status: str  # triggered | acknowledged | resolved
    urgency: str  # high | low
    created_at: datetime
    service_id: str
    html_url: str = ""
    priority_id: str | None = None
    priority_name: str | None = None
    resolved_at: datetime | None = None
    resolve_reason: str | None = None  # MERGED, "other", or None
    merged_into_id: str | None = None
    escalation_policy_id: str | None = None
    assignee_ids: tuple[str, ...] = ()
    responder_requests: tuple[ResponderRequest, ...] = ()
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class IncidentEvent:
    """One event of an incident's log, reduced to what the checks read."""

    id: str
    incident_id: str
    kind: EventKind
    created_at: datetime
    actor_kind: ActorKind | None = None
    actor_id: str | None = None
    # users this event is about: assigned (assigned/escalated/delegated), notified (notified)
    user_ids: tuple[str, ...] = ()
    escalation_policy_id: str | None = None  # the policy delegated to
    channel: str | None = None  # how the vendor says it came in ("web_trigger", "auto"...)
    actor_name: str | None = None  # who or what made it, as the vendor names it ("Datadog")


# ------------------------------------------------------------------------------- chat


@dataclass(frozen=True, slots=True)
class Channel:
    id: str
    name: str
    created: datetime
    is_archived: bool = False
    is_private: bool = False
    creator: str | None = None
    # why the chat source could not read its messages (one line a user can act on),
    # or None: read, or not needed
    unreadable: str | None = None


@dataclass(frozen=True, slots=True)
class MessageMeta:
    """A chat message without its body: when, where, who, and of what kind.

    ``author_kind`` is what the checks read; ``bot_id`` and ``bot_name`` name a bot for
    the policy's ``warroom.update_bots``; ``subtype`` is the vendor's raw word, kept
    for the record only.
    """

    channel_id: str
    ts: str  # Slack's exact message id, e.g. "1696342930.000100"
    posted_at: datetime
    thread_ts: str | None = None
    user: str | None = None
    bot_id: str | None = None
    bot_name: str | None = None
    subtype: str | None = None
    author_kind: AuthorKind = "person"


@dataclass(frozen=True, slots=True)
class IncidentsPost:
    """A message of the ``#incidents`` channel, kept with its text.

    Only messages that carry an ``Incident summary`` line are kept: the checks parse
    them for the communications template. War-room bodies are never kept.
    """

    channel_id: str
    ts: str
    posted_at: datetime
    text: str
    thread_ts: str | None = None
    user: str | None = None
    permalink: str = ""


# ------------------------------------------------------------------ documents, tracker


@dataclass(frozen=True, slots=True)
class FileChange:
    """What one commit did to one file under the post-mortem folder."""

    path: str
    status: str  # added | modified | removed | renamed
    blob_sha: str | None  # None when removed
    previous_path: str | None = None  # for renamed


@dataclass(frozen=True, slots=True)
class Commit:
    """A commit on the default branch that touched the post-mortem folder."""

    sha: str
    committed_at: datetime  # committer date
    author: str = ""
    message: str = ""
    changes: tuple[FileChange, ...] = ()


@dataclass(frozen=True, slots=True)
class Blob:
    sha: str
    text: str


@dataclass(frozen=True, slots=True)
class WorkItem:
    """A tracker issue or pull request that an action item links to."""

    repo: str  # owner/name
    number: int
    state: str  # open | closed
    html_url: str = ""
    title: str = ""
    closed_at: datetime | None = None
    is_pull_request: bool = False
    merged_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PostMortemVersion:
    """A file under the post-mortem folder as one commit left it (derived from commits)."""

    path: str
    blob_sha: str
    commit_sha: str
    committed_at: datetime


# ------------------------------------------------------------------------------ batches


@dataclass
class IncidentBatch:
    services: list[Service] = field(default_factory=list)
    users: list[User] = field(default_factory=list)
    priorities: list[Priority] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    log_events: list[IncidentEvent] = field(default_factory=list)


@dataclass
class ChatBatch:
    channels: list[Channel] = field(default_factory=list)
    messages: list[MessageMeta] = field(default_factory=list)
    incidents_posts: list[IncidentsPost] = field(default_factory=list)
    # (channel id, ts) of incidents-channel messages edited so that they are no longer
    # summary posts: the store forgets them
    unposted: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class DocumentBatch:
    head_sha: str | None = None
    commits: list[Commit] = field(default_factory=list)
    blobs: list[Blob] = field(default_factory=list)
    issues: list[WorkItem] = field(default_factory=list)
    # the commits are the folder's whole first-parent history: they replace those stored
    # (a first sync, ``--full``, or a store synced when history was read otherwise)
    replaces_history: bool = False
