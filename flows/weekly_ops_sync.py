"""The weekly ops-sync report as a Prefect flow: sync, evaluate eight weeks, write, publish.

The report lands in ``report.output_dir`` (Markdown, HTML, evidence pack, manifest) and
in the Prefect UI as artifacts: the report, its violations as a table, a link to the
HTML file.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from pydantic import BaseModel, Field

from opsaudit import flowtasks
from opsaudit.config import load_config
from opsaudit.publish.artifacts import publish_artifacts
from opsaudit.runtime import open_runtime
from opsaudit.weekly import default_week, parse_week, trend_window, write_report


class ReportParams(BaseModel):
    """Parameters of a weekly ops-sync report (the form in the Prefect UI)."""

    config: str = Field("opsaudit.yaml", description="Path of the configuration file")
    week: str | None = Field(
        None, pattern=r"^\d{4}-W\d{2}$", description="ISO week, e.g. 2026-W47 (default: last)"
    )
    as_of: datetime | None = Field(None, description='"Now" for every deadline (default: now)')
    offline: bool = Field(False, description="Report on what is stored, without syncing")
    output_dir: str | None = Field(None, description="Where to write (default: report.output_dir)")


@flow(name="weekly-ops-sync", log_prints=True)
def weekly_ops_sync(params: ReportParams | None = None) -> dict[str, Any]:
    """Sync the sources, evaluate the last eight weeks, write and publish the report."""
    params = params or ReportParams()
    logger = get_run_logger()
    config = load_config(params.config)
    as_of = flowtasks.aware(params.as_of) if params.as_of else datetime.now(UTC)
    week = parse_week(params.week) if params.week else default_week(as_of)
    with open_runtime(config) as runtime:
        sources = flowtasks.sync_in_tasks(
            runtime=runtime,
            window=trend_window(week),
            offline=params.offline,
            progress=logger.info,
        )
        files = write_report(
            runtime=runtime,
            week=week,
            as_of=as_of,
            sources=sources,
            output_dir=Path(params.output_dir or config.report.output_dir),
        )
    publish_artifacts(files)
    logger.info("report %s written to %s", week, files.html)
    return {
        "week": week,
        "markdown": str(files.markdown),
        "html": str(files.html),
        "failed_sources": files.outcome.failed_sources,
    }
