"""The composition root: one store opened and migrated per run, synced, evaluated, closed.

Every entry point (the CLI's commands, the Prefect flows, the demo, the weekly report)
goes through :func:`open_runtime`: the store is opened once, migrated once (under a
lock, see :func:`opsaudit.store.migrate_store`), and its engine disposed of at the end
whatever happens. :func:`run_audit` is the whole of ``opsaudit audit``: open, sync
(unless offline), evaluate, close.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine

from opsaudit import store
from opsaudit.audit import evaluate_step
from opsaudit.auditrun import AuditRun
from opsaudit.config import Config, ConfigError
from opsaudit.snapshot import SourceStatus
from opsaudit.sources.base import DEFAULT_RETRY, RetryPolicy, Window
from opsaudit.sync import SyncReport, run_sync, stored_statuses

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Runtime:
    """An open store and the configuration it serves, for one run."""

    config: Config
    engine: Engine

    def sync(
        self,
        *,
        tokens: dict[str, str],
        window: Window,
        now: datetime | None = None,
        full: bool = False,
        retry: RetryPolicy = DEFAULT_RETRY,
        progress: Progress = lambda _m: None,
    ) -> SyncReport:
        """Sync every configured source into the store (``now`` defaults to now)."""
        return run_sync(
            config=self.config,
            tokens=tokens,
            window=window,
            now=now or datetime.now(UTC),
            engine=self.engine,
            full=full,
            retry=retry,
            progress=progress,
        )

    def statuses(
        self,
        *,
        tokens: dict[str, str],
        window: Window,
        offline: bool,
        retry: RetryPolicy = DEFAULT_RETRY,
        progress: Progress = lambda _m: None,
    ) -> dict[str, SourceStatus]:
        """The sources' statuses for a run: as the last sync left them when
        ``offline``, else after syncing them now."""
        if offline:
            return self.stored_statuses()
        report = self.sync(tokens=tokens, window=window, retry=retry, progress=progress)
        return dict(report.outcomes)

    def stored_statuses(self) -> dict[str, SourceStatus]:
        """Each source as its last sync left it; no request is made."""
        return stored_statuses(config=self.config, engine=self.engine)

    def evaluate(
        self, *, window: Window, as_of: datetime, sources: dict[str, SourceStatus]
    ) -> AuditRun:
        """Evaluate every check at as-of over this store; the run is stored too."""
        return evaluate_step(
            config=self.config, engine=self.engine, window=window, as_of=as_of, sources=sources
        )


@contextmanager
def open_runtime(config: Config) -> Iterator[Runtime]:
    """Open and migrate the store of ``config``; dispose of its engine on the way out.

    A database URL that is no usable database, or a database that does not answer, is
    a :class:`ConfigError` naming the configuration file and ``database.url``."""
    try:
        engine = store.open_store(config.database.url, migrate=True)
    except ConfigError as exc:
        if config.file is None:
            raise
        raise ConfigError(f"{config.file}: {exc}") from None
    try:
        yield Runtime(config=config, engine=engine)
    finally:
        engine.dispose()


def run_audit(
    *,
    config: Config,
    tokens: dict[str, str],
    window: Window,
    as_of: datetime,
    offline: bool = False,
    retry: RetryPolicy = DEFAULT_RETRY,
    progress: Progress = lambda _m: None,
) -> AuditRun:
    """Sync what is needed (not when ``offline``), then evaluate and store."""
    with open_runtime(config) as runtime:
        sources = runtime.statuses(
            tokens=tokens, window=window, offline=offline, retry=retry, progress=progress
        )
        return runtime.evaluate(window=window, as_of=as_of, sources=sources)
