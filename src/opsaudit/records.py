"""Our own records: what the sources make of the vendors' JSON, and what the store keeps.

Every record is a frozen dataclass with plain values (str, int, bool, tz-aware UTC
datetimes, tuples). Sources produce them, the store saves and loads them, the checks
read them. No vendor client type ever crosses this line.

Times are ``datetime`` in UTC. Slack timestamps are also kept verbatim as the ``ts``
string (``"1696342930.000100"``): it is Slack's message id and its full precision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# --------------------------------------------------------------------------- PagerDuty


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
    resolve_reason: str | None = None  # e.g. "merge_resolve_reason"
    merged_into_id: str | None = None
    escalation_policy_id: str | None = None
    assignee_ids: tuple[str, ...] = ()
    responder_requests: tuple[ResponderRequest, ...] = ()
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class LogEvent:
    """One PagerDuty log entry, reduced to what the checks read."""

    id: str
    incident_id: str
    type: str  # "acknowledge_log_entry", ...
    created_at: datetime
    agent_type: str | None = None  # user_reference, service_reference, ...
    agent_id: str | None = None
    # users this entry is about: assigned (assign/escalate/delegate), notified (notify)
    user_ids: tuple[str, ...] = ()
    escalation_policy_id: str | None = None
    channel_type: str | None = None


# ------------------------------------------------------------------------------ Slack


@dataclass(frozen=True, slots=True)
class Channel:
    id: str
    name: str
    created: datetime
    is_archived: bool = False
    is_private: bool = False
    creator: str | None = None


@dataclass(frozen=True, slots=True)
class MessageMeta:
    """A Slack message without its body: when, where, who, and of what kind."""

    channel_id: str
    ts: str  # Slack's exact message id, e.g. "1696342930.000100"
    posted_at: datetime
    thread_ts: str | None = None
    user: str | None = None
    bot_id: str | None = None
    bot_name: str | None = None
    subtype: str | None = None


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


# ----------------------------------------------------------------------------- GitHub


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
class IssueState:
    """A GitHub issue or pull request that an action item links to."""

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
class PagerDutyBatch:
    services: list[Service] = field(default_factory=list)
    users: list[User] = field(default_factory=list)
    priorities: list[Priority] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    log_events: list[LogEvent] = field(default_factory=list)


@dataclass
class SlackBatch:
    channels: list[Channel] = field(default_factory=list)
    messages: list[MessageMeta] = field(default_factory=list)
    incidents_posts: list[IncidentsPost] = field(default_factory=list)


@dataclass
class GitHubBatch:
    head_sha: str | None = None
    commits: list[Commit] = field(default_factory=list)
    blobs: list[Blob] = field(default_factory=list)
    issues: list[IssueState] = field(default_factory=list)
