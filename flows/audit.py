"""The audit as a Prefect flow: one sync task per source step, then evaluate and store.

Tasks are per source (with retries), never per incident: the evaluation is plain code
over the whole snapshot. Tokens come from the environment or the Prefect Secret blocks
``pagerduty-api-token``, ``slack-bot-token`` and ``github-token``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, Field

from opsaudit import store
from opsaudit.audit import audit_window, evaluate_step, statuses_of, stored_statuses
from opsaudit.config import load_config
from opsaudit.secrets import resolve_tokens
from opsaudit.sources.base import DEFAULT_RETRY
from opsaudit.sync import STEPS, SyncRun
from opsaudit.timeparse import parse_instant


class AuditParams(BaseModel):
    """Parameters of an audit run (the form in the Prefect UI)."""

    config: str = Field("opsaudit.yaml", description="Path of the configuration file")
    since: date | None = Field(None, description="Window start (default: as-of - lookback)")
    until: date | None = Field(None, description="Window end, exclusive (default: as-of)")
    as_of: datetime | None = Field(None, description='"Now" for every deadline (default: now)')
    offline: bool = Field(False, description="Evaluate what is stored, without syncing")


@task(retries=2, retry_delay_seconds=[5, 30], cache_policy=NO_CACHE)
def sync_source(run: SyncRun, step: str) -> dict[str, int]:
    """Fetch one source step into the store (the source retries its own requests)."""
    return run.fetch(step)


@flow(name="audit", log_prints=True)
def audit(params: AuditParams | None = None) -> dict[str, Any]:
    """Sync PagerDuty, GitHub and Slack, evaluate every check at as-of, store the results."""
    params = params or AuditParams()
    logger = get_run_logger()
    config = load_config(params.config)
    as_of = _aware(params.as_of) if params.as_of else datetime.now(UTC)
    window = audit_window(
        config=config,
        as_of=as_of,
        since=_day(params.since),
        until=_day(params.until),
    )
    engine = store.open_store(config.database.url)
    run = SyncRun(
        config=config,
        tokens={} if params.offline else resolve_tokens(config),
        engine=engine,
        window=window,
        full=False,
        retry=DEFAULT_RETRY,
        now=datetime.now(UTC),
        progress=logger.info,
    )
    if params.offline:
        sources = stored_statuses(config=config, engine=engine)
    else:
        for step in STEPS:
            if run.wants(step):
                state = sync_source(run, step, return_state=True)
                if state.is_failed():
                    run.failed(step, _exception(state))
        sources = statuses_of(run.report())
    outcome = evaluate_step(
        config=config, engine=engine, window=window, as_of=as_of, sources=sources
    )
    engine.dispose()
    counts: dict[str, int] = {}
    for result in outcome.results:
        counts[result.status] = counts.get(result.status, 0) + 1
    logger.info("audit run %s: %s", outcome.run_id, counts)
    return {"run_id": outcome.run_id, "counts": counts, "failed_sources": outcome.failed_sources}


def _day(value: date | None) -> datetime | None:
    return parse_instant(value.isoformat()) if value else None


def _exception(state: Any) -> BaseException:
    try:
        state.result()
    except BaseException as exc:  # the task's own exception, re-raised by Prefect
        return exc
    return RuntimeError("the task failed")


def _aware(moment: datetime) -> datetime:
    """A date-time from the form, in UTC (a naive one is read as UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
