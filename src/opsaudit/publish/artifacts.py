"""Prefect artifacts: of an audit run, a summary table and its results in Markdown; of a
weekly report, the report itself, its violations, a link to the HTML where people read
it (``report.base_url``, else its upload's Slack permalink; never a path on the worker);
of a digest, what was posted or would be.

Only called inside a flow run (Prefect warns when artifacts are made outside one).
Keys are stable, so the UI shows the latest of each with its history.
"""

from __future__ import annotations

from collections.abc import Set
from typing import TYPE_CHECKING

from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_table_artifact,
)

from opsaudit.checks.model import STATUSES, zulu
from opsaudit.publish.formats import render
from opsaudit.publish.report_text import md_escape

if TYPE_CHECKING:
    from opsaudit.auditrun import AuditRun
    from opsaudit.publish.digest import DigestOutcome
    from opsaudit.weekly import ReportFiles

REPORT_KEY = "ops-sync-report"
VIOLATIONS_KEY = "ops-sync-violations"
HTML_KEY = "ops-sync-html"
AUDIT_SUMMARY_KEY = "audit-summary"
AUDIT_RESULTS_KEY = "audit-results"
DIGEST_KEY = "violation-digest"


def audit_summary_rows(run: AuditRun, *, new: Set[tuple[str, str]]) -> list[dict[str, object]]:
    """One row a check: its title, its count of each status, and its new violations."""
    rows: list[dict[str, object]] = []
    for spec in sorted(run.specs, key=lambda s: s.id):
        mine = [r for r in run.results if r.rule == spec.id]
        row: dict[str, object] = {"check": spec.id, "title": run.titles.get(spec.id, "")}
        row |= {status: sum(1 for r in mine if r.status == status) for status in STATUSES}
        row["new violations"] = sum(1 for r in mine if r.sort_key() in new)
        rows.append(row)
    return rows


def publish_audit_artifacts(run: AuditRun, *, new: Set[tuple[str, str]]) -> None:
    """The run's counts by check and status (new violations and failed sources in its
    description) and its results as Markdown."""
    failed = ", ".join(run.failed_sources) or "none"
    headline = (
        f"Audit run {run.run_id} as of {zulu(run.as_of)}: {run.violations} violations, "
        f"{len(new)} new since the last run; failed sources: {failed}"
    )
    create_table_artifact(
        table=audit_summary_rows(run, new=new), key=AUDIT_SUMMARY_KEY, description=headline
    )
    create_markdown_artifact(
        markdown=render(run.document, "md"), key=AUDIT_RESULTS_KEY, description=headline
    )


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


def publish_artifacts(files: ReportFiles, *, link: str | None) -> None:
    """The report as a markdown artifact, the violations as a table, and ``link`` to the
    HTML where it is read (no link artifact without one)."""
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
    if link:
        create_link_artifact(
            link=link,
            link_text=files.html.name,
            key=HTML_KEY,
            description="The report as one self-contained HTML file",
        )


def digest_markdown(sent: DigestOutcome, *, channel: str) -> str:
    """What a digest run did, and the violations it announced (or would)."""
    where = f"#{md_escape(channel.removeprefix('#'))}"
    said = {
        "posted": f"Posted to {where} (ts {sent.ts}, {len(sent.digest.replies)} thread replies).",
        "dry_run": f"Dry run: would be posted to {where}; nothing was posted.",
        "already_sent": "Nothing posted: the same digest was posted before.",
        "nothing_new_already_sent": "Nothing posted: nothing new since the digest at this as-of.",
    }[sent.reason]
    lines = [
        "# Violation digest",
        "",
        said,
        "",
        f"**{len(sent.digest.announced)} new violations** since the last digest; "
        f"{sent.digest.still_open} open at as-of {zulu(sent.digest.as_of)}.",
        "",
    ]
    lines += [f"- `{md_escape(rule)}` {md_escape(key)}" for rule, key in sent.digest.announced]
    lines += [f"\n> {md_escape(warning)}" for warning in sent.warnings]
    return "\n".join(lines) + "\n"


def publish_digest_artifact(sent: DigestOutcome, *, channel: str) -> None:
    """What the digest run posted (or would post), and how many violations were new."""
    create_markdown_artifact(
        markdown=digest_markdown(sent, channel=channel),
        key=DIGEST_KEY,
        description=f"Violation digest: {sent.reason.replace('_', ' ')}, "
        f"{len(sent.digest.announced)} new violations",
    )
