"""The report's numbers: headline figures (this week against the previous one) and the
8-week trends, all from :mod:`opsaudit.metrics` over :mod:`opsaudit.measures` facts."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from opsaudit.checks.spec import CheckSpec
from opsaudit.metrics import ResultFact, response_metrics, weekly_response, weekly_trend
from opsaudit.publish.report_data import ComplianceRow, Series, SeverityRow, Trend
from opsaudit.publish.report_text import duration, percent, points, rate_text, signed

# Checks drawn together in one chart: a line per check, a handful per chart.
_CHART_GROUPS = (
    ("severity-response", "Severity, acknowledgement and escalation"),
    ("warroom-comms", "War room and communications"),
    ("deadlines", "Post-mortem and action item deadlines"),
    ("postmortem-content", "Post-mortem content"),
    ("other", "Other checks"),
)
_AREAS = {
    "incident": "severity-response",
    "response": "severity-response",
    "escalation": "severity-response",
    "warroom": "warroom-comms",
    "comms": "warroom-comms",
    "postmortem": "postmortem-content",
}


def severity_rows(frame: pd.DataFrame, *, week: str, previous: str) -> tuple[SeverityRow, ...]:
    """Per severity (as :func:`weekly_response` orders them) and for all incidents."""
    weekly = weekly_response(frame, weeks=[previous, week])
    rows: list[SeverityRow] = []
    severities = list(dict.fromkeys(row["severity"] for row in weekly))
    for severity in severities:
        before, now = (r for r in weekly if r["severity"] == severity)
        rows.append(_severity_row(str(severity or "no severity"), now, before))
    if len(severities) > 1:
        now, before = (_all(frame, w) for w in (week, previous))
        rows.append(_severity_row("All", now, before))
    return tuple(rows)


def _all(frame: pd.DataFrame, week: str) -> dict[str, object]:
    found = response_metrics(frame[frame["week"] == week], by=[])
    return found[0] if found else {"count": 0, "mtta_median_s": None, "mttr_median_s": None}


def _severity_row(name: str, now: dict[str, object], before: dict[str, object]) -> SeverityRow:
    count, count_before = _int(now["count"]), _int(before["count"])
    return SeverityRow(
        severity=name,
        incidents=count,
        incidents_before=count_before,
        incidents_change=signed(count - count_before),
        mtta=duration(now["mtta_median_s"]),
        mtta_before=duration(before["mtta_median_s"]),
        mttr=duration(now["mttr_median_s"]),
        mttr_before=duration(before["mttr_median_s"]),
    )


def compliance_rows(
    facts: Sequence[ResultFact], *, week: str, previous: str, titles: dict[str, str]
) -> tuple[ComplianceRow, ...]:
    """Per check seen in the results: its rate this week and the week before."""
    trend = weekly_trend(facts, weeks=[previous, week])
    rows = []
    for before, now in zip(trend[::2], trend[1::2], strict=True):
        rule = str(now["rule"])
        rows.append(
            ComplianceRow(
                rule=rule,
                title=titles.get(rule, ""),
                rate=rate_text(_int(now["pass"]), _int(now["violation"])),
                rate_before=rate_text(_int(before["pass"]), _int(before["violation"])),
                change=points(_rate(now["rate"]), _rate(before["rate"])),
            )
        )
    return tuple(rows)


def compliance_trends(
    facts: Sequence[ResultFact], *, weeks: Sequence[str], specs: Sequence[CheckSpec]
) -> tuple[Trend, ...]:
    """Compliance rate per check per week, a chart per group of related checks (deadline
    checks together, the others by their report area)."""
    chart_of = {s.id: "deadlines" if s.deadline else _AREAS.get(s.group, "other") for s in specs}
    trend = weekly_trend(facts, weeks=weeks)
    by_rule: dict[str, list[float | None]] = {}
    for row in trend:
        by_rule.setdefault(str(row["rule"]), []).append(_rate(row["rate"]))
    charts = []
    for group, title in _CHART_GROUPS:
        series = tuple(
            Series(
                name=rule,
                values=tuple(None if v is None else round(v * 100, 1) for v in values),
                texts=tuple(percent(v) for v in values),
            )
            for rule, values in by_rule.items()
            if chart_of.get(rule, "other") == group
        )
        if series:
            charts.append(
                Trend(
                    id=f"compliance-{group}",
                    name=title,
                    title=f"Compliance: {title.lower()}",
                    y_label="pass / (pass + violation)",
                    unit="%",
                    series=series,
                )
            )
    return tuple(charts)


def response_trends(frame: pd.DataFrame, *, weeks: Sequence[str]) -> tuple[Trend, ...]:
    """MTTA and MTTR medians per week, a chart per severity.

    A chart per severity rather than per measure: a Sev4's hours would flatten a Sev1's
    minutes on a shared axis, while one severity's MTTA and MTTR stay readable together.
    Each chart is in minutes, or in hours when its largest value is 3 hours or more.
    """
    weekly = weekly_response(frame, weeks=weeks)
    by_severity: dict[str, list[dict[str, object]]] = {}
    for row in weekly:
        by_severity.setdefault(str(row["severity"] or "no severity"), []).append(row)
    charts = []
    for severity, rows in by_severity.items():
        measures = {
            name: [_seconds(row[key]) for row in rows]
            for name, key in (("MTTA", "mtta_median_s"), ("MTTR", "mttr_median_s"))
        }
        largest = max((v for vs in measures.values() for v in vs if v is not None), default=0.0)
        unit, scale = ("h", 3600.0) if largest >= 3 * 3600 else ("min", 60.0)
        series = tuple(
            Series(
                name=name,
                values=tuple(None if v is None else round(v / scale, 1) for v in values),
                texts=tuple(duration(v) for v in values),
            )
            for name, values in measures.items()
        )
        charts.append(
            Trend(
                id=f"response-{severity.lower().replace(' ', '-')}",
                name=severity,
                title=f"{severity}: MTTA and MTTR median",
                y_label="hours" if unit == "h" else "minutes",
                unit=unit,
                series=series,
            )
        )
    return tuple(charts)


def _seconds(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0


def _rate(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None
