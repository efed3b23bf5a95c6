"""Metrics reported beside the findings: MTTA/MTTR, compliance rates and weekly trends.

``rules.md`` ("Not a finding, but reported"): per severity and per service/brand, the
count, MTTA (trigger to first acknowledge) and MTTR (trigger to resolve), median and
p90; per check the compliance rate ``pass / (pass + violation)``, with its trend by week.

Everything here is pure and deterministic: records in, plain lists of dicts out. The
outputs hold only ``int``, ``float``, ``str`` and ``None`` (pandas' ``nan`` for a missing
value becomes ``None``), so they serialise to the same JSON bytes run after run.

Percentiles: ``p90`` is ``pandas.Series.quantile(0.9)`` with its default linear
interpolation between the two nearest ranks (numpy's "linear" method), so for the ten
values 1..10 it is 9.1. Medians and p90s ignore incidents without the time in question
(no acknowledge for MTTA, no resolution for MTTR); a group where none has it gets
``None``. Durations are rounded to whole seconds with Python's ``round`` (half to even).
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas loads only where a frame is made (it takes a quarter second)
    import pandas as pd

_FACT_COLUMNS = ("id", "number", "severity", "service", "brand")
_TIME_COLUMNS = ("triggered_at", "acknowledged_at", "resolved_at")
_COUNTED = ("pass", "violation")
_WEEK = re.compile(r"(\d{4})-W(\d{2})", re.ASCII)


@dataclass(frozen=True)
class IncidentFact:
    """One audited incident as the metrics need it, prepared by the caller."""

    id: str
    number: int
    severity: str | None
    service: str
    brand: str | None
    triggered_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None


@dataclass(frozen=True)
class ResultFact:
    """One check result: its rule id, status and the ISO week of its subject's time."""

    rule: str
    status: str
    week: str


def iso_week(moment: datetime) -> str:
    """The ISO week of ``moment`` in UTC, like ``2026-W47`` (naive means UTC)."""
    return _week_of(_utc(moment).date())


def previous_weeks(week: str, n: int) -> list[str]:
    """The ``n`` ISO weeks ending with ``week``, oldest first (``[]`` when ``n`` < 1).

    ``week`` must read ``YYYY-Www`` and exist (``2021-W53`` does not): else ValueError.
    """
    monday = _monday_of(week)
    try:
        return [_week_of(monday - timedelta(weeks=back)) for back in range(n - 1, -1, -1)]
    except OverflowError:
        raise ValueError(f"{n} weeks ending with {week} start before year 1") from None


def incident_frame(facts: Sequence[IncidentFact]) -> pd.DataFrame:
    """One row per incident: the facts' fields plus ``mtta_s``, ``mttr_s`` and ``week``.

    Times are ``datetime64[us, UTC]`` (``NaT`` when missing); ``mtta_s``/``mttr_s`` are
    float seconds from the trigger (``nan`` when missing); ``week`` is the ISO week of
    the trigger in UTC.
    """
    import pandas as pd

    rows = [_row(fact) for fact in facts]
    columns = [f.name for f in fields(IncidentFact)] + ["mtta_s", "mttr_s", "week"]
    frame = pd.DataFrame(rows, columns=columns)
    for column in _TIME_COLUMNS:
        frame[column] = pd.to_datetime(frame[column], utc=True).astype("datetime64[us, UTC]")
    frame["number"] = frame["number"].astype("int64")
    for column in ("mtta_s", "mttr_s"):
        frame[column] = frame[column].astype("float64")
    return frame


def response_metrics(frame: pd.DataFrame, *, by: Sequence[str]) -> list[dict[str, object]]:
    """Count, MTTA and MTTR median and p90 per group of ``by`` columns, groups sorted.

    Each dict holds the ``by`` values (``None`` for a missing one, sorted last), then
    ``count``, ``mtta_median_s``, ``mtta_p90_s``, ``mttr_median_s``, ``mttr_p90_s``
    (whole seconds, ``None`` where the group has no value). ``by=[]`` gives one group
    of every incident (none for an empty frame).
    """
    out: list[dict[str, object]] = []
    for key, group in _groups(frame, list(by)):
        row: dict[str, object] = dict(zip(by, key, strict=True))
        row["count"] = len(group)
        row["mtta_median_s"] = _seconds(group["mtta_s"].median())
        row["mtta_p90_s"] = _seconds(group["mtta_s"].quantile(0.9))
        row["mttr_median_s"] = _seconds(group["mttr_s"].median())
        row["mttr_p90_s"] = _seconds(group["mttr_s"].quantile(0.9))
        out.append(row)
    return out


def compliance_rates(results: Sequence[ResultFact]) -> list[dict[str, object]]:
    """Per rule (sorted): ``pass``, ``violation`` and ``other`` counts, and ``rate``.

    ``rate`` is ``pass / (pass + violation)``, ``None`` when both are 0. Every other
    status (pending, unknown, waived, ...) counts as ``other``: the rule's formula
    leaves it out.
    """
    out: list[dict[str, object]] = []
    for rule in sorted({r.rule for r in results}):
        counts = _counts(r.status for r in results if r.rule == rule)
        out.append({"rule": rule, **counts, "rate": _rate(counts)})
    return out


def weekly_trend(results: Sequence[ResultFact], *, weeks: Sequence[str]) -> list[dict[str, object]]:
    """Per rule (sorted) and week of ``weeks`` (in order): ``pass``, ``violation``, ``rate``.

    Every rule seen in ``results`` gets a row for every week, ``rate`` ``None`` for a
    week with no pass or violation; results of weeks not listed are left out.
    """
    out: list[dict[str, object]] = []
    for rule in sorted({r.rule for r in results}):
        for week in weeks:
            counts = _counts(r.status for r in results if r.rule == rule and r.week == week)
            out.append(
                {
                    "rule": rule,
                    "week": week,
                    "pass": counts["pass"],
                    "violation": counts["violation"],
                    "rate": _rate(counts),
                }
            )
    return out


def weekly_response(frame: pd.DataFrame, *, weeks: Sequence[str]) -> list[dict[str, object]]:
    """Per severity and week of ``weeks`` (in order): ``count``, MTTA and MTTR medians.

    Severities are those of the whole frame, sorted, ``None`` (no severity) last, each
    with a row for every week (``count`` 0 and medians ``None`` for an empty week).
    """
    severities = sorted({_plain(v) for v in frame["severity"]}, key=_sort_key)
    out: list[dict[str, object]] = []
    for severity in severities:
        same = frame["severity"].isna() if severity is None else frame["severity"] == severity
        for week in weeks:
            group = frame[same & (frame["week"] == week)]
            out.append(
                {
                    "severity": severity,
                    "week": week,
                    "count": len(group),
                    "mtta_median_s": _seconds(group["mtta_s"].median()),
                    "mttr_median_s": _seconds(group["mttr_s"].median()),
                }
            )
    return out


def _row(fact: IncidentFact) -> dict[str, object]:
    row: dict[str, object] = {name: getattr(fact, name) for name in _FACT_COLUMNS}
    triggered = _utc(fact.triggered_at)
    acknowledged = None if fact.acknowledged_at is None else _utc(fact.acknowledged_at)
    resolved = None if fact.resolved_at is None else _utc(fact.resolved_at)
    row.update(triggered_at=triggered, acknowledged_at=acknowledged, resolved_at=resolved)
    # Computed on Python datetimes so the seconds keep full microsecond precision.
    row["mtta_s"] = None if acknowledged is None else (acknowledged - triggered).total_seconds()
    row["mttr_s"] = None if resolved is None else (resolved - triggered).total_seconds()
    row["week"] = iso_week(triggered)
    return row


def _groups(frame: pd.DataFrame, by: list[str]) -> list[tuple[tuple[object, ...], pd.DataFrame]]:
    if frame.empty:
        return []
    if not by:
        return [((), frame)]
    missing = [column for column in by if column not in frame.columns]
    if missing:
        raise ValueError(f"no such column(s) to group by: {', '.join(missing)}")
    # dropna=False keeps incidents without a severity or brand as a group of their own.
    grouped = frame.groupby(by, dropna=False, sort=False)
    pairs = [(_key(key), group) for key, group in grouped]
    return sorted(pairs, key=lambda pair: tuple(_sort_key(v) for v in pair[0]))


def _key(key: Hashable) -> tuple[object, ...]:
    values = key if isinstance(key, tuple) else (key,)
    return tuple(_plain(v) for v in values)


def _plain(value: object) -> object:
    """A group value as a plain Python value: pandas' NA markers become ``None``."""
    import pandas as pd  # loaded already: a frame was made

    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _sort_key(value: object) -> tuple[bool, str, object]:
    # None sorts last; the type name keeps mixed types from being compared.
    if value is None:
        return (True, "", 0)
    return (False, type(value).__name__, value)


def _seconds(value: object) -> int | None:
    if value is None or not isinstance(value, (int, float)) or math.isnan(value):
        return None
    return round(value)


def _counts(statuses: Iterable[str]) -> dict[str, int]:
    counts = {"pass": 0, "violation": 0, "other": 0}
    for status in statuses:
        counts[status if status in _COUNTED else "other"] += 1
    return counts


def _rate(counts: dict[str, int]) -> float | None:
    counted = counts["pass"] + counts["violation"]
    return None if counted == 0 else counts["pass"] / counted


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _monday_of(week: str) -> date:
    match = _WEEK.fullmatch(week.strip())
    if match is None:
        raise ValueError(f"{week!r} is not an ISO week like 2026-W47")
    return date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)


def _week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"
