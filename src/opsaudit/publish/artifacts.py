"""Prefect artifacts of a weekly report: the report itself, its violations, the HTML file.

Only called inside a flow run (Prefect warns when artifacts are made outside one).
Keys are stable, so the UI shows the latest of each with its history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_table_artifact,
)

if TYPE_CHECKING:
    from opsaudit.weekly import ReportFiles

REPORT_KEY = "ops-sync-report"
VIOLATIONS_KEY = "ops-sync-violations"
HTML_KEY = "ops-sync-html"


def violation_rows(files: ReportFiles) -> list[dict[str, str]]:
    """One row a violation: rule, subject, severity, message, first evidence link."""
    rows = []
    for result in files.outcome.results:
        if result.status != "violation":
            continue
        link = next((e.url or e.ref for e in result.evidence), result.subject.url or "")
        rows.append(
            {
                "rule": result.rule,
                "subject": result.subject.key,
                "severity": result.severity or "",
                "message": result.message,
                "evidence": link,
            }
        )
    return rows


def publish_artifacts(files: ReportFiles) -> None:
    """The report as a markdown artifact, the violations as a table, a link to the HTML."""
    week = files.markdown.stem.removeprefix("ops-sync-")
    create_markdown_artifact(
        markdown=files.markdown.read_text(encoding="utf-8"),
        key=REPORT_KEY,
        description=f"Weekly ops-sync report {week}",
    )
    create_table_artifact(
        table=violation_rows(files),
        key=VIOLATIONS_KEY,
        description=f"Violations in the ops-sync report {week}",
    )
    create_link_artifact(
        link=files.html.resolve().as_uri(),
        link_text=files.html.name,
        key=HTML_KEY,
        description="The report as one self-contained HTML file",
    )
