"""One evaluated audit, as the publishers' contract: :class:`AuditRun`.

Publishers (the report, the digest, the evidence pack, the metrics) read an ``AuditRun``
and nothing else of the evaluation: the results (each with its subject, severity,
evidence and owners), the checks used (titles rendered with the run's policy), and
plain facts about the incidents and post-mortems of the run. Everything is decided:
a publisher selects, counts and formats; it re-derives nothing from source records.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from opsaudit.checks.model import Result
from opsaudit.checks.spec import CheckSpec
from opsaudit.metrics import IncidentFact
from opsaudit.records import Incident, IncidentEvent, IncidentsPost, MessageMeta, WorkItem
from opsaudit.snapshot import PostMortemFile, SourceStatus
from opsaudit.sources.base import Window


@dataclass(frozen=True)
class IncidentSummary(IncidentFact):
    """An audited incident of the window: the metrics' fact (first acknowledgement and
    resolution at or before as-of), with what the report shows of it besides."""

    title: str
    url: str | None


@dataclass(frozen=True)
class ExcludedIncident:
    """An incident of the window that is not audited, and why."""

    id: str
    number: int
    title: str
    url: str | None
    triggered_at: datetime
    reason: str


@dataclass(frozen=True)
class LinkedIncident:
    """An incident a post-mortem links to (inside the window or not)."""

    id: str
    number: int
    severity: str | None
    url: str | None


@dataclass(frozen=True)
class PostMortemSummary:
    """A post-mortem in the repository at as-of."""

    path: str
    title: str | None
    url: str | None
    landed_at: datetime
    incidents: tuple[LinkedIncident, ...]


@dataclass(frozen=True)
class SourceRecords:
    """The stored records results can cite, for the evidence pack (no message bodies
    of war rooms: the store has none)."""

    incidents: tuple[Incident, ...] = ()
    log_entries: tuple[IncidentEvent, ...] = ()
    messages: tuple[MessageMeta, ...] = ()
    summary_posts: tuple[IncidentsPost, ...] = ()
    postmortems: tuple[PostMortemFile, ...] = ()
    issues: tuple[WorkItem, ...] = ()


@dataclass(frozen=True)
class AuditRun:
    """One evaluation at one as-of time over one window, stored as run ``run_id``."""

    run_id: int
    as_of: datetime
    window: Window
    sources: dict[str, SourceStatus]
    results: list[Result]
    specs: tuple[CheckSpec, ...]
    titles: dict[str, str]  # rule -> title, rendered with the run's policy
    due_soon_days: int | None
    incidents: tuple[IncidentSummary, ...] = ()
    excluded: tuple[ExcludedIncident, ...] = ()
    postmortems: tuple[PostMortemSummary, ...] = ()
    records: SourceRecords = SourceRecords()
    document: dict[str, Any] = field(default_factory=dict)  # opsaudit.results/v1

    def spec(self, rule: str) -> CheckSpec | None:
        return next((s for s in self.specs if s.id == rule), None)

    def is_deadline(self, rule: str) -> bool:
        """Whether the check judges a deadline (post-mortem due, action item due...)."""
        found = self.spec(rule)
        return found is not None and found.deadline

    @property
    def failed_sources(self) -> list[str]:
        return [name for name, s in self.sources.items() if s.status == "failed"]

    @property
    def violations(self) -> int:
        return sum(1 for r in self.results if r.status == "violation")

    def exit_code(self, *, fail_on_violation: bool) -> int:
        """interface.md: 4 with ``--fail-on-violation`` and a violation (confirmed facts
        come first), else 3 when a source failed, else 0."""
        if fail_on_violation and self.violations:
            return 4
        return 3 if self.failed_sources else 0

    def to_json(self) -> str:
        return dumps(self.document)


def dumps(document: dict[str, Any]) -> str:
    """Stable JSON text: the same document gives the same bytes."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
