"""The Prefect tasks the flows share: one sync task per source step, never per incident.

Kept in the package (not in ``flows/``) so that every flow file imports the same tasks
however Prefect loads it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State, TaskRun
from sqlalchemy.orm import Session

from opsaudit import store
from opsaudit.auditrun import AuditRun
from opsaudit.config import ConfigError
from opsaudit.runtime import Runtime
from opsaudit.secrets import resolve_tokens
from opsaudit.snapshot import SourceStatus
from opsaudit.sources.base import DEFAULT_RETRY, SourceError, Window
from opsaudit.sources.table import step_source
from opsaudit.sync import STEP_NAMES, SyncRun
from opsaudit.timeparse import parse_instant


class SourcesFailed(Exception):
    """Raised at the end of a flow run whose sources did not all sync: its results and
    artifacts are stored, and the run ends Failed so that Prefect's notifications fire."""


class PublishFailed(Exception):
    """Raised at the end of a flow run whose files are written but whose upload to the
    chat channel was refused (a missing scope, no such channel)."""


def transient(task: Any, task_run: TaskRun, state: State[Any]) -> bool:
    """Whether a failed step is worth a task retry: not when the source itself gave up
    (a refused token, a missing scope, a 404, an untrusted certificate, its deadline):
    it has retried its own requests already, and trying again cannot change that."""
    error = state.result(raise_on_failure=False)
    return not isinstance(error, SourceError | ConfigError)


@task(
    retries=2,
    retry_delay_seconds=[5, 30],
    retry_condition_fn=transient,
    task_run_name="sync-{step}",
    cache_policy=NO_CACHE,
)
def sync_source(run: SyncRun, step: str) -> dict[str, int]:
    """Fetch one source step into the store (the source retries its own requests) and
    log what it cost: requests, records stored, time."""
    started = time.monotonic()
    stored = run.fetch(step)
    requests = run.outcomes[step_source(step).name].requests
    what = ", ".join(f"{count:,} {name}" for name, count in stored.items()) or "nothing new"
    took = time.monotonic() - started
    get_run_logger().info("%s: %s; %s requests so far; %.1f s", step, what, requests, took)
    return stored


def raise_if_failed(sources: Mapping[str, SourceStatus], *, what: str) -> None:
    """End the flow run Failed, naming each failed source and why (after its results and
    artifacts are stored)."""
    failed = [s.error or f"{name}: failed" for name, s in sources.items() if s.status == "failed"]
    if failed:
        why = "; ".join(failed)
        raise SourcesFailed(f"{what}, but a source failed (its checks are unknown): {why}")


def sync_in_tasks(
    *,
    runtime: Runtime,
    window: Window,
    offline: bool,
    progress: Any,
) -> dict[str, SourceStatus]:
    """Sync every configured source, a task per step (or nothing when ``offline``).

    A step whose task fails for good marks its source failed; the others carry on.
    """
    if offline:
        return runtime.stored_statuses()
    run = SyncRun(
        config=runtime.config,
        tokens=resolve_tokens(runtime.config),
        engine=runtime.engine,
        window=window,
        full=False,
        retry=DEFAULT_RETRY,
        now=datetime.now(UTC),
        progress=progress,
    )
    for step in STEP_NAMES:
        if run.wants(step):
            state = sync_source(run, step, return_state=True)
            if state.is_failed():
                run.failed(step, _exception(state))
    return dict(run.report().outcomes)


def new_violations(runtime: Runtime, run: AuditRun) -> set[tuple[str, str]]:
    """The run's violations that the run stored before it did not have."""
    with Session(runtime.engine) as session:
        before = store.previous_run_id(session=session, run_id=run.run_id)
        old = store.load_results(session=session, run_id=before) if before is not None else []
    seen = {(r.rule, r.subject_key) for r in old if r.status == "violation"}
    return {r.sort_key() for r in run.results if r.status == "violation"} - seen


def day_start(value: date | None) -> datetime | None:
    """A form's date as 00:00 UTC of that day."""
    return parse_instant(value.isoformat()) if value else None


def aware(moment: datetime) -> datetime:
    """A date-time from a form, in UTC (a naive one is read as UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _exception(state: Any) -> BaseException:
    try:
        state.result()
    except BaseException as exc:  # the task's own exception, re-raised by Prefect
        return exc
    return RuntimeError("the task failed")
