"""The sandbox's world: what its fake APIs serve, held in the vendors' own JSON shapes.

The generator (``org.py``) fills a :class:`World`; the server (``server.py``) answers
requests from it; tests build small worlds by hand. PagerDuty and Slack objects are
stored exactly as the vendor's API returns them (dicts), so the server only filters,
pages and wraps them. GitHub is kept as a commit history of file contents, from which
the server derives trees, blobs and commit details the way git would.

A test may change the world between two syncs (add an incident, a message, a commit):
take ``world.lock`` while doing so; the server reads under the same lock.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from opsaudit.sandbox.slack_limits import SlackLimits

JSON = dict[str, Any]


@dataclass
class PagerDutyWorld:
    """Objects as ``GET /<collection>`` returns them (no ``include[]`` expansion:
    references are ``{"id", "type": "..._reference", "summary", "self", "html_url"}``)."""

    services: list[JSON] = field(default_factory=list)
    users: list[JSON] = field(default_factory=list)
    priorities: list[JSON] = field(default_factory=list)  # most severe first
    escalation_policies: list[JSON] = field(default_factory=list)
    teams: list[JSON] = field(default_factory=list)
    incidents: list[JSON] = field(default_factory=list)
    # every log entry of every incident; each has "incident": {"id": ...} and "created_at"
    log_entries: list[JSON] = field(default_factory=list)
    # lists whose "total" stays null even with total=true, as some of the real API's do
    total_null: bool = False


@dataclass
class SlackWorld:
    team_id: str = "T0SANDBOX"
    team_domain: str = "sandbox"
    users: list[JSON] = field(default_factory=list)  # users.list members (with profile.email)
    channels: list[JSON] = field(default_factory=list)  # conversation objects
    # channel id -> every message of the channel, top-level and thread replies, any order;
    # a reply has "thread_ts" != "ts"; a parent has "thread_ts" == "ts" and "reply_count"
    messages: dict[str, list[JSON]] = field(default_factory=dict)
    # the bot token's scopes (None: every scope the auditor needs); a call lacking one
    # answers missing_scope with "needed" and "provided", as Slack does
    scopes: set[str] | None = None
    # per-method rate limits (``slack_limits.SlackLimits``); None: unlimited
    limits: SlackLimits | None = None


@dataclass
class GitCommit:
    """A commit: the files it changes (path -> new text, or None to delete; bytes for
    a file that is not UTF-8 text, served base64 as any blob is)."""

    sha: str
    committed_at: datetime
    message: str = ""
    author_name: str = "Sandbox Bot"
    author_email: str = "bot@example.com"
    changes: Mapping[str, str | bytes | None] = field(default_factory=dict)
    renames: dict[str, str] = field(default_factory=dict)  # new path -> old path
    # git keeps two times: the author's (when the change was written) and the committer's
    # (when this commit was made: a rebase or a squash makes a new one); None: the same
    authored_at: datetime | None = None
    # a merge commit: the side branch's commits it merges, oldest first, forked from the
    # first-parent commit ``branch_base`` (None: the commit before this one); their
    # changes land with the merge, whose own ``changes`` apply on top
    branch: list[GitCommit] = field(default_factory=list)
    branch_base: str | None = None


@dataclass
class RepoWorld:
    full_name: str  # owner/name
    default_branch: str = "main"
    commits: list[GitCommit] = field(default_factory=list)  # first-parent history, oldest first
    issues: list[JSON] = field(default_factory=list)  # as GET /repos/{o}/{r}/issues/{n} returns
    created_at: datetime | None = None
    symlinks: set[str] = field(default_factory=set)  # paths whose blob is a symbolic link
    # a tree listing longer than this is cut and says ``truncated`` (GitHub's limit is
    # 100,000 entries or 7 MB)
    tree_limit: int = 100_000


@dataclass
class GitHubWorld:
    repos: dict[str, RepoWorld] = field(default_factory=dict)
    login: str = "opsaudit-bot"
    # how an injected rate limit is answered: a "primary" limit (x-ratelimit-remaining 0,
    # reset in Faults.retry_after seconds) or a "secondary" one; 403 or 429; with or
    # without Retry-After
    limit_kind: str = "secondary"
    limit_status: int = 429
    limit_retry_after: bool = True


@dataclass
class Tokens:
    """The credentials each fake API accepts (anything else gets the vendor's 401)."""

    pagerduty: str = "sandbox-pagerduty-token"
    slack: str = "xoxb-sandbox-slack-token"
    github: str = "ghp_sandboxgithubtoken"


@dataclass
class World:
    pagerduty: PagerDutyWorld = field(default_factory=PagerDutyWorld)
    slack: SlackWorld = field(default_factory=SlackWorld)
    github: GitHubWorld = field(default_factory=GitHubWorld)
    tokens: Tokens = field(default_factory=Tokens)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)


def blob_bytes(content: str | bytes) -> bytes:
    """A file's content as git stores it: bytes as they are, text as UTF-8 (lone
    surrogates from ``surrogateescape`` decoding back to the bytes they stood for)."""
    if isinstance(content, bytes):
        return content
    return content.encode("utf-8", "surrogateescape")


def git_blob_sha(text: str | bytes) -> str:
    """The sha git gives a blob of this content (``git hash-object``)."""
    data = blob_bytes(text)
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def slack_ts(moment: datetime, seq: int = 0) -> str:
    """A Slack ``ts`` for a moment: seconds, a dot and six digits (``seq`` keeps it unique)."""
    micros = moment.microsecond + seq
    return f"{int(moment.timestamp())}.{micros:06d}"
