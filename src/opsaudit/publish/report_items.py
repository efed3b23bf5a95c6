"""The report's lists: the week's Sev1/Sev2 incidents with their checks at a glance,
post-mortems to review, overdue and due soon, overdue action items by owner, and every
violation with its evidence. They only sort, group and format results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from datetime import datetime, timedelta

from opsaudit.auditrun import AuditRun
from opsaudit.checks.model import Evidence, Result, Subject, minutes
from opsaudit.checks.spec import GROUPS, CheckSpec
from opsaudit.publish.report_data import (
    DueRow,
    GlanceCell,
    GlanceColumn,
    GlanceGroup,
    GlanceRow,
    Link,
    OverdueItem,
    OwnerGroup,
    ReviewRow,
    RuleViolations,
    ViolationRow,
)
from opsaudit.publish.report_text import day, days_after, safe_url, shorten, when

KEY_SEVERITIES = ("Sev1", "Sev2")
SYMBOLS = {"pass": "✓", "violation": "✗", "pending": "…", "waived": "~", "unknown": "?"}
TITLE_LIMIT = 160
NO_OWNER = "no owner"
_SOURCES = {"pagerduty": "PagerDuty", "slack": "Slack", "github": "GitHub"}

ResultIndex = Mapping[tuple[str, str], Result]


def subject_link(subject: Subject) -> Link:
    """``#1234`` for an incident with a number, else the subject's key; linked if it can be."""
    if subject.kind == "incident" and subject.number is not None:
        text = f"#{subject.number}"
    else:
        text = subject.key
    return Link(text, safe_url(subject.url))


def title_of(subject: Subject) -> str:
    return shorten(subject.title or "", TITLE_LIMIT)


def evidence_link(evidence: Evidence) -> Link:
    return Link(
        f"{_SOURCES.get(evidence.source, evidence.source)} {evidence.ref}", safe_url(evidence.url)
    )


def _column_order(spec: CheckSpec) -> tuple[int, str]:
    # the glance table's columns follow the response: severity, ack, escalation, war room...
    return (GROUPS.index(spec.group), spec.id)


def glance(
    run: AuditRun, index: ResultIndex, *, start: datetime, end: datetime
) -> tuple[tuple[GlanceColumn, ...], tuple[GlanceGroup, ...], tuple[GlanceRow, ...]]:
    """The week's Sev1 and Sev2 incidents, a column per incident check."""
    ordered = sorted((s for s in run.specs if s.subject == "incident"), key=_column_order)
    columns = tuple(
        GlanceColumn(s.id, s.group, s.id.partition(".")[2] or s.id, run.titles.get(s.id, ""))
        for s in ordered
    )
    groups: list[GlanceGroup] = []
    for column in columns:
        if groups and groups[-1].area == column.area:
            groups[-1] = GlanceGroup(column.area, groups[-1].span + 1)
        else:
            groups.append(GlanceGroup(column.area, 1))
    rows = []
    for incident in run.incidents:
        triggered = incident.triggered_at
        if not (start <= triggered < end) or incident.severity not in KEY_SEVERITIES:
            continue
        cells = []
        for column in columns:
            result = index.get((column.rule, incident.id))
            if result is None:
                cells.append(GlanceCell("", "", "does not apply"))
            else:
                cells.append(GlanceCell(SYMBOLS[result.status], result.status, result.message))
        resolved = incident.resolved_at
        state = (
            f"resolved after {minutes((resolved - triggered).total_seconds())}"
            if resolved is not None
            else "open"
        )
        rows.append(
            GlanceRow(
                incident=Link(f"#{incident.number}", safe_url(incident.url)),
                title=shorten(incident.title, TITLE_LIMIT),
                severity=incident.severity or "",
                service=incident.service,
                triggered=when(triggered),
                state=state,
                cells=tuple(cells),
            )
        )
    return columns, tuple(groups), tuple(rows)


def reviews(
    run: AuditRun, results: Sequence[Result], *, start: datetime, end: datetime
) -> tuple[ReviewRow, ...]:
    """Post-mortems of Sev1/Sev2 incidents that landed this week (up to as-of)."""
    rows = []
    for file in sorted(run.postmortems, key=lambda f: (f.landed_at, f.path)):
        if not (start <= file.landed_at < end):
            continue
        linked = [i for i in file.incidents if i.severity in KEY_SEVERITIES]
        if not linked:
            continue
        found = sum(
            1
            for r in results
            if r.status == "violation"
            and (r.subject.key == file.path or r.subject.key.startswith(file.path + "#"))
        )
        incidents = tuple(Link(f"#{i.number} {i.severity}", safe_url(i.url)) for i in linked)
        rows.append(
            ReviewRow(
                postmortem=Link(file.path, safe_url(file.url)),
                title=shorten(file.title or "", TITLE_LIMIT),
                landed=when(file.landed_at),
                incidents=incidents,
                violations=found,
            )
        )
    return tuple(rows)


def _due_row(as_of: datetime, result: Result) -> DueRow:
    deadline = result.deadline or as_of
    if deadline <= as_of:
        timing = f"overdue by {minutes((as_of - deadline).total_seconds())}"
    else:
        timing = f"due in {minutes((deadline - as_of).total_seconds())}"
    action = result.subject.kind == "action_item"
    return DueRow(
        kind="action item" if action else "post-mortem",
        subject=subject_link(result.subject),
        title=title_of(result.subject),
        severity=result.severity or "",
        owner=(result.owner or NO_OWNER) if action else "",
        deadline=when(deadline),
        when=timing,
    )


def _overdue(run: AuditRun, result: Result) -> bool:
    """A violation of a deadline check whose awaited event has not happened."""
    return run.is_deadline(result.rule) and result.status == "violation" and result.observed is None


def postmortems_overdue(run: AuditRun, results: Sequence[Result]) -> tuple[DueRow, ...]:
    """Post-mortems owed by incidents and overdue, the longest overdue first."""
    found = [r for r in results if _overdue(run, r) and r.subject.kind == "incident"]
    found.sort(key=lambda r: (r.deadline or run.as_of, r.subject.key))
    return tuple(_due_row(run.as_of, r) for r in found)


def due_soon(run: AuditRun, results: Sequence[Result], *, days: int | None) -> tuple[DueRow, ...]:
    """Pending deadlines (post-mortems, action items) within ``days`` of as-of."""
    if days is None:
        return ()
    horizon = run.as_of + timedelta(days=days)
    found = [
        r
        for r in results
        if run.is_deadline(r.rule)
        and r.status == "pending"
        and r.deadline is not None
        and r.deadline <= horizon
    ]
    found.sort(key=lambda r: (r.deadline or run.as_of, r.rule, r.subject.key))
    return tuple(_due_row(run.as_of, r) for r in found)


def overdue_by_owner(run: AuditRun, results: Sequence[Result]) -> tuple[OwnerGroup, ...]:
    """Overdue action items grouped by the owner written in the post-mortem."""
    found = [r for r in results if _overdue(run, r) and r.subject.kind == "action_item"]
    groups: dict[str, list[tuple[datetime, str, OverdueItem]]] = {}
    for result in found:
        deadline = result.deadline or run.as_of
        path = result.subject.key.rpartition("#")[0]
        file_url = next((e.url for e in result.evidence if e.ref.startswith(path)), None)
        item = OverdueItem(
            item=Link(title_of(result.subject) or result.subject.key, safe_url(result.subject.url)),
            postmortem=Link(path, safe_url(_without_anchor(file_url))),
            due=day(deadline),
            age_days=days_after(run.as_of, deadline),
            message=result.message,
        )
        owner = result.owner or NO_OWNER
        groups.setdefault(owner, []).append((deadline, result.subject.key, item))
    order = sorted(groups, key=lambda o: (o == NO_OWNER, o.casefold(), o))
    return tuple(
        OwnerGroup(owner, tuple(item for _, _, item in sorted(groups[owner], key=_by_time)))
        for owner in order
    )


def _by_time(entry: tuple[datetime, str, OverdueItem]) -> tuple[datetime, str]:
    return entry[0], entry[1]


def _without_anchor(url: str | None) -> str | None:
    return url.partition("#")[0] if url else None


def violations(
    results: Sequence[Result],
    *,
    titles: Mapping[str, str],
    since: Mapping[tuple[str, str], str],
    new: Set[tuple[str, str]],
) -> tuple[RuleViolations, ...]:
    """Every violation, grouped by check, with its message and evidence links; ``since``
    says since when each (rule, subject key) has been open, ``new`` those new this week."""
    groups: dict[str, list[ViolationRow]] = {}
    for result in sorted(results, key=Result.sort_key):
        if result.status != "violation":
            continue
        groups.setdefault(result.rule, []).append(
            ViolationRow(
                subject=subject_link(result.subject),
                title=title_of(result.subject),
                severity=result.severity or "",
                message=result.message,
                evidence=tuple(evidence_link(e) for e in result.evidence),
                since=since.get((result.rule, result.subject.key), ""),
                new=(result.rule, result.subject.key) in new,
            )
        )
    return tuple(
        RuleViolations(rule, titles.get(rule, ""), tuple(rows)) for rule, rows in groups.items()
    )
