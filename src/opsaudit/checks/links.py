"""Evidence and links: where a result's facts can be seen (an incident event, a chat
message, a file at a line, a commit, a work item).

Evidence names the capability that holds it; the engine writes the providing source.
URLs are filled from the templates the configured sources supply (``AuditSettings``):
no vendor's URL scheme is written here.
"""

from __future__ import annotations

from functools import cached_property

from opsaudit.checks.model import Evidence
from opsaudit.checks.views import AuditSettings, IncidentView, ParsedPost
from opsaudit.parsing.links import IssueRef
from opsaudit.records import Channel, Incident, IncidentEvent, WorkItem
from opsaudit.snapshot import PostMortemFile, Snapshot


class Links:
    """Builds evidence and URLs from the sources' URL templates and the snapshot."""

    def __init__(self, *, settings: AuditSettings, snapshot: Snapshot) -> None:
        self.settings = settings
        self.snapshot = snapshot

    # ------------------------------------------------------------------ incidents

    def incident_url(self, incident: Incident) -> str | None:
        """The incident's own web address, else one made from the template."""
        return incident.html_url or _fill(self.settings.incident_url, id=incident.id)

    def incident(self, view: IncidentView) -> Evidence:
        return Evidence("incidents", view.incident.id, view.subject.url)

    def log(self, view: IncidentView, event: IncidentEvent) -> Evidence:
        template, incident = self.settings.incident_event_url, view.subject.url
        url = _fill(template, incident_url=incident, id=event.id) if incident else None
        return Evidence("incidents", event.id, url)

    # ----------------------------------------------------------------------- chat

    def message(self, channel_id: str, ts: str) -> Evidence:
        return Evidence("chat", f"{channel_id}/{ts}", self._message_url(channel_id, ts))

    def channel(self, room: Channel) -> Evidence:
        """The channel itself as evidence: ``<id>/<first ts>`` when it has messages."""
        first = next(iter(self.snapshot.messages.get(room.id, ())), None)
        if first is not None:
            return self.message(room.id, first.ts)
        return Evidence("chat", room.id)

    def post(self, parsed: ParsedPost) -> Evidence:
        post = parsed.post
        return Evidence("chat", f"{post.channel_id}/{post.ts}", post.permalink or None)

    @cached_property
    def _workspace(self) -> str | None:
        """The workspace's address, read off a stored post's permalink: the part before
        what the message template puts after ``{workspace}``."""
        _, marker, rest = self.settings.message_url.partition("{workspace}")
        after = rest.split("{", 1)[0]
        if not marker or not after:
            return None
        links = (p.permalink for p in self.snapshot.incidents_posts if after in p.permalink)
        return next((link.split(after, 1)[0] for link in links), None)

    def _message_url(self, channel_id: str, ts: str) -> str | None:
        workspace = self._workspace
        if workspace is None:
            return None
        digits = ts.replace(".", "")
        return _fill(
            self.settings.message_url, workspace=workspace, channel=channel_id, ts_digits=digits
        )

    # ------------------------------------------------------------------ documents

    def document(self, file: PostMortemFile, line: int | None = None) -> Evidence:
        anchor = f"#L{line}" if line else ""
        url = _fill(
            self.settings.document_url, commit=file.commit_sha, path=file.path, anchor=anchor
        )
        return Evidence("documents", f"{file.path}{anchor}", url)

    def commit(self, file: PostMortemFile) -> Evidence:
        """The commit that landed the file."""
        sha = file.landing_commit
        return Evidence("documents", sha, _fill(self.settings.commit_url, sha=sha))

    # -------------------------------------------------------------------- tracker

    def issue(self, ref: IssueRef, state: WorkItem | None) -> Evidence:
        url = state.html_url if state is not None and state.html_url else None
        name = f"{ref.repo}#{ref.number}"
        made = _fill(self.settings.work_item_url, repo=ref.repo, number=ref.number)
        return Evidence("tracker", name, url or made)


def _fill(template: str, **values: object) -> str | None:
    """The template with its fields filled; None for an empty template (no link)."""
    return template.format(**values) if template else None
