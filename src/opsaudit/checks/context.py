"""What every check reads: the snapshot, the policy, the as-of time, and derived views.

A :class:`Context` answers the questions several checks share (which incidents are
audited, an incident's severity, its war room, its summary posts, the post-mortems that
name it) once, so that each check stays a short function of its own rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from urllib.parse import urlsplit

from opsaudit.calendar import BusinessCalendar
from opsaudit.checks.model import Evidence, Result, Status, Subject
from opsaudit.config import Person, ServiceInfo
from opsaudit.parsing.incident_refs import IncidentRef, incident_refs
from opsaudit.parsing.postmortem import PostMortemDoc, parse_postmortem
from opsaudit.parsing.summary import (
    Mentions,
    SummaryPost,
    is_summary_post,
    mentions,
    parse_summary,
)
from opsaudit.policy import Policy, Severity
from opsaudit.records import (
    MERGED,
    Channel,
    EventKind,
    Incident,
    IncidentEvent,
    IncidentsPost,
    MessageMeta,
    Service,
)
from opsaudit.snapshot import PostMortemFile, Snapshot
from opsaudit.sources.base import Window

_SEV = re.compile(r"^\s*sev[\s-]?([1-4])\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class AuditSettings:
    """The configuration's parts the checks read besides the policy."""

    window: Window
    cto: Person | None = None
    services: Mapping[str, ServiceInfo] = field(default_factory=dict)
    pagerduty_web: str = "https://example.pagerduty.com"
    github_repo: str | None = None
    github_web: str = "https://github.com"
    github_path: str | None = None


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
        )


@dataclass(frozen=True)
class ParsedPost:
    post: IncidentsPost
    summary: SummaryPost
    mentions: Mentions


class Context:
    """Shared, lazily computed views over one snapshot at one as-of time."""

    def __init__(
        self,
        *,
        snapshot: Snapshot,
        policy: Policy,
        settings: AuditSettings,
        calendar: BusinessCalendar,
    ) -> None:
        self.snapshot = snapshot
        self.policy = policy
        self.settings = settings
        self.calendar = calendar

    @property
    def as_of(self) -> datetime:
        return self.snapshot.as_of

    # ------------------------------------------------------------------ incidents

    def severity(self, incident: Incident) -> Severity | None:
        """The severity of the incident's priority name (``severity_map``, else ``SevN``)."""
        name = incident.priority_name
        if not name:
            return None
        if name in self.policy.severity_map:
            return self.policy.severity_map[name]
        match = _SEV.match(name)
        return f"Sev{match.group(1)}" if match else None  # type: ignore[return-value]

    def exclusion(self, incident: Incident) -> str | None:
        """Why the incident is not audited (merged, or matching ``exclude``), or None."""
        if incident.resolve_reason == MERGED:
            return f"merged into {incident.merged_into_id or 'another incident'}"
        title = incident.title.lower()
        for needle in self.policy.exclude.title_contains:
            if needle.lower() in title:
                return f"title contains {needle}"
        service = self.snapshot.services.get(incident.service_id)
        names = {incident.service_id, service.name if service else ""}
        for excluded in self.policy.exclude.services:
            if excluded in names:
                return f"service {excluded} is excluded"
        return None

    @cached_property
    def window_incidents(self) -> tuple[Incident, ...]:
        """Incidents triggered inside the audit window (and by as-of)."""
        window = self.settings.window
        return tuple(
            i for i in self.snapshot.incidents if window.since <= i.created_at < window.until
        )

    @cached_property
    def incidents(self) -> tuple[IncidentView, ...]:
        """The audited incidents of the window, by trigger time."""
        return tuple(self.view(i) for i in self.window_incidents if self.exclusion(i) is None)

    @cached_property
    def not_audited(self) -> tuple[tuple[Incident, str], ...]:
        """Incidents of the window that give no results, with the reason."""
        found = ((i, self.exclusion(i)) for i in self.window_incidents)
        return tuple((i, why) for i, why in found if why is not None)

    def view(self, incident: Incident) -> IncidentView:
        service = self.snapshot.services.get(incident.service_id)
        info = self._service_info(incident.service_id, service)
        events = self.snapshot.log_events.get(incident.id, ())
        return IncidentView(
            incident=incident,
            severity=self.severity(incident),
            service_name=service.name if service else incident.service_id,
            brand=info.brand if info else None,
            owner=info.owner if info else None,
            events=events,
            resolved_at=self._resolution(incident, events),
            subject=Subject(
                kind="incident",
                key=incident.id,
                number=incident.number,
                title=incident.title,
                url=self.incident_url(incident),
            ),
        )

    def _service_info(self, service_id: str, service: Service | None) -> ServiceInfo | None:
        services = self.settings.services
        if service is not None and service.name in services:
            return services[service.name]
        return services.get(service_id)

    def _resolution(self, incident: Incident, events: tuple[IncidentEvent, ...]) -> datetime | None:
        resolves = [e.created_at for e in events if e.kind == "resolved"]
        if resolves:
            return resolves[0]
        if incident.resolved_at is not None and incident.resolved_at <= self.as_of:
            # no resolve entry stored: trust the API's field, unless the log says later
            return incident.resolved_at
        return None

    def incident_url(self, incident: Incident) -> str:
        if incident.html_url:
            return incident.html_url
        return f"{self.settings.pagerduty_web.rstrip('/')}/incidents/{incident.id}"

    def ticket(self, incident: Incident) -> str:
        """The ticket id the war room is named after (policy ``ticket_id``)."""
        if self.policy.ticket_id == "{incident_id}":
            return incident.id
        return str(incident.number)

    # ---------------------------------------------------------------------- Slack

    @cached_property
    def _channels_by_name(self) -> dict[str, Channel]:
        found: dict[str, Channel] = {}
        for channel in sorted(self.snapshot.channels, key=lambda c: (c.created, c.id)):
            found.setdefault(channel.name, channel)  # the first made wins
        return found

    def war_room(self, incident: Incident) -> Channel | None:
        """The channel named exactly ``<prefix><ticket-id>`` (archived ones count)."""
        prefix = self.policy.warroom.prefix
        if prefix is None:
            return None
        return self._channels_by_name.get(f"{prefix}{self.ticket(incident)}")

    def messages(self, channel: Channel) -> tuple[MessageMeta, ...]:
        """The channel's messages at or before as-of, thread replies included, by time."""
        return self.snapshot.messages.get(channel.id, ())

    def is_human(self, message: MessageMeta) -> bool:
        """A person talking: not the chat system (joins, topics...), no bot unless listed."""
        if message.author_kind == "system":
            return False
        if message.author_kind == "person":
            return True
        listed = set(self.policy.warroom.update_bots)
        return bool(listed & {message.bot_id, message.bot_name})

    @cached_property
    def parsed_posts(self) -> tuple[ParsedPost, ...]:
        prefix = self.policy.warroom.prefix or "incident-"
        return tuple(
            ParsedPost(post, parse_summary(post.text), mentions(post.text, prefix=prefix))
            for post in self.snapshot.incidents_posts
            if is_summary_post(post.text)  # the store keeps candidates; the parser decides
        )

    def summary_posts(self, incident: Incident) -> list[ParsedPost]:
        """Summary posts of ``#incidents`` that belong to the incident, by time."""
        room = self.war_room(incident)
        name = f"{self.policy.warroom.prefix or 'incident-'}{self.ticket(incident)}"
        url = self.incident_url(incident)
        return [
            p
            for p in self.parsed_posts
            if name in p.mentions.channel_names
            or (room is not None and room.id in p.mentions.channel_ids)
            or incident.id in p.mentions.incident_ids
            or url in p.post.text
        ]

    def slack_evidence(self, channel_id: str, ts: str) -> Evidence:
        return Evidence("slack", f"{channel_id}/{ts}", self._slack_permalink(channel_id, ts))

    def _slack_permalink(self, channel_id: str, ts: str) -> str | None:
        base = next(
            (
                p.permalink.split("/archives/")[0]
                for p in self.snapshot.incidents_posts
                if p.permalink
            ),
            None,
        )
        return f"{base}/archives/{channel_id}/p{ts.replace('.', '')}" if base else None

    # ------------------------------------------------------------------ PagerDuty

    def log_evidence(self, view: IncidentView, event: IncidentEvent) -> Evidence:
        url = f"{view.subject.url}/log_entries/{event.id}" if view.subject.url else None
        return Evidence("pagerduty", event.id, url)

    def incident_evidence(self, view: IncidentView) -> Evidence:
        return Evidence("pagerduty", view.incident.id, view.subject.url)

    # --------------------------------------------------------------------- GitHub

    @cached_property
    def documents(self) -> dict[str, PostMortemDoc]:
        """Every post-mortem at as-of, parsed, by path."""
        return {f.path: parse_postmortem(f.text, path=f.path) for f in self.snapshot.postmortems}

    def github_evidence(self, file: PostMortemFile, line: int | None = None) -> Evidence:
        ref = f"{file.path}#L{line}" if line else file.path
        repo = self.settings.github_repo
        if repo is None:
            return Evidence("github", ref)
        anchor = f"#L{line}" if line else ""
        web = self.settings.github_web.rstrip("/")
        return Evidence("github", ref, f"{web}/{repo}/blob/{file.commit_sha}/{file.path}{anchor}")

    def refs_of(self, file: PostMortemFile) -> list[IncidentRef]:
        hosts = tuple(h for h in [urlsplit(self.settings.pagerduty_web).hostname] if h)
        ticket = "id" if self.policy.ticket_id == "{incident_id}" else "number"
        prefix = self.policy.warroom.prefix or "incident-"
        return incident_refs(file.text, web_hosts=hosts, prefix=prefix, ticket=ticket)

    @cached_property
    def _incidents_by_ref(self) -> dict[IncidentRef, Incident]:
        table: dict[IncidentRef, Incident] = {}
        for incident in self.snapshot.incidents:
            table[IncidentRef("id", incident.id)] = incident
            table[IncidentRef("number", str(incident.number))] = incident
        return table

    def incidents_of(self, file: PostMortemFile) -> list[Incident]:
        """The stored incidents a post-mortem links to, in order of its links."""
        found = (self._incidents_by_ref.get(ref) for ref in self.refs_of(file))
        return list(dict.fromkeys(i for i in found if i is not None))

    @cached_property
    def _postmortems_by_incident(self) -> dict[str, list[PostMortemFile]]:
        table: dict[str, list[PostMortemFile]] = {}
        for file in self.snapshot.postmortems:
            for incident in self.incidents_of(file):
                table.setdefault(incident.id, []).append(file)
        return table

    def postmortems_of(self, incident: Incident) -> list[PostMortemFile]:
        """The post-mortems (at as-of) that link to the incident."""
        return self._postmortems_by_incident.get(incident.id, [])

    @cached_property
    def subject_postmortems(self) -> tuple[PostMortemFile, ...]:
        """Post-mortems linked to an incident of the window, or first landed inside it."""
        window = self.settings.window
        in_window = {i.id for i in self.window_incidents}
        return tuple(
            f
            for f in self.snapshot.postmortems
            if window.since <= f.landed_at < window.until
            or any(i.id in in_window for i in self.incidents_of(f))
        )

    def postmortem_subject(self, file: PostMortemFile) -> Subject:
        title = next((h.title for h in self.documents[file.path].headings if h.level == 1), None)
        url = self.github_evidence(file).url
        return Subject(kind="postmortem", key=file.path, title=title, url=url)

    def postmortem_result(
        self,
        file: PostMortemFile,
        rule: str,
        status: Status,
        message: str,
        *,
        subject: Subject | None = None,
        deadline: datetime | None = None,
        observed: datetime | None = None,
        evidence: tuple[Evidence, ...] = (),
    ) -> Result:
        """A result about a post-mortem (or one of its action items, via ``subject``),
        with the severity, service and brand of the first incident it links to."""
        linked = [self.view(i) for i in self.incidents_of(file)]
        first = linked[0] if linked else None
        return Result(
            rule=rule,
            status=status,
            subject=subject or self.postmortem_subject(file),
            message=message,
            severity=first.severity if first else None,
            service=first.service_name if first else None,
            brand=first.brand if first else None,
            deadline=deadline,
            observed=observed,
            evidence=evidence,
        )
