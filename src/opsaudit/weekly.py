"""The weekly ops-sync report as files: evaluate eight weeks, render, write, pack.

``opsaudit report`` and the ``weekly-ops-sync`` flow both call :func:`write_report`
after their sync; it evaluates the checks over the eight ISO weeks ending with the
report's week (so the trends have their history), stores the run, and writes
``ops-sync-<YYYY-Www>.md``, ``.html``, the evidence pack and its manifest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from opsaudit import store
from opsaudit.auditrun import AuditRun
from opsaudit.metrics import iso_week
from opsaudit.publish.evidence import write_pack
from opsaudit.publish.report import (
    OpsSyncReport,
    build_report,
    period_title,
    render_html,
    render_markdown,
    report_basename,
)
from opsaudit.runtime import Runtime
from opsaudit.snapshot import SourceStatus
from opsaudit.sources.base import Window

TREND_WEEKS = 8
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True)
class ReportFiles:
    report: OpsSyncReport
    outcome: AuditRun  # the evaluated run the files show
    markdown: Path
    html: Path
    evidence: Path
    manifest: Path


def parse_week(text: str) -> str:
    """``2026-W47`` checked to be a real ISO week (ValueError otherwise)."""
    match = _WEEK.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not an ISO week like 2026-W47")
    year, week = int(match.group(1)), int(match.group(2))
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValueError(f"{text!r}: {year} has no week {week}") from None
    return f"{year}-W{week:02d}"


def week_start(week: str) -> datetime:
    """Monday 00:00 UTC of an ISO week."""
    year, number = (int(part) for part in parse_week(week).split("-W"))
    return datetime.combine(date.fromisocalendar(year, number, 1), datetime.min.time(), UTC)


def default_week(as_of: datetime) -> str:
    """The last complete ISO week before as-of (on a Monday morning: the week just past)."""
    return iso_week(as_of - timedelta(days=7))


def trend_window(week: str) -> Window:
    """The eight ISO weeks ending with ``week``."""
    end = week_start(week) + timedelta(days=7)
    return Window(since=end - timedelta(days=7 * TREND_WEEKS), until=end)


def report_window(week: str, window: Window | None = None) -> Window:
    """What a report evaluates (and syncs): the eight weeks ending with ``week``, and,
    for a report on a range, the range too."""
    trend = trend_window(week)
    if window is None:
        return trend
    return Window(since=min(window.since, trend.since), until=window.until)


def write_report(
    *,
    runtime: Runtime,
    week: str,
    as_of: datetime,
    sources: dict[str, SourceStatus],
    output_dir: Path,
    window: Window | None = None,
) -> ReportFiles:
    """Evaluate, store and write the report of ``week`` into ``output_dir``.

    The checks are evaluated over the eight weeks ending with ``week``
    (:func:`trend_window`). With ``window``, the report is of that range (``week`` is
    then the week of its last day): the evaluation also covers the range, and the
    files are named after it (``ops-sync-2026-11-02--2026-11-22``).
    """
    config = runtime.config
    outcome = runtime.evaluate(window=report_window(week, window), as_of=as_of, sources=sources)
    with Session(runtime.engine) as session:
        findings = store.load_findings(session=session)
    period = (window.since, window.until) if window is not None else None
    report = build_report(
        run=outcome,
        findings=findings,
        week=week,
        digest_channel=config.digest.channel,
        period=period,
    )
    output_dir.mkdir(parents=True, exist_ok=True)
    base = report_basename(period_title(period).replace(" to ", "--") if period else week)
    markdown = output_dir / f"{base}.md"
    html = output_dir / f"{base}.html"
    markdown.write_text(render_markdown(report), encoding="utf-8")
    html.write_text(render_html(report), encoding="utf-8")
    evidence, manifest = write_pack(
        run=outcome, directory=output_dir, basename=base, files=[markdown, html]
    )
    return ReportFiles(report, outcome, markdown, html, evidence, manifest)
