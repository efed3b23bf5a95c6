"""What every check reads: the snapshot, the policy, the as-of time, and shared indexes.

A :class:`Context` answers the questions several checks share (which incidents are
audited, an incident's view, its war room, its summary posts, the post-mortems that
name it) once, so that each check stays a short function of its own rule. The views
are in :mod:`opsaudit.checks.views`, evidence in :mod:`opsaudit.checks.links`.
"""

from __future__ import annotations

from datetime import datetime
from functools import cached_property

from opsaudit.calendar import BusinessCalendar
from opsaudit.checks.links import Links
from opsaudit.checks.model import Result, Subject
from opsaudit.checks.post_index import PostIndex
from opsaudit.checks.results import unique
from opsaudit.checks.views import (
    AuditSettings,
    IncidentView,
    ParsedPost,
    PostMortemView,
    is_human,
    person_email,
    severity_of,
)
from opsaudit.config import ServiceInfo
from opsaudit.parsing.cache import ParseCache
from opsaudit.parsing.incident_refs import IncidentRef
from opsaudit.parsing.postmortem import ActionItem, PostMortemDoc, Section, parse_postmortem
from opsaudit.parsing.postmortem_text import unparsed_reason
from opsaudit.parsing.summary import is_summary_post, mentions, parse_summary
from opsaudit.policy import Policy, Severity, ticket_kind, ticket_of
from opsaudit.records import MERGED, Channel, Incident, IncidentEvent, MessageMeta, Service
from opsaudit.snapshot import PostMortemFile, Snapshot

__all__ = ["AuditSettings", "Context", "IncidentView", "ParsedPost", "PostMortemView"]

ACTION_ITEMS = "Action items"  # the policy's name of the section (postmortem.sections)


class Context:
    """Shared, lazily computed views over one snapshot at one as-of time."""

    def __init__(
        self,
        *,
        snapshot: Snapshot,
        policy: Policy,
        settings: AuditSettings,
        calendar: BusinessCalendar,
        parses: ParseCache | None = None,
    ) -> None:
        self.snapshot = snapshot
        self.parses = parses if parses is not None else ParseCache()  # kept by the store
        self.policy = policy
        self.settings = settings
        self.calendar = calendar
        self.links = Links(settings=settings, snapshot=snapshot)
        self._views: dict[str, IncidentView] = {}
        self._action_items: dict[str, list[ActionItem] | None] = {}
        self._unparsed: dict[str, str | None] = {}
        self._refs: dict[str, list[IncidentRef]] = {}
        self._linked: dict[str, list[Incident]] = {}

    @property
    def as_of(self) -> datetime:
        return self.snapshot.as_of

    # ------------------------------------------------------------------ incidents

    def severity(self, incident: Incident) -> Severity | None:
        return severity_of(self.policy, incident)

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
        """The incident as the checks see it (any stored incident, built once)."""
        if incident.id not in self._views:
            self._views[incident.id] = self._make_view(incident)
        return self._views[incident.id]

    def _make_view(self, incident: Incident) -> IncidentView:
        service = self.snapshot.services.get(incident.service_id)
        info = self._service_info(incident.service_id, service)
        events = self.snapshot.log_events.get(incident.id, ())
        owner = info.owner if info else None
        return IncidentView(
            incident=incident,
            severity=self.severity(incident),
            service_name=service.name if service else incident.service_id,
            brand=info.brand if info else None,
            owner=owner,
            events=events,
            resolved_at=self._resolution(incident, events),
            subject=Subject(
                kind="incident",
                key=incident.id,
                number=incident.number,
                title=incident.title,
                url=self.links.incident_url(incident),
            ),
            owners=unique([person_email(owner, self.snapshot.users)]),
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

    def ticket(self, incident: Incident) -> str:
        """The ticket id the war room is named after (policy ``ticket_id``)."""
        return ticket_of(self.policy, incident_id=incident.id, number=incident.number)

    # ----------------------------------------------------------------------- chat

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
        return is_human(self.policy, message)

    @cached_property
    def parsed_posts(self) -> tuple[ParsedPost, ...]:
        prefix = self.policy.warroom.prefix or "incident-"
        return tuple(
            ParsedPost(post, parse_summary(post.text), mentions(post.text, prefix=prefix))
            for post in self.snapshot.incidents_posts
            if is_summary_post(post.text)  # the store keeps candidates; the parser decides
        )

    @cached_property
    def _post_index(self) -> PostIndex:
        urls = (self.links.incident_url(i) for i in self.snapshot.incidents)
        return PostIndex(self.parsed_posts, urls=(u for u in urls if u is not None))

    def summary_posts(self, incident: Incident) -> list[ParsedPost]:
        """Summary posts of ``#incidents`` that belong to the incident, by time: they
        mention its war room (name or id) or its id, or hold its web address."""
        room = self.war_room(incident)
        return self._post_index.find(
            name=f"{self.policy.warroom.prefix or 'incident-'}{self.ticket(incident)}",
            room=room.id if room is not None else None,
            incident_id=incident.id,
            url=self.links.incident_url(incident),
        )

    # ------------------------------------------------------------------ documents

    def unparsed(self, file: PostMortemFile) -> str | None:
        """Why the file is not parsed (larger than ``postmortem.max_bytes``, not valid
        UTF-8), or None when it is; ``rules.md``, "Files that are not post-mortems"."""
        if file.path not in self._unparsed:
            limit = self.policy.postmortem.max_bytes
            self._unparsed[file.path] = unparsed_reason(file.text, max_bytes=limit)
        return self._unparsed[file.path]

    def unparsed_result(self, file: PostMortemFile, rule: str) -> Result | None:
        """``unknown`` for a content check of a file that is not parsed; None if it is."""
        reason = self.unparsed(file)
        if reason is None:
            return None
        message = f"Not parsed: the file is {reason}."
        evidence = (self.links.document(file),)
        return self.postmortem_view(file).result(rule, "unknown", message, evidence=evidence)

    @cached_property
    def documents(self) -> dict[str, PostMortemDoc]:
        """Every post-mortem at as-of that is parsed (see :meth:`unparsed`), by path."""
        skeleton = self.parses.skeleton  # the Markdown read once per blob, ever
        return {
            f.path: parse_postmortem(f.text, path=f.path, skeleton=skeleton(f.blob_sha, f.text))
            for f in self.snapshot.postmortems
            if self.unparsed(f) is None
        }

    def section_empty(self, file: PostMortemFile, section: Section) -> bool:
        """Whether a section of a parsed file is empty (:meth:`Section.is_empty` under
        ``postmortem.placeholders``), read once per blob."""
        placeholders = self.policy.postmortem.placeholders
        doc = self.documents[file.path]
        return section.heading.line in self.parses.blank_sections(file.blob_sha, doc, placeholders)

    def action_items(self, file: PostMortemFile) -> list[ActionItem] | None:
        """The file's action items; None without an Action items section (or without
        the section in the policy), or when the file is not parsed."""
        if self.unparsed(file) is not None:
            return None
        if file.path not in self._action_items:
            aliases = self.policy.postmortem.sections.get(ACTION_ITEMS)
            self._action_items[file.path] = (
                None
                if aliases is None
                else self.documents[file.path].action_items(
                    aliases,
                    repo=self.settings.documents_repo or "",
                    github_web=self.settings.tracker_web,
                    placeholders=self.policy.postmortem.placeholders,
                )
            )
        return self._action_items[file.path]

    def refs_of(self, file: PostMortemFile) -> list[IncidentRef]:
        """The incidents the file names; read from its first ``postmortem.max_bytes``
        characters only when it is larger (its links still count: ``rules.md``)."""
        if file.path not in self._refs:
            self._refs[file.path] = self.parses.refs(
                file.blob_sha,
                file.text,
                web_hosts=self.settings.incident_hosts,
                prefix=self.policy.warroom.prefix or "incident-",
                ticket=ticket_kind(self.policy),
                max_bytes=self.policy.postmortem.max_bytes,
            )
        return self._refs[file.path]

    @cached_property
    def _incidents_by_ref(self) -> dict[IncidentRef, Incident]:
        table: dict[IncidentRef, Incident] = {}
        for incident in self.snapshot.incidents:
            table[IncidentRef("id", incident.id)] = incident
            table[IncidentRef("number", str(incident.number))] = incident
        return table

    def incidents_of(self, file: PostMortemFile) -> list[Incident]:
        """The stored incidents a post-mortem links to, in order of its links."""
        if file.path not in self._linked:
            found = (self._incidents_by_ref.get(ref) for ref in self.refs_of(file))
            self._linked[file.path] = list(dict.fromkeys(i for i in found if i is not None))
        return list(self._linked[file.path])

    def dangling_refs(self, file: PostMortemFile) -> list[IncidentRef]:
        """What the file names that matches no stored incident, in order."""
        return [ref for ref in self.refs_of(file) if ref not in self._incidents_by_ref]

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

    @cached_property
    def _postmortem_views(self) -> dict[str, PostMortemView]:
        return {f.path: self._make_postmortem_view(f) for f in self.snapshot.postmortems}

    def postmortem_view(self, file: PostMortemFile) -> PostMortemView:
        """The post-mortem as the checks see it (built once per file)."""
        found = self._postmortem_views.get(file.path)
        return found if found is not None else self._make_postmortem_view(file)

    def _make_postmortem_view(self, file: PostMortemFile) -> PostMortemView:
        linked = [self.view(i) for i in self.incidents_of(file)]
        doc = self.documents.get(file.path)
        headings = doc.headings if doc is not None else ()
        title = next((h.title for h in headings if h.level == 1), None)
        url = self.links.document(file).url
        return PostMortemView(
            file=file,
            subject=Subject(kind="postmortem", key=file.path, title=title, url=url),
            first=linked[0] if linked else None,
            owners=unique(e for view in linked for e in view.owners),
        )

    @cached_property
    def subject_postmortem_views(self) -> tuple[PostMortemView, ...]:
        """:attr:`subject_postmortems` as views."""
        return tuple(self.postmortem_view(f) for f in self.subject_postmortems)
