"""The audit as a Prefect flow: one sync task per source step, then evaluate and store.

Tasks are per source (with retries), never per incident: the evaluation is plain code
over the whole snapshot. Tokens come from the environment or from the Prefect Secret
blocks each source declares (``opsaudit.sources.table``; interface.md lists them).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from prefect import flow, get_run_logger
from pydantic import BaseModel, Field

from opsaudit import flowtasks
from opsaudit.audit import audit_window
from opsaudit.config import load_config
from opsaudit.runtime import open_runtime


class AuditParams(BaseModel):
    """Parameters of an audit run (the form in the Prefect UI)."""

    config: str = Field("opsaudit.yaml", description="Path of the configuration file")
    since: date | None = Field(None, description="Window start (default: as-of - lookback)")
    until: date | None = Field(None, description="Window end, exclusive (default: as-of)")
    as_of: datetime | None = Field(None, description='"Now" for every deadline (default: now)')
    offline: bool = Field(False, description="Evaluate what is stored, without syncing")


@flow(name="audit", log_prints=True)
def audit(params: AuditParams | None = None) -> dict[str, Any]:
    """Sync every configured source, evaluate every check at as-of, store the results."""
    params = params or AuditParams()
    logger = get_run_logger()
    config = load_config(params.config)
    as_of = flowtasks.aware(params.as_of) if params.as_of else datetime.now(UTC)
    since, until = flowtasks.day_start(params.since), flowtasks.day_start(params.until)
    window = audit_window(config=config, as_of=as_of, since=since, until=until)
    with open_runtime(config) as runtime:
        sources = flowtasks.sync_in_tasks(
            runtime=runtime, window=window, offline=params.offline, progress=logger.info
        )
        outcome = runtime.evaluate(window=window, as_of=as_of, sources=sources)
    counts: dict[str, int] = {}
    for result in outcome.results:
        counts[result.status] = counts.get(result.status, 0) + 1
    logger.info("audit run %s: %s", outcome.run_id, counts)
    return {"run_id": outcome.run_id, "counts": counts, "failed_sources": outcome.failed_sources}
