"""The subjects as checks see them: an audited incident, a post-mortem, a summary post.

Views are plain frozen data computed once by :class:`opsaudit.checks.context.Context`;
each knows how to make a result about itself (:mod:`opsaudit.checks.results`), with the
severity, service, brand and owners a publisher shows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from opsaudit.checks.model import Evidence, Result, Status, Subject
from opsaudit.config import Person, ServiceInfo
from opsaudit.parsing.summary import Mentions, SummaryPost
from opsaudit.policy import Policy, Severity
from opsaudit.records import EventKind, Incident, IncidentEvent, IncidentsPost, MessageMeta, User
from opsaudit.snapshot import PostMortemFile
from opsaudit.sources.base import Window

_SEV = re.compile(r"^\s*sev[\s-]?([1-4])\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class AuditSettings:
    """The configuration's parts the checks read besides the policy.

    The ``*_url`` fields are templates of the sources' web addresses, supplied by the
    configured sources' sections (``SourceSection.audit_settings``), so that evidence is
    linked without the checks knowing any vendor's URL scheme; an empty one: no link.
    """

    window: Window
    cto: Person | None = None
    services: Mapping[str, ServiceInfo] = field(default_factory=dict)
    incident_url: str = ""  # {id}
    incident_event_url: str = ""  # {incident_url}, {id}
    incident_hosts: tuple[str, ...] = ()  # web hosts whose incident URLs documents cite
    message_url: str = ""  # {workspace}, {channel}, {ts_digits}
    document_url: str = ""  # {commit}, {path}, {anchor}
    commit_url: str = ""  # {sha}
    work_item_url: str = ""  # {repo}, {number}
    documents_repo: str | None = None  # where a bare ``#123`` in a document points
    tracker_web: str = ""  # the tracker's web root, to read work-item links in documents


def severity_of(policy: Policy, incident: Incident) -> Severity | None:
    """The severity of the incident's priority name (``severity_map``, else ``SevN``)."""
    name = incident.priority_name
    if not name:
        return None
    if name in policy.severity_map:
        return policy.severity_map[name]
    match = _SEV.match(name)
    return f"Sev{match.group(1)}" if match else None  # type: ignore[return-value]


def is_human(policy: Policy, message: MessageMeta) -> bool:
    """A person talking: not the chat system (joins, topics...), no bot unless listed."""
    if message.author_kind == "system":
        return False
    if message.author_kind == "person":
        return True
    listed = set(policy.warroom.update_bots)
    return bool(listed & {message.bot_id, message.bot_name})


def person_email(person: Person | None, users: Mapping[str, User]) -> str | None:
    """A configured person's address (lower case): their ``email``, else their
    PagerDuty user's."""
    if person is None:
        return None
    if person.email:
        return person.email.strip().lower()
    user = users.get(person.pagerduty_id or "")
    return user.email.strip().lower() if user is not None and user.email else None


@dataclass(frozen=True)
class IncidentView:
    """An audited incident with what the checks ask of it, cut at the as-of time."""

    incident: Incident
    severity: Severity | None
    service_name: str
    brand: str | None
    owner: Person | None
    events: tuple[IncidentEvent, ...]  # at or before as-of, in time order
    resolved_at: datetime | None  # None while open at as-of
    subject: Subject
    owners: tuple[str, ...] = ()  # the service owner's address, when known

    @property
    def triggered_at(self) -> datetime:
        return self.incident.created_at

    def first(self, *kinds: EventKind) -> IncidentEvent | None:
        """The first event of one of ``kinds`` (``"acknowledged"``...)."""
        return next((e for e in self.events if e.kind in kinds), None)

    def result(
        self,
        rule: str,
        status: Status,
        message: str,
        *,
        deadline: datetime | None = None,
        observed: datetime | None = None,
        evidence: tuple[Evidence, ...] = (),
    ) -> Result:
        """A result about this incident, with its severity, service, brand and owners."""
        return Result(
            rule=rule,
            status=status,
            subject=self.subject,
            message=message,
            severity=self.severity,
            service=self.service_name,
            brand=self.brand,
            deadline=deadline,
            observed=observed,
            evidence=evidence,
            owners=self.owners,
        )


@dataclass(frozen=True)
class PostMortemView:
    """A post-mortem file with its subject, the first incident it links to (severity,
    service, brand) and the owners of the services of every incident it links to."""

    file: PostMortemFile
    subject: Subject
    first: IncidentView | None
    owners: tuple[str, ...]

    @property
    def severity(self) -> Severity | None:
        return self.first.severity if self.first else None

    def result(
        self,
        rule: str,
        status: Status,
        message: str,
        *,
        deadline: datetime | None = None,
        observed: datetime | None = None,
        evidence: tuple[Evidence, ...] = (),
    ) -> Result:
        """A result about this post-mortem: the severity, service and brand of the first
        incident it links to, and its owners."""
        first = self.first
        return Result(
            rule=rule,
            status=status,
            subject=self.subject,
            message=message,
            severity=first.severity if first else None,
            service=first.service_name if first else None,
            brand=first.brand if first else None,
            deadline=deadline,
            observed=observed,
            evidence=evidence,
            owners=self.owners,
        )


@dataclass(frozen=True)
class ParsedPost:
    post: IncidentsPost
    summary: SummaryPost
    mentions: Mentions
