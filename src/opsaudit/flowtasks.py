"""The Prefect tasks the flows share: one sync task per source step, never per incident.

Kept in the package (not in ``flows/``) so that every flow file imports the same tasks
however Prefect loads it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from opsaudit.runtime import Runtime
from opsaudit.secrets import resolve_tokens
from opsaudit.snapshot import SourceStatus
from opsaudit.sources.base import DEFAULT_RETRY, Window
from opsaudit.sync import STEP_NAMES, SyncRun
from opsaudit.timeparse import parse_instant


@task(retries=2, retry_delay_seconds=[5, 30], cache_policy=NO_CACHE)
def sync_source(run: SyncRun, step: str) -> dict[str, int]:
    """Fetch one source step into the store (the source retries its own requests)."""
    return run.fetch(step)


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
