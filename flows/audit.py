"""The audit as a Prefect flow: one sync task per source step, then evaluate and store.

Tasks are per source (with retries), never per incident: the evaluation is plain code
over the whole snapshot. Tokens come from the environment or from the Prefect Secret
blocks each source declares (``opsaudit.sources.table``; interface.md lists them).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from prefect import flow, get_run_logger

from opsaudit import flowtasks
from opsaudit.audit import audit_window
from opsaudit.config import load_config
from opsaudit.publish.artifacts import publish_audit_artifacts
from opsaudit.runtime import open_runtime


@flow(name="audit", log_prints=True)
def audit(
    config: str | None = None,
    since: date | None = None,
    until: date | None = None,
    as_of: datetime | None = None,
    offline: bool = False,
) -> dict[str, Any]:
    """Sync every configured source, evaluate every check at as-of, store the results.

    Args:
        config: Path of the configuration file. Empty: $OPSAUDIT_CONFIG, else
            opsaudit.yaml in the worker's working directory (prefect.yaml's pull step
            sets it to the folder the deployment was made from).
        since: Window start, a date (00:00 UTC). Empty: as-of minus the policy's lookback.
        until: Window end, exclusive. Empty: as-of.
        as_of: "Now" for every deadline. Empty: the real current time.
        offline: Evaluate what is stored, without syncing.
    """
    logger = get_run_logger()
    settings = load_config(config)
    moment = flowtasks.aware(as_of) if as_of else datetime.now(UTC)
    start, end = flowtasks.day_start(since), flowtasks.day_start(until)
    window = audit_window(config=settings, as_of=moment, since=start, until=end)
    with open_runtime(settings) as runtime:
        sources = flowtasks.sync_in_tasks(
            runtime=runtime, window=window, offline=offline, progress=logger.info
        )
        outcome = runtime.evaluate(window=window, as_of=moment, sources=sources)
        new = flowtasks.new_violations(runtime, outcome)
    publish_audit_artifacts(outcome, new=new)
    counts: dict[str, int] = {}
    for result in outcome.results:
        counts[result.status] = counts.get(result.status, 0) + 1
    logger.info("audit run %s: %s", outcome.run_id, counts)
    flowtasks.raise_if_failed(outcome.sources, what=f"audit run {outcome.run_id} is stored")
    return {"run_id": outcome.run_id, "counts": counts, "failed_sources": outcome.failed_sources}
