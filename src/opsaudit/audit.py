"""One audit: sync (unless offline), snapshot at as-of, evaluate, store, and the JSON document.

This is the imperative shell around the pure checks; the store it works on is opened
by the composition root (:mod:`opsaudit.runtime`), which calls :func:`evaluate_step`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from opsaudit import store
from opsaudit.auditrun import AuditRun
from opsaudit.calendar import BusinessCalendar
from opsaudit.checks.catalogue import catalogue
from opsaudit.checks.context import AuditSettings, Context
from opsaudit.checks.facts import audit_run
from opsaudit.checks.model import Result, zulu
from opsaudit.config import Config
from opsaudit.engine import evaluate
from opsaudit.parsing.cache import ParseCache
from opsaudit.snapshot import SourceStatus
from opsaudit.sources.base import Window
from opsaudit.sources.table import SOURCE_NAMES, providers
from opsaudit.store.snapshot_loader import load_snapshot

SCHEMA = "opsaudit.results/v1"


__all__ = [
    "SCHEMA",
    "audit_window",
    "build_context",
    "evaluate_step",
    "results_document",
]


def audit_window(
    *, config: Config, as_of: datetime, since: datetime | None, until: datetime | None
) -> Window:
    """``[since, until)``; by default the policy's look-back up to as-of."""
    until = until or as_of
    since = since or until - timedelta(days=config.policy.lookback_days or 90)
    return Window(since=since, until=until)


def build_context(
    *,
    config: Config,
    engine: Engine,
    window: Window,
    as_of: datetime,
    sources: dict[str, SourceStatus],
) -> Context:
    policy = config.policy
    with Session(engine) as session:
        snapshot = load_snapshot(
            session=session,
            as_of=as_of,
            sources=sources,
            postmortem_folder=config.sources.postmortem_folder(),
            war_room_prefix=policy.warroom.prefix or "incident-",
        )
        # parses kept by earlier runs: an unchanged post-mortem is not parsed again
        shas = (f.blob_sha for f in snapshot.postmortems)
        parses = ParseCache(store.load_parses(session=session, shas=shas))
    # each configured source section gives what the checks' settings take from it
    settings = AuditSettings(
        window=window,
        cto=config.people.cto,
        services=config.services,
        **config.sources.audit_settings(),
    )
    return Context(
        snapshot=snapshot,
        policy=policy,
        settings=settings,
        calendar=BusinessCalendar.from_policy(policy),
        parses=parses,
    )


def evaluate_step(
    *,
    config: Config,
    engine: Engine,
    window: Window,
    as_of: datetime,
    sources: dict[str, SourceStatus],
) -> AuditRun:
    """Evaluate every check at as-of, store the run and its results, build the document."""
    context = build_context(
        config=config, engine=engine, window=window, as_of=as_of, sources=sources
    )
    specs = catalogue()
    results = evaluate(context, providers=providers(), waivers=config.waivers, checks=specs)
    document = results_document(results=results, as_of=as_of, window=window, sources=sources)
    with Session(engine) as session, session.begin():
        run_id = store.start_audit_run(
            session=session,
            started_at=datetime.now(UTC),
            as_of=as_of,
            since=window.since,
            until=window.until,
        )
        store.save_results(session=session, run_id=run_id, as_of=as_of, results=document["results"])
        store.save_parses(session=session, parses=context.parses.fresh())
        store.finish_audit_run(
            session=session,
            run_id=run_id,
            finished_at=datetime.now(UTC),
            status="done",
            sources=document["sources"],
        )
    run = audit_run(context, results, specs=specs, run_id=run_id, document=document)
    return replace(run, sources=dict(sources))


def results_document(
    *, results: list[Result], as_of: datetime, window: Window, sources: dict[str, SourceStatus]
) -> dict[str, Any]:
    """The ``opsaudit.results/v1`` document of interface.md."""
    return {
        "schema": SCHEMA,
        "as_of": zulu(as_of),
        "window": {"since": zulu(window.since), "until": zulu(window.until)},
        "sources": {name: _source_json(sources[name]) for name in SOURCE_NAMES if name in sources},
        "results": [r.as_json() for r in results],
    }


def _source_json(status: SourceStatus) -> dict[str, Any]:
    data: dict[str, Any] = {"status": status.status, "requests": status.requests}
    if status.status == "failed":
        data["error"] = status.error or "failed"
    return data
