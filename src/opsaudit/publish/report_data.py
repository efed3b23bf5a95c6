"""What the ops-sync report shows: plain, frozen data, computed by :mod:`report_model`.

Every value here is already decided and formatted (durations, rates, dates as text);
the templates only loop and branch over it. Source text (titles, messages, paths,
owners) is kept raw: each renderer escapes it for its own format. Every URL held in a
:class:`Link` is an ``http(s)`` URL (anything else is dropped when the report is built).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Link:
    text: str
    url: str | None = None


@dataclass(frozen=True)
class SourceLine:
    """One source's status for this run: ``ok``, ``failed`` or ``not configured``."""

    name: str
    status: str
    requests: int
    error: str | None


@dataclass(frozen=True)
class SeverityRow:
    """Incidents triggered, MTTA and MTTR medians: this week against the previous one."""

    severity: str
    incidents: int
    incidents_before: int
    incidents_change: str
    mtta: str
    mtta_before: str
    mttr: str
    mttr_before: str


@dataclass(frozen=True)
class ComplianceRow:
    """A check's compliance rate ``pass / (pass + violation)`` this week and the one before."""

    rule: str
    title: str
    rate: str
    rate_before: str
    change: str


@dataclass(frozen=True)
class ViolationCounts:
    new: int
    still_open: int
    resolved: int


@dataclass(frozen=True)
class GlanceColumn:
    """An incident check, as a column of the checks-at-a-glance table."""

    rule: str
    area: str
    name: str
    title: str


@dataclass(frozen=True)
class GlanceGroup:
    """Adjacent columns of the same area (``escalation``...), for a grouped header."""

    area: str
    span: int


@dataclass(frozen=True)
class GlanceCell:
    symbol: str  # "" where the check does not apply
    status: str  # "" where the check does not apply
    message: str


@dataclass(frozen=True)
class GlanceRow:
    incident: Link
    title: str
    severity: str
    service: str
    triggered: str
    state: str
    cells: tuple[GlanceCell, ...]


@dataclass(frozen=True)
class ReviewRow:
    """A Sev1/Sev2 post-mortem that landed this week: to review at this ops sync."""

    postmortem: Link
    title: str
    landed: str
    incidents: tuple[Link, ...]
    violations: int


@dataclass(frozen=True)
class DueRow:
    """Something owed with a deadline: a post-mortem or an action item."""

    kind: str  # "post-mortem" or "action item"
    subject: Link
    title: str
    severity: str
    owner: str
    deadline: str
    when: str  # "overdue by 2 d 4 h" / "due in 3 d 1 h"


@dataclass(frozen=True)
class OverdueItem:
    item: Link
    postmortem: Link
    due: str
    age_days: int
    message: str


@dataclass(frozen=True)
class OwnerGroup:
    owner: str
    items: tuple[OverdueItem, ...]


@dataclass(frozen=True)
class ViolationRow:
    subject: Link
    title: str
    severity: str
    message: str
    evidence: tuple[Link, ...]
    since: str  # "new this week", "open since 2026-10-05", or ""
    new: bool  # first seen this week


@dataclass(frozen=True)
class RuleViolations:
    rule: str
    title: str
    rows: tuple[ViolationRow, ...]


@dataclass(frozen=True)
class ResolvedRow:
    rule: str
    subject: Link
    title: str
    resolved: str
    status: str


@dataclass(frozen=True)
class Series:
    """One line of a trend chart; ``texts`` are the values as the tables show them."""

    name: str
    values: tuple[float | None, ...]
    texts: tuple[str, ...]


@dataclass(frozen=True)
class Trend:
    """A chart over :attr:`OpsSyncReport.trend_weeks`; ``unit`` is ``%``, ``min`` or ``h``;
    ``name`` is what it is of: a group of checks, or a severity."""

    id: str
    name: str
    title: str
    y_label: str
    unit: str
    series: tuple[Series, ...]


@dataclass(frozen=True)
class WaivedRow:
    rule: str
    subject: Link
    title: str
    message: str


@dataclass(frozen=True)
class ExcludedRow:
    incident: Link
    title: str
    triggered: str
    reason: str


@dataclass(frozen=True)
class StatusCount:
    rule: str
    pending: int
    unknown: int


@dataclass(frozen=True)
class OpsSyncReport:
    """Everything the ops-sync report shows, for one ISO week (or a range of dates) at one
    as-of time."""

    title: str  # the week, 2026-W47, or the range, 2026-11-02 to 2026-11-23
    span: str  # "this week", or "in the period" for a range
    week: str  # the week of the headline figures: the report's, or the range's last
    previous_week: str
    week_range: str  # the period's days: "16 Nov - 22 Nov 2026", with an en dash
    as_of: str
    window: str
    digest_channel: str | None
    alerts: tuple[str, ...]
    sources: tuple[SourceLine, ...]
    severities: tuple[SeverityRow, ...]
    compliance: tuple[ComplianceRow, ...]
    violations: ViolationCounts
    glance_columns: tuple[GlanceColumn, ...]
    glance_groups: tuple[GlanceGroup, ...]
    glance_rows: tuple[GlanceRow, ...]
    reviews: tuple[ReviewRow, ...]
    overdue_postmortems: tuple[DueRow, ...]
    due_soon_days: int | None
    due_soon: tuple[DueRow, ...]
    action_owners: tuple[OwnerGroup, ...]
    violation_total: int
    violation_groups: tuple[RuleViolations, ...]
    resolved: tuple[ResolvedRow, ...]
    trend_weeks: tuple[str, ...]
    compliance_trends: tuple[Trend, ...]
    response_trends: tuple[Trend, ...]
    waived: tuple[WaivedRow, ...]
    excluded: tuple[ExcludedRow, ...]
    status_counts: tuple[StatusCount, ...]
