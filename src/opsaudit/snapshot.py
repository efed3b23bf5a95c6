"""The world as the audit sees it: stored records, frozen, cut at the as-of time.

Pure data, no SQL: the checks import this. The store fills it
(:func:`opsaudit.store.snapshot_loader.load_snapshot`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from opsaudit.records import (
    Channel,
    Incident,
    IncidentEvent,
    IncidentsPost,
    MessageMeta,
    Priority,
    Service,
    User,
    WorkItem,
)

SourceState = Literal["ok", "failed", "not_configured"]


@dataclass(frozen=True)
class SourceStatus:
    """How one source stands for a run, as ``sources`` of the results JSON shows it;
    a sync also counts what it stored (``{"incidents": 12, ...}``) for its summary."""

    status: SourceState
    requests: int = 0
    error: str | None = None
    stored: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class PostMortemFile:
    """A post-mortem as the repository held it at the as-of time."""

    path: str
    text: str
    blob_sha: str
    commit_sha: str  # the commit that last changed it, at or before as-of
    landed_at: datetime  # committer date of the commit that added it at this path
    landing_commit: str


@dataclass(frozen=True)
class Snapshot:
    as_of: datetime
    sources: Mapping[str, SourceStatus]
    services: Mapping[str, Service] = field(default_factory=dict)
    users: Mapping[str, User] = field(default_factory=dict)
    priorities: tuple[Priority, ...] = ()
    incidents: tuple[Incident, ...] = ()  # every stored incident, by trigger time
    log_events: Mapping[str, tuple[IncidentEvent, ...]] = field(default_factory=dict)
    channels: tuple[Channel, ...] = ()
    messages: Mapping[str, tuple[MessageMeta, ...]] = field(default_factory=dict)
    incidents_posts: tuple[IncidentsPost, ...] = ()
    postmortems: tuple[PostMortemFile, ...] = ()
    issues: Mapping[tuple[str, int], WorkItem] = field(default_factory=dict)

    def issue(self, repo: str, number: int) -> WorkItem | None:
        """An issue's state at as-of (names compared without case, as GitHub does)."""
        return self.issues.get((repo.lower(), number))
