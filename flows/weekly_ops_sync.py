"""The weekly ops-sync report as a Prefect flow: sync, evaluate eight weeks, write, publish.

The report lands in ``report.output_dir`` (Markdown, HTML, evidence pack, manifest), in
the digest channel (its HTML and Markdown, with the headline summary, once a week), and
in the Prefect UI as artifacts: the report, its violations as a table, a link to the
HTML where it is read (``report.base_url``, else the uploaded file's Slack permalink).
A refused upload (e.g. no ``files:write`` scope) ends the run Failed, after the rest.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from prefect import flow, get_run_logger
from pydantic import Field

from opsaudit import flowtasks
from opsaudit.config import load_config
from opsaudit.posting import publish_report
from opsaudit.publish.artifacts import publish_artifacts
from opsaudit.runtime import open_runtime
from opsaudit.secrets import resolve_tokens
from opsaudit.sources.base import SourceError
from opsaudit.weekly import default_week, parse_week, trend_window, write_report

ISOWeek = Annotated[str, Field(pattern=r"^\d{4}-W\d{2}$")]


@flow(name="weekly-ops-sync", log_prints=True)
def weekly_ops_sync(
    config: str | None = None,
    week: ISOWeek | None = None,
    as_of: datetime | None = None,
    offline: bool = False,
    output_dir: str | None = None,
    publish: bool = True,
) -> dict[str, Any]:
    """Sync the sources, evaluate the last eight weeks, write and publish the report.

    Args:
        config: Path of the configuration file. Empty: $OPSAUDIT_CONFIG, else
            opsaudit.yaml in the worker's working directory (prefect.yaml's pull step
            sets it to the folder the deployment was made from).
        week: ISO week to report on, e.g. 2026-W47. Empty: the last complete week.
        as_of: "Now" for every deadline. Empty: the real current time.
        offline: Report on what is stored, without syncing.
        output_dir: Where to write the report. Empty: the configuration's report.output_dir.
        publish: Upload the report's HTML and Markdown to the digest channel with the
            headline summary (once a week: a re-run uploads nothing new).
    """
    logger = get_run_logger()
    settings = load_config(config)
    moment = flowtasks.aware(as_of) if as_of else datetime.now(UTC)
    chosen = parse_week(week) if week else default_week(moment)
    with open_runtime(settings) as runtime:
        sources = flowtasks.sync_in_tasks(
            runtime=runtime, window=trend_window(chosen), offline=offline, progress=logger.info
        )
        files = write_report(
            runtime=runtime,
            week=chosen,
            as_of=moment,
            sources=sources,
            output_dir=Path(output_dir or settings.report.output_dir),
        )
        link = settings.report.link(files.html.name)
        refused = None
        if publish:
            try:
                uploaded = publish_report(
                    runtime=runtime, files=files, tokens=resolve_tokens(settings)
                )
            except SourceError as exc:
                refused = f"the report {chosen} is written but not published: {exc}"
                logger.error("%s", refused)
            else:
                logger.info("%s", uploaded.describe(settings.digest.channel))
                link = link or uploaded.html_link or None
    publish_artifacts(files, link=link)
    logger.info("report %s written to %s", chosen, files.html)
    flowtasks.raise_if_failed(files.outcome.sources, what=f"report {chosen} is written")
    if refused:
        raise flowtasks.PublishFailed(refused)
    return {
        "week": chosen,
        "markdown": str(files.markdown),
        "html": str(files.html),
        "link": link,
        "failed_sources": files.outcome.failed_sources,
    }
