"""Evidence and links: where a result's facts can be seen (a log entry, a Slack message,
a file at a line, a commit, an issue).

Evidence names the capability that holds it; the engine writes the providing source.
"""

from __future__ import annotations

from functools import cached_property

from opsaudit.checks.model import Evidence
from opsaudit.checks.views import AuditSettings, IncidentView, ParsedPost
from opsaudit.parsing.links import IssueRef
from opsaudit.records import Channel, Incident, IncidentEvent, WorkItem
from opsaudit.snapshot import PostMortemFile, Snapshot


class Links:
    """Builds evidence and URLs from the configured web addresses and the snapshot."""

    def __init__(self, *, settings: AuditSettings, snapshot: Snapshot) -> None:
        self.settings = settings
        self.snapshot = snapshot

    # ------------------------------------------------------------------ incidents

    def incident_url(self, incident: Incident) -> str:
        if incident.html_url:
            return incident.html_url
        return f"{self.settings.pagerduty_web.rstrip('/')}/incidents/{incident.id}"

    def incident(self, view: IncidentView) -> Evidence:
        return Evidence("incidents", view.incident.id, view.subject.url)

    def log(self, view: IncidentView, event: IncidentEvent) -> Evidence:
        url = f"{view.subject.url}/log_entries/{event.id}" if view.subject.url else None
        return Evidence("incidents", event.id, url)

    # ----------------------------------------------------------------------- chat

    def message(self, channel_id: str, ts: str) -> Evidence:
        return Evidence("chat", f"{channel_id}/{ts}", self._permalink(channel_id, ts))

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
        return next(
            (
                p.permalink.split("/archives/")[0]
                for p in self.snapshot.incidents_posts
                if p.permalink
            ),
            None,
        )

    def _permalink(self, channel_id: str, ts: str) -> str | None:
        base = self._workspace
        return f"{base}/archives/{channel_id}/p{ts.replace('.', '')}" if base else None

    # ------------------------------------------------------------------ documents

    def document(self, file: PostMortemFile, line: int | None = None) -> Evidence:
        ref = f"{file.path}#L{line}" if line else file.path
        repo = self.settings.github_repo
        if repo is None:
            return Evidence("documents", ref)
        anchor = f"#L{line}" if line else ""
        web = self.settings.github_web.rstrip("/")
        url = f"{web}/{repo}/blob/{file.commit_sha}/{file.path}{anchor}"
        return Evidence("documents", ref, url)

    def commit(self, file: PostMortemFile) -> Evidence:
        """The commit that landed the file."""
        repo = self.settings.github_repo
        sha = file.landing_commit
        if repo is None:
            return Evidence("documents", sha)
        web = self.settings.github_web.rstrip("/")
        return Evidence("documents", sha, f"{web}/{repo}/commit/{sha}")

    # -------------------------------------------------------------------- tracker

    def issue(self, ref: IssueRef, state: WorkItem | None) -> Evidence:
        web = self.settings.github_web.rstrip("/")
        url = state.html_url if state is not None and state.html_url else None
        name = f"{ref.repo}#{ref.number}"
        return Evidence("tracker", name, url or f"{web}/{ref.repo}/issues/{ref.number}")
