"""One sync: each configured source fetched and stored, failures contained.

Order matters: PagerDuty first (the window's incidents), then GitHub (the post-mortems,
which may name incidents outside the window and issues to read), then PagerDuty again
for those named incidents, then Slack (the war rooms of the stored incidents). Each
source's batch and cursor are saved in one transaction, so a source that fails leaves
everything stored before untouched, is marked failed, and the others carry on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from opsaudit import store
from opsaudit.config import Config
from opsaudit.parsing.incident_refs import IncidentRef, incident_refs
from opsaudit.parsing.links import IssueRef, extract_issue_refs
from opsaudit.secrets import Redactor
from opsaudit.sources.base import (
    DEFAULT_RETRY,
    Cursor,
    Endpoint,
    RequestCounter,
    RetryPolicy,
    Window,
)
from opsaudit.sources.github import fetch_github
from opsaudit.sources.pagerduty import fetch_pagerduty, looked_up
from opsaudit.sources.slack import WarRoomScope, fetch_slack

Progress = Callable[[str], None]
SOURCE_NAMES = ("pagerduty", "slack", "github")


@dataclass
class SourceOutcome:
    """How one source's sync went: reported in ``sources`` of the results JSON."""

    status: Literal["ok", "failed", "not_configured"]
    requests: int = 0
    error: str | None = None
    stored: dict[str, int] = field(default_factory=dict)


@dataclass
class SyncReport:
    outcomes: dict[str, SourceOutcome]

    @property
    def failed(self) -> list[str]:
        return [name for name, outcome in self.outcomes.items() if outcome.status == "failed"]

    def summary_lines(self) -> list[str]:
        """One line a source: status, what was stored, requests made."""
        lines = []
        for name in SOURCE_NAMES:
            outcome = self.outcomes[name]
            stored = ", ".join(f"{count:,} {what}" for what, count in outcome.stored.items())
            detail = outcome.error if outcome.status == "failed" else stored or "nothing new"
            lines.append(f"{name:<9} {outcome.status:<14} {outcome.requests:>5} requests  {detail}")
        return lines


def run_sync(
    *,
    config: Config,
    tokens: dict[str, str],
    window: Window,
    now: datetime,
    full: bool = False,
    engine: Engine | None = None,
    retry: RetryPolicy = DEFAULT_RETRY,
    progress: Progress = lambda _message: None,
) -> SyncReport:
    """Fetch every configured source into the store at ``config.database.url``."""
    run = SyncRun(
        config=config,
        tokens=tokens,
        engine=engine or store.open_store(config.database.url, migrate=True),
        window=window,
        full=full,
        retry=retry,
        now=now,
        progress=progress,
    )
    for step in STEPS:
        run.contained(step)
    return run.report()


# The steps of a sync in order, each one source: the window's incidents, the post-mortems
# (which name incidents and issues), the named incidents outside the window, war rooms.
STEPS = ("pagerduty", "github", "pagerduty-named", "slack")


@dataclass
class SyncRun:
    """One sync's state: the sources' outcomes and request counts, step by step.

    ``fetch`` runs a step and raises on failure (a Prefect task may retry it);
    ``failed`` records a final failure; ``contained`` does both for plain callers.
    """

    config: Config
    tokens: dict[str, str]
    engine: Engine
    window: Window
    full: bool
    retry: RetryPolicy
    now: datetime
    progress: Progress = lambda _message: None
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    counters: dict[str, RequestCounter] = field(
        default_factory=lambda: {name: RequestCounter() for name in SOURCE_NAMES}
    )
    outcomes: dict[str, SourceOutcome] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in SOURCE_NAMES:
            configured = getattr(self.config.sources, name) is not None
            self.outcomes[name] = SourceOutcome("ok" if configured else "not_configured")

    @staticmethod
    def source_of(step: str) -> str:
        return step.removesuffix("-named")

    def wants(self, step: str) -> bool:
        """Whether the step is to run: its source is configured and has not failed."""
        return self.outcomes[self.source_of(step)].status == "ok"

    def fetch(self, step: str) -> dict[str, int]:
        """Fetch and store one step; raises whatever went wrong (nothing is half-saved)."""
        name = self.source_of(step)
        self.progress(f"{step}: syncing")
        actions: dict[str, Callable[[], dict[str, int]]] = {
            "pagerduty": lambda: self.pagerduty(self.window),
            "github": self.github,
            "pagerduty-named": lambda: self.pagerduty(self.window, named=True),
            "slack": lambda: self.slack(self.window),
        }
        stored = actions[step]()
        outcome = self.outcomes[name]
        for what, count in stored.items():
            outcome.stored[what] = outcome.stored.get(what, 0) + count
        outcome.requests = self.counters[name].count
        return stored

    def failed(self, step: str, exc: BaseException) -> None:
        """Mark the step's source failed (its last good cursor stays) and say why."""
        name = self.source_of(step)
        outcome = self.outcomes[name]
        outcome.status = "failed"
        outcome.error = Redactor.scrub(str(exc)) or type(exc).__name__
        outcome.requests = self.counters[name].count
        self.progress(f"{name}: FAILED: {outcome.error}")
        with Session(self.engine) as session, session.begin():
            store.mark_sync_failed(
                session=session,
                source=name,
                error=outcome.error,
                requests=outcome.requests,
                started_at=self.started,
            )

    def contained(self, step: str) -> None:
        """Run a wanted step; a failure marks its source and lets the others carry on."""
        if not self.wants(step):
            return
        try:
            self.fetch(step)
        except Exception as exc:  # any failure of one source must leave the others running
            self.failed(step, exc)

    def report(self) -> SyncReport:
        return SyncReport(self.outcomes)

    def endpoint(self, name: str) -> Endpoint:
        section = getattr(self.config.sources, name)
        return Endpoint(api_url=section.api_url, token=self.tokens[name], ca_file=section.ca_file)

    def cursor(self, session: Session, name: str) -> Cursor | None:
        if self.full:
            return None
        state = store.load_sync_state(session=session, source=name)
        return state.cursor if state is not None else None

    def _save(self, name: str, save: Callable[[Session], None], cursor: Cursor) -> None:
        with Session(self.engine) as session, session.begin():
            save(session)
            store.save_sync_state(
                session=session,
                source=name,
                cursor=cursor,
                status="ok",
                error=None,
                requests=self.counters[name].count,
                started_at=self.started,
                finished_at=datetime.now(UTC),
            )

    def pagerduty(self, window: Window, *, named: bool = False) -> dict[str, int]:
        """The window's incidents; with ``named``, also the incidents post-mortems name
        that the store lacks (outside the window), when any is left to look up."""
        with Session(self.engine) as session:
            cursor = self.cursor(session, "pagerduty")
        extra: list[str] = []
        if named:
            done = looked_up(cursor)
            extra = [ref.value for ref in self._named_incidents_missing()]
            if not set(extra) - done:
                return {}
        batch, cursor = fetch_pagerduty(
            endpoint=self.endpoint("pagerduty"),
            window=window,
            cursor=cursor,
            now=self.now,
            extra_incidents=extra,
            counter=self.counters["pagerduty"],
            retry=self.retry,
        )
        self._save("pagerduty", lambda s: store.save_incidents(session=s, batch=batch), cursor)
        return {"incidents": len(batch.incidents), "log entries": len(batch.log_events)}

    def github(self) -> dict[str, int]:
        section = self.config.sources.github
        assert section is not None
        with Session(self.engine) as session:
            cursor = self.cursor(session, "github")
            known = store.known_blob_shas(session=session)
            refs = self._issue_refs(session)
        batch, cursor = fetch_github(
            endpoint=self.endpoint("github"),
            repo=section.repo,
            path=section.path,
            cursor=cursor,
            known_blobs=known,
            issue_refs=refs,
            counter=self.counters["github"],
            retry=self.retry,
        )
        self._save("github", lambda s: store.save_documents(session=s, batch=batch), cursor)
        return {
            "commits": len(batch.commits),
            "blobs": len(batch.blobs),
            "issues": len(batch.issues),
        }

    def slack(self, window: Window) -> dict[str, int]:
        section = self.config.sources.slack
        assert section is not None
        policy = self.config.policy
        with Session(self.engine) as session:
            cursor = self.cursor(session, "slack")
            incidents = store.load_incidents(session=session, since=window.since)
        by_id = policy.ticket_id == "{incident_id}"
        keys = {(i.id if by_id else str(i.number)): i.resolved_at for i in incidents}
        scope = WarRoomScope(prefix=policy.warroom.prefix or "incident-", keys=keys)
        batch, cursor = fetch_slack(
            endpoint=self.endpoint("slack"),
            incidents_channel=section.incidents_channel,
            war_rooms=scope,
            cursor=cursor,
            now=self.now,
            since=window.since,
            counter=self.counters["slack"],
            retry=self.retry,
        )
        self._save("slack", lambda s: store.save_chat(session=s, batch=batch), cursor)
        return {
            "channels": len(batch.channels),
            "messages": len(batch.messages),
            "summary posts": len(batch.incidents_posts),
        }

    def _postmortem_texts(self, session: Session) -> list[str]:
        section = self.config.sources.github
        if section is None:
            return []
        files = store.postmortem_files_at(session=session, as_of=self.now, folder=section.path)
        return list(store.load_blobs(session=session, shas=(f.blob_sha for f in files)).values())

    def _issue_refs(self, session: Session) -> list[IssueRef]:
        section = self.config.sources.github
        assert section is not None
        refs: dict[IssueRef, None] = {}
        for text in self._postmortem_texts(session):
            for ref in extract_issue_refs(
                text, default_repo=section.repo, github_web=section.web_url
            ):
                refs[ref] = None
        return list(refs)

    def _named_incidents_missing(self) -> list[IncidentRef]:
        pd = self.config.sources.pagerduty
        assert pd is not None
        from urllib.parse import urlsplit

        hosts = tuple(h for h in [urlsplit(pd.web_url).hostname] if h)
        ticket = "id" if self.config.policy.ticket_id == "{incident_id}" else "number"
        prefix = self.config.policy.warroom.prefix or "incident-"
        with Session(self.engine) as session:
            named: dict[IncidentRef, None] = {}
            for text in self._postmortem_texts(session):
                for ref in incident_refs(text, web_hosts=hosts, prefix=prefix, ticket=ticket):
                    named[ref] = None
            known = store.load_incidents(session=session)
        ids = {i.id for i in known}
        numbers = {str(i.number) for i in known}
        return [r for r in named if r.value not in (ids if r.kind == "id" else numbers)]
