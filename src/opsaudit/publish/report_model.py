"""``build_report``: one audit's outcome and the stored findings, as the ops-sync report.

The run is an evaluation whose window covers the 8 ISO weeks ending with ``week``;
"this week" is ``[Monday of week, next Monday)`` and everything is cut at the run's
as-of time. Nothing here judges compliance: it selects, counts, sorts and formats the
results and the metrics of :mod:`opsaudit.metrics`.

Violations against findings (``Finding.first_seen``/``resolved_at`` are as-of times of
audit runs):

- new: the finding is a violation in this run and was first seen in ``[week start, as-of]``;
- still open: it is a violation in this run, first seen before the week started;
- resolved: its ``resolved_at`` is in ``[week start, as-of]``.

"In this run" (``last_run_id`` is the run's id) leaves out findings whose subject
has left the audit window: no run judges them any more, so they are neither open nor
resolved here. So new + still open is the number of violations the report lists.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta

from opsaudit.auditrun import AuditRun
from opsaudit.checks.model import Result
from opsaudit.measures import incident_facts, result_facts
from opsaudit.metrics import incident_frame, previous_weeks
from opsaudit.publish import report_items as items
from opsaudit.publish import report_metrics as numbers
from opsaudit.publish.report_data import (
    ExcludedRow,
    Link,
    OpsSyncReport,
    ResolvedRow,
    SourceLine,
    StatusCount,
    ViolationCounts,
    WaivedRow,
)
from opsaudit.publish.report_text import DASH, day, safe_url, shorten, when
from opsaudit.snapshot import SourceStatus
from opsaudit.store import Finding
from opsaudit.sync import SOURCE_NAMES

TREND_WEEKS = 8
_LABELS = {"pagerduty": "PagerDuty", "slack": "Slack", "github": "GitHub"}

__all__ = ["OpsSyncReport", "build_report", "classify_findings", "period_title", "week_bounds"]


def week_bounds(week: str) -> tuple[datetime, datetime]:
    """Monday 00:00 UTC of ``week`` (``2026-W47``) and of the week after."""
    previous_weeks(week, 1)  # validates the week's text
    year, number = week.strip().split("-W")
    monday = datetime.combine(
        datetime.fromisocalendar(int(year), int(number), 1).date(), time(), tzinfo=UTC
    )
    return monday, monday + timedelta(days=7)


def classify_findings(
    findings: Sequence[Finding], *, run_id: int, start: datetime, as_of: datetime
) -> tuple[list[Finding], list[Finding], list[Finding]]:
    """The new, still open and resolved findings of the week (see the module docstring)."""
    current = [
        f
        for f in findings
        if f.status == "violation" and f.last_run_id == run_id and f.first_seen is not None
    ]
    new = [f for f in current if f.first_seen is not None and start <= f.first_seen <= as_of]
    still_open = [f for f in current if f.first_seen is not None and f.first_seen < start]
    resolved = [
        f for f in findings if f.resolved_at is not None and start <= f.resolved_at <= as_of
    ]
    return new, still_open, resolved


def build_report(
    *,
    run: AuditRun,
    findings: Sequence[Finding],
    week: str,
    digest_channel: str | None = None,
    period: tuple[datetime, datetime] | None = None,
) -> OpsSyncReport:
    """Everything the ops-sync report of ``week`` shows, from one audit and its findings.

    With ``period`` (``[since, until)``), the report is of that range instead: its
    Sev1/Sev2 incidents, its post-mortems, the violations new and resolved since its
    start; the headline figures and trends stay weekly, ending with ``week``.
    """
    results = run.results
    weeks = previous_weeks(week.strip(), TREND_WEEKS)
    week, previous = weeks[-1], weeks[-2]
    start, end = period or week_bounds(week)
    titles = run.titles
    index = {(r.rule, r.subject.key): r for r in results}

    new, still_open, resolved = classify_findings(
        findings, run_id=run.run_id, start=start, as_of=run.as_of
    )
    span = "in the period" if period else "this week"
    since = {(f.rule, f.subject_key): f"new {span}" for f in new}
    since.update(
        {
            (f.rule, f.subject_key): f"open since {day(f.first_seen)}"
            for f in still_open
            if f.first_seen
        }
    )
    frame = incident_frame(incident_facts(run))
    facts = result_facts(run)
    columns, groups, rows = items.glance(run, index, start=start, end=end)
    window = run.window
    return OpsSyncReport(
        title=period_title(period) if period else week,
        span=span,
        week=week,
        previous_week=previous,
        week_range=_week_range(start, end),
        as_of=when(run.as_of),
        window=f"incidents triggered from {when(window.since)} to {when(window.until)}",
        digest_channel=digest_channel,
        alerts=_alerts(run.sources),
        sources=_sources(run.sources),
        severities=numbers.severity_rows(frame, week=week, previous=previous),
        compliance=numbers.compliance_rows(facts, week=week, previous=previous, titles=titles),
        violations=ViolationCounts(len(new), len(still_open), len(resolved)),
        glance_columns=columns,
        glance_groups=groups,
        glance_rows=rows,
        reviews=items.reviews(run, results, start=start, end=end),
        overdue_postmortems=items.postmortems_overdue(run, results),
        due_soon_days=run.due_soon_days,
        due_soon=items.due_soon(run, results, days=run.due_soon_days),
        action_owners=items.overdue_by_owner(run, results),
        violation_total=sum(1 for r in results if r.status == "violation"),
        violation_groups=items.violations(
            results, titles=titles, since=since, new={(f.rule, f.subject_key) for f in new}
        ),
        resolved=_resolved(resolved, index),
        trend_weeks=tuple(weeks),
        compliance_trends=numbers.compliance_trends(facts, weeks=weeks, specs=run.specs),
        response_trends=numbers.response_trends(frame, weeks=weeks),
        waived=_waived(results),
        excluded=tuple(
            ExcludedRow(
                incident=Link(f"#{i.number}", safe_url(i.url)),
                title=shorten(i.title, items.TITLE_LIMIT),
                triggered=when(i.triggered_at),
                reason=i.reason,
            )
            for i in sorted(run.excluded, key=lambda i: (i.triggered_at, i.number))
        ),
        status_counts=_status_counts(results),
    )


def period_title(period: tuple[datetime, datetime]) -> str:
    """``2026-11-02 to 2026-11-23``: a range's first and last day (its end is exclusive)."""
    start, end = period
    return f"{start:%Y-%m-%d} to {(end - timedelta(microseconds=1)):%Y-%m-%d}"


def _week_range(start: datetime, end: datetime) -> str:
    last = end - timedelta(microseconds=1)
    if start.year != last.year:
        return f"{start:%d %b %Y} {DASH} {last:%d %b %Y}"
    return f"{start:%d %b} {DASH} {last:%d %b %Y}"


def _ordered(sources: dict[str, SourceStatus]) -> list[str]:
    names = [n for n in SOURCE_NAMES]
    return names + sorted(n for n in sources if n not in names)


def _alerts(sources: dict[str, SourceStatus]) -> tuple[str, ...]:
    """A sentence per source whose data is missing: failed, or not configured."""
    alerts = []
    for name in _ordered(sources):
        label = _LABELS.get(name, name)
        status = sources.get(name, SourceStatus("not_configured"))
        if status.status == "failed":
            alerts.append(
                f"The {label} sync failed ({status.error or 'no reason given'}): every check "
                f"that reads {label} data is unknown in this report, not passed."
            )
        elif status.status == "not_configured":
            alerts.append(
                f"{label} is not configured: every check that reads {label} data is unknown."
            )
    return tuple(alerts)


def _sources(sources: dict[str, SourceStatus]) -> tuple[SourceLine, ...]:
    lines = []
    for name in _ordered(sources):
        status = sources.get(name, SourceStatus("not_configured"))
        lines.append(
            SourceLine(
                name=_LABELS.get(name, name),
                status=status.status.replace("_", " "),
                requests=status.requests,
                error=status.error if status.status == "failed" else None,
            )
        )
    return tuple(lines)


def _resolved(
    found: Sequence[Finding], index: dict[tuple[str, str], Result]
) -> tuple[ResolvedRow, ...]:
    rows = []
    for finding in sorted(found, key=lambda f: (f.rule, f.subject_key)):
        result = index.get((finding.rule, finding.subject_key))
        subject = items.subject_link(result.subject) if result else Link(finding.subject_key)
        rows.append(
            ResolvedRow(
                rule=finding.rule,
                subject=subject,
                title=items.title_of(result.subject) if result else "",
                resolved=when(finding.resolved_at) if finding.resolved_at else "",
                status=finding.status,
            )
        )
    return tuple(rows)


def _waived(results: Sequence[Result]) -> tuple[WaivedRow, ...]:
    return tuple(
        WaivedRow(r.rule, items.subject_link(r.subject), items.title_of(r.subject), r.message)
        for r in sorted(results, key=Result.sort_key)
        if r.status == "waived"
    )


def _status_counts(results: Sequence[Result]) -> tuple[StatusCount, ...]:
    counts = Counter((r.rule, r.status) for r in results)
    rules = sorted({r.rule for r in results})
    return tuple(
        StatusCount(rule, counts[(rule, "pending")], counts[(rule, "unknown")])
        for rule in rules
        if counts[(rule, "pending")] or counts[(rule, "unknown")]
    )
