"""One sync: each configured source fetched and stored, failures contained.

The steps run in the order of the table (:data:`opsaudit.sources.table.STEPS`). Each
step's batch and its source's cursor are saved in one transaction, so a source that
fails leaves everything stored before untouched, is marked failed, and the others
carry on. Two syncs of one source at once take turns, step by step: the second waits
for the first (:func:`opsaudit.store.source_lock`).
"""

from __future__ import annotations

from collections.abc import Callable, Set
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from opsaudit import store
from opsaudit.config import Config
from opsaudit.parsing.cache import ParseCache
from opsaudit.parsing.incident_refs import IncidentRef
from opsaudit.records import Incident
from opsaudit.secrets import Redactor
from opsaudit.snapshot import SourceStatus
from opsaudit.sources.base import (
    DEFAULT_RETRY,
    Cursor,
    Deadline,
    Endpoint,
    RequestCounter,
    RetryPolicy,
    Window,
)
from opsaudit.sources.protocol import FetchJob, Source
from opsaudit.sources.table import SOURCE_NAMES, SOURCES, STEPS, step_source

Progress = Callable[[str], None]
ERROR_LIMIT = 300  # characters of a failed source's error, stored and published
STEP_NAMES: tuple[str, ...] = tuple(step for _, step in STEPS)

__all__ = [
    "ERROR_LIMIT",
    "SOURCE_NAMES",
    "STEP_NAMES",
    "SyncReport",
    "SyncRun",
    "describe_failure",
    "run_sync",
    "stored_statuses",
]


@dataclass
class SyncReport:
    outcomes: dict[str, SourceStatus]

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
    engine: Engine,
    full: bool = False,
    retry: RetryPolicy = DEFAULT_RETRY,
    progress: Progress = lambda _message: None,
) -> SyncReport:
    """Fetch every configured source into the store behind ``engine`` (the caller
    opened it and disposes of it: see :mod:`opsaudit.runtime`)."""
    run = SyncRun(
        config=config,
        tokens=tokens,
        engine=engine,
        window=window,
        full=full,
        retry=retry,
        now=now,
        progress=progress,
    )
    for step in STEP_NAMES:
        run.contained(step)
    return run.report()


@dataclass
class SyncRun:
    """One sync's state: the sources' statuses and request counts, step by step.

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
    outcomes: dict[str, SourceStatus] = field(default_factory=dict)
    deadlines: dict[str, Deadline] = field(default_factory=dict)  # from a source's first step

    def __post_init__(self) -> None:
        for source in SOURCES:
            configured = self.config.sources.section(source.name) is not None
            self.outcomes[source.name] = SourceStatus("ok" if configured else "not_configured")

    def wants(self, step: str) -> bool:
        """Whether the step is to run: its source is configured and has not failed."""
        return self.outcomes[step_source(step).name].status == "ok"

    def fetch(self, step: str) -> dict[str, int]:
        """Fetch and store one step; raises whatever went wrong (nothing is half-saved)."""
        source = step_source(step)
        self.progress(f"{step}: syncing")
        # another sync of this source (an audit, a flow) goes first: wait, then start
        # from the cursor it saved (opsaudit.store.locks)
        with store.source_lock(self.engine, source.name):
            with Session(self.engine) as session:
                cursor = self._cursor(session, source.name)
            fetched = source.fetch(step, self._job(source, cursor))
            stored: dict[str, int] = {}
            if fetched is not None:
                with Session(self.engine) as session, session.begin():
                    stored = dict(source.save(session, fetched.batch))
                    self._save_state(session, source.name, fetched.cursor)
        outcome = self.outcomes[source.name]
        counts = dict(outcome.stored)
        for what, count in stored.items():
            counts[what] = counts.get(what, 0) + count
        self.outcomes[source.name] = replace(
            outcome, stored=counts, requests=self.counters[source.name].count
        )
        return stored

    def failed(self, step: str, exc: BaseException) -> None:
        """Mark the step's source failed (its last good cursor stays) and say why."""
        name = step_source(step).name
        error = describe_failure(exc)
        requests = self.counters[name].count
        self.outcomes[name] = replace(
            self.outcomes[name], status="failed", error=error, requests=requests
        )
        self.progress(f"{name}: FAILED: {error}")
        with Session(self.engine) as session, session.begin():
            store.mark_sync_failed(
                session=session,
                source=name,
                error=error,
                requests=requests,
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
        return SyncReport(dict(self.outcomes))

    def _job(self, source: Source, cursor: Cursor | None) -> FetchJob:
        section = self.config.sources.section(source.name)
        assert section is not None  # wants() ran first
        return FetchJob(
            endpoint=Endpoint(
                api_url=section.api_url,
                token=self.tokens[source.name],
                ca_file=section.ca_file,
                deadline=self._deadline(source.name, section.timeout.total_seconds()),
            ),
            section=section,
            policy=self.config.policy,
            window=self.window,
            cursor=cursor,
            now=self.now,
            stored=StoreFacts(
                engine=self.engine,
                now=self.now,
                folder=self.config.sources.postmortem_folder(),
            ),
            counter=self.counters[source.name],
            retry=self.retry,
        )

    def _deadline(self, name: str, seconds: float) -> Deadline:
        """The source's deadline: one for all its steps, from the first one on."""
        if name not in self.deadlines:
            self.deadlines[name] = Deadline(
                source=name, seconds=seconds, key=f"sources.{name}.timeout", progress=self.progress
            )
        return self.deadlines[name]

    def _cursor(self, session: Session, name: str) -> Cursor | None:
        if self.full:
            return None
        state = store.load_sync_state(session=session, source=name)
        return state.cursor if state is not None else None

    def _save_state(self, session: Session, name: str, cursor: Cursor) -> None:
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


@dataclass(frozen=True)
class StoreFacts:
    """The store as a source reads it while syncing (:class:`~opsaudit.sources.protocol.
    StoredFacts`): each call reads what is stored now, earlier steps included."""

    engine: Engine
    now: datetime
    folder: str | None

    def incidents(self, *, since: datetime | None = None) -> list[Incident]:
        with Session(self.engine) as session:
            return store.load_incidents(session=session, since=since)

    def postmortem_texts(self) -> list[str]:
        if self.folder is None:
            return []
        with Session(self.engine) as session:
            files = store.postmortem_files_at(session=session, as_of=self.now, folder=self.folder)
            texts = store.load_blobs(session=session, shas=(f.blob_sha for f in files))
            return list(texts.values())

    def postmortem_incident_refs(
        self, *, web_hosts: tuple[str, ...], prefix: str, ticket: str, max_bytes: int | None
    ) -> list[IncidentRef]:
        if self.folder is None:
            return []
        found: dict[IncidentRef, None] = {}
        with Session(self.engine) as session, session.begin():
            files = store.postmortem_files_at(session=session, as_of=self.now, folder=self.folder)
            shas = [f.blob_sha for f in files]
            texts = store.load_blobs(session=session, shas=shas)
            parses = ParseCache(store.load_parses(session=session, shas=shas))
            for sha in dict.fromkeys(s for s in shas if s in texts):
                refs = parses.refs(
                    sha,
                    texts[sha],
                    web_hosts=web_hosts,
                    prefix=prefix,
                    ticket=ticket,
                    max_bytes=max_bytes,
                )
                found.update(dict.fromkeys(refs))
            store.save_parses(session=session, parses=parses.fresh())
        return list(found)

    def known_document_versions(self) -> Set[str]:
        with Session(self.engine) as session:
            return store.known_blob_shas(session=session)


def stored_statuses(*, config: Config, engine: Engine) -> dict[str, SourceStatus]:
    """Offline: each source as its last sync left it, and no request made now."""
    found: dict[str, SourceStatus] = {}
    with Session(engine) as session:
        for name in SOURCE_NAMES:
            if config.sources.section(name) is None:
                found[name] = SourceStatus("not_configured")
                continue
            state = store.load_sync_state(session=session, source=name)
            if state is None:
                found[name] = SourceStatus("failed", 0, "never synced: run opsaudit sync first")
            else:
                ok = state.status == "ok"
                # bounded again: a store written before errors were bounded may hold more
                error = short_line(state.error) if state.error is not None else None
                found[name] = SourceStatus("ok" if ok else "failed", 0, error)
    return found


def describe_failure(exc: BaseException) -> str:
    """Why a source failed, as it is stored and published: one line of at most
    :data:`ERROR_LIMIT` characters, tokens redacted.

    A database error says only its class and the first line of the driver's message:
    SQLAlchemy's own text carries the statement and its parameters (the source's text,
    a whole post-mortem), and the driver's further lines the offending key values.
    """
    if isinstance(exc, StatementError) and exc.orig is not None:
        orig = exc.orig
        kind = type(exc).__name__
        if type(orig).__name__ != kind:
            kind = f"{kind} ({type(orig).__name__})"
        reason = _first_line(Redactor.scrub(str(orig)))
        return short_line(
            f"database error {kind}: {reason}" if reason else f"database error {kind}"
        )
    reason = _first_line(Redactor.scrub(str(exc)))
    return short_line(reason or type(exc).__name__)


def short_line(text: str) -> str:
    """``text`` as one printable line of at most :data:`ERROR_LIMIT` characters."""
    line = "".join(c if c.isprintable() else " " for c in _first_line(Redactor.scrub(text)))
    line = " ".join(line.split())
    return line if len(line) <= ERROR_LIMIT else line[: ERROR_LIMIT - 1] + "…"


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")
