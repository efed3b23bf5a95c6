"""Metrics: hand-computed MTTA/MTTR medians and p90s, compliance rates and weekly trends."""

from __future__ import annotations

import itertools
import json
import math
from datetime import UTC, datetime, timedelta, timezone

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsaudit.metrics import (
    IncidentFact,
    ResultFact,
    compliance_rates,
    incident_frame,
    iso_week,
    previous_weeks,
    response_metrics,
    weekly_response,
    weekly_trend,
)

T0 = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # Monday of 2026-W47


def fact(
    number: int,
    *,
    severity: str | None = "Sev2",
    service: str = "checkout",
    brand: str | None = "acme",
    at: datetime = T0,
    ack_s: float | None = None,
    resolve_s: float | None = None,
) -> IncidentFact:
    return IncidentFact(
        id=f"P{number:04d}",
        number=number,
        severity=severity,
        service=service,
        brand=brand,
        triggered_at=at,
        acknowledged_at=None if ack_s is None else at + timedelta(seconds=ack_s),
        resolved_at=None if resolve_s is None else at + timedelta(seconds=resolve_s),
    )


def assert_plain_json(value: object) -> None:
    """Only plain Python values and no NaN: serialises strictly, twice the same."""
    text = json.dumps(value, allow_nan=False, sort_keys=True)
    assert json.loads(text) == value
    assert json.dumps(value, allow_nan=False, sort_keys=True) == text


# --- weeks ---------------------------------------------------------------------------------


def test_iso_week_is_zero_padded_and_utc() -> None:
    assert iso_week(T0) == "2026-W47"
    assert iso_week(datetime(2026, 3, 2, tzinfo=UTC)) == "2026-W10"
    # Monday 00:30 in Berlin is still Sunday in UTC: the previous week.
    berlin_monday = datetime(2026, 11, 16, 0, 30, tzinfo=timezone(timedelta(hours=1)))
    assert iso_week(berlin_monday) == "2026-W46"


def test_iso_week_at_year_boundaries() -> None:
    assert iso_week(datetime(2027, 1, 1, tzinfo=UTC)) == "2026-W53"  # 2026 has 53 weeks
    assert iso_week(datetime(2024, 12, 30, tzinfo=UTC)) == "2025-W01"
    assert iso_week(datetime(2021, 1, 3, tzinfo=UTC)) == "2020-W53"


def test_previous_weeks_oldest_first() -> None:
    assert previous_weeks("2026-W47", 3) == ["2026-W45", "2026-W46", "2026-W47"]
    assert previous_weeks("2026-W47", 1) == ["2026-W47"]
    assert previous_weeks("2026-W47", 0) == []


def test_previous_weeks_across_a_53_week_year() -> None:
    assert previous_weeks("2027-W02", 4) == ["2026-W52", "2026-W53", "2027-W01", "2027-W02"]


def test_previous_weeks_across_a_52_week_year() -> None:
    assert previous_weeks("2026-W01", 2) == ["2025-W52", "2026-W01"]


@pytest.mark.parametrize("bad", ["2026-47", "2026-W7", "W47", "2025-W53", "2026-W00", ""])
def test_previous_weeks_refuses_a_bad_week(bad: str) -> None:
    with pytest.raises(ValueError):
        previous_weeks(bad, 2)


# --- incident_frame ------------------------------------------------------------------------


def test_incident_frame_computes_seconds_and_week() -> None:
    frame = incident_frame(
        [
            fact(1, ack_s=90, resolve_s=3600),
            fact(2, ack_s=0.25, at=datetime(2027, 1, 1, 12, tzinfo=UTC)),
        ]
    )
    assert list(frame["number"]) == [1, 2]
    assert list(frame["mtta_s"]) == [90.0, 0.25]
    assert frame["mttr_s"][0] == 3600.0
    assert math.isnan(frame["mttr_s"][1])
    assert pd.isna(frame["resolved_at"][1])
    assert list(frame["week"]) == ["2026-W47", "2026-W53"]
    assert str(frame["triggered_at"].dtype) == "datetime64[us, UTC]"


def test_incident_frame_takes_naive_and_offset_times_as_instants() -> None:
    plus_two = timezone(timedelta(hours=2))
    frame = incident_frame(
        [
            IncidentFact(
                id="P1",
                number=1,
                severity=None,
                service="api",
                brand=None,
                triggered_at=datetime(2026, 11, 16, 11, 0, tzinfo=plus_two),  # 09:00Z
                acknowledged_at=datetime(2026, 11, 16, 9, 5),  # naive: UTC
                resolved_at=None,
            )
        ]
    )
    assert frame["mtta_s"][0] == 300.0
    assert frame["triggered_at"][0] == pd.Timestamp("2026-11-16 09:00", tz="UTC")


def test_incident_frame_of_nothing_has_the_columns() -> None:
    frame = incident_frame([])
    assert frame.empty
    assert {"severity", "mtta_s", "mttr_s", "week", "triggered_at"} <= set(frame.columns)


# --- response_metrics ----------------------------------------------------------------------


def test_median_and_linear_p90_of_ten_values() -> None:
    # MTTA 60..600 s: median 330; p90 = 540 + 0.1 * 60 = 546 (linear interpolation).
    frame = incident_frame([fact(n, ack_s=60 * n, resolve_s=600 * n) for n in range(1, 11)])
    [row] = response_metrics(frame, by=["severity"])
    assert row == {
        "severity": "Sev2",
        "count": 10,
        "mtta_median_s": 330,
        "mtta_p90_s": 546,
        "mttr_median_s": 3300,
        "mttr_p90_s": 5460,
    }


def test_groups_are_sorted_and_missing_times_are_skipped() -> None:
    frame = incident_frame(
        [
            fact(1, severity="Sev3", ack_s=100),
            fact(2, severity="Sev1", ack_s=10, resolve_s=1000),
            fact(3, severity="Sev1", ack_s=30),
            fact(4, severity="Sev1", resolve_s=3000),
            fact(5, severity="Sev3"),
        ]
    )
    rows = response_metrics(frame, by=["severity"])
    assert [r["severity"] for r in rows] == ["Sev1", "Sev3"]
    sev1, sev3 = rows
    # Sev1 MTTA from [10, 30]: median 20, p90 = 10 + 0.9 * 20 = 28.
    assert (sev1["count"], sev1["mtta_median_s"], sev1["mtta_p90_s"]) == (3, 20, 28)
    # Sev1 MTTR from [1000, 3000]: median 2000, p90 2800.
    assert (sev1["mttr_median_s"], sev1["mttr_p90_s"]) == (2000, 2800)
    # Sev3: one acknowledged, none resolved.
    assert (sev3["count"], sev3["mtta_median_s"], sev3["mtta_p90_s"]) == (2, 100, 100)
    assert (sev3["mttr_median_s"], sev3["mttr_p90_s"]) == (None, None)


def test_group_by_service_and_brand_with_a_missing_brand_last() -> None:
    frame = incident_frame(
        [
            fact(1, service="search", brand="zeta", ack_s=5),
            fact(2, service="checkout", brand=None, ack_s=7),
            fact(3, service="checkout", brand="acme", ack_s=9),
            fact(4, service="checkout", brand="acme", ack_s=11),
        ]
    )
    rows = response_metrics(frame, by=["service", "brand"])
    keys = [(r["service"], r["brand"], r["count"], r["mtta_median_s"]) for r in rows]
    assert keys == [
        ("checkout", "acme", 2, 10),
        ("checkout", None, 1, 7),
        ("search", "zeta", 1, 5),
    ]
    assert_plain_json(rows)


def test_incidents_without_severity_form_their_own_group_last() -> None:
    frame = incident_frame([fact(1, severity=None, ack_s=4), fact(2, severity="Sev4", ack_s=8)])
    rows = response_metrics(frame, by=["severity"])
    assert [(r["severity"], r["mtta_median_s"]) for r in rows] == [("Sev4", 8), (None, 4)]


def test_seconds_are_rounded_to_whole_seconds() -> None:
    frame = incident_frame([fact(1, ack_s=1.4, resolve_s=2.6)])
    [row] = response_metrics(frame, by=[])
    assert (row["mtta_median_s"], row["mttr_median_s"]) == (1, 3)
    assert isinstance(row["mtta_median_s"], int)


def test_no_grouping_gives_one_overall_row() -> None:
    frame = incident_frame([fact(1, severity="Sev1", ack_s=10), fact(2, severity="Sev2", ack_s=20)])
    assert response_metrics(frame, by=[]) == [
        {
            "count": 2,
            "mtta_median_s": 15,
            "mtta_p90_s": 19,
            "mttr_median_s": None,
            "mttr_p90_s": None,
        }
    ]


def test_response_metrics_of_nothing() -> None:
    assert response_metrics(incident_frame([]), by=["severity"]) == []
    assert response_metrics(incident_frame([]), by=[]) == []


def test_unknown_group_column_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="team"):
        response_metrics(incident_frame([fact(1)]), by=["team"])


def test_response_metrics_are_plain_json_without_nan() -> None:
    frame = incident_frame([fact(1, severity=None, brand=None), fact(2, ack_s=3.5)])
    rows = response_metrics(frame, by=["severity", "brand"])
    assert_plain_json(rows)
    assert rows == response_metrics(
        incident_frame([fact(1, severity=None, brand=None), fact(2, ack_s=3.5)]),
        by=["severity", "brand"],
    )


# --- compliance_rates ----------------------------------------------------------------------


def results(rule: str, week: str, **counts: int) -> list[ResultFact]:
    return [
        ResultFact(rule=rule, status=status, week=week)
        for status, n in counts.items()
        for _ in range(n)
    ]


def test_compliance_rates_per_rule_sorted() -> None:
    facts = [
        *results("response.ack", "2026-W47", **{"pass": 3, "violation": 1, "pending": 2}),
        *results("comms.initial", "2026-W46", **{"violation": 2, "waived": 1}),
        *results("warroom.opened", "2026-W47", **{"pending": 1, "unknown": 1}),
    ]
    assert compliance_rates(facts) == [
        {"rule": "comms.initial", "pass": 0, "violation": 2, "other": 1, "rate": 0.0},
        {"rule": "response.ack", "pass": 3, "violation": 1, "other": 2, "rate": 0.75},
        {"rule": "warroom.opened", "pass": 0, "violation": 0, "other": 2, "rate": None},
    ]
    assert_plain_json(compliance_rates(facts))


def test_compliance_rates_of_nothing() -> None:
    assert compliance_rates([]) == []


# --- weekly_trend --------------------------------------------------------------------------


def test_weekly_trend_per_rule_and_week_in_the_given_order() -> None:
    facts = [
        *results("response.ack", "2026-W52", **{"pass": 1, "violation": 1}),
        *results("response.ack", "2027-W01", **{"pass": 4, "pending": 3}),
        *results("response.ack", "2026-W40", **{"violation": 9}),  # outside the weeks
        *results("comms.initial", "2026-W53", **{"pending": 1}),
    ]
    weeks = previous_weeks("2027-W01", 3)
    assert weekly_trend(facts, weeks=weeks) == [
        {"rule": "comms.initial", "week": "2026-W52", "pass": 0, "violation": 0, "rate": None},
        {"rule": "comms.initial", "week": "2026-W53", "pass": 0, "violation": 0, "rate": None},
        {"rule": "comms.initial", "week": "2027-W01", "pass": 0, "violation": 0, "rate": None},
        {"rule": "response.ack", "week": "2026-W52", "pass": 1, "violation": 1, "rate": 0.5},
        {"rule": "response.ack", "week": "2026-W53", "pass": 0, "violation": 0, "rate": None},
        {"rule": "response.ack", "week": "2027-W01", "pass": 4, "violation": 0, "rate": 1.0},
    ]
    assert_plain_json(weekly_trend(facts, weeks=weeks))


def test_weekly_trend_of_nothing() -> None:
    assert weekly_trend([], weeks=["2026-W47"]) == []
    assert weekly_trend(results("r", "2026-W47", **{"pass": 1}), weeks=[]) == []


# --- weekly_response -----------------------------------------------------------------------


def test_weekly_response_per_severity_and_week() -> None:
    w46 = T0 - timedelta(weeks=1)
    frame = incident_frame(
        [
            fact(1, severity="Sev2", at=w46, ack_s=100, resolve_s=1000),
            fact(2, severity="Sev2", at=T0, ack_s=10),
            fact(3, severity="Sev2", at=T0, ack_s=30, resolve_s=500),
            fact(4, severity="Sev1", at=T0, ack_s=60, resolve_s=600),
            fact(5, severity=None, at=T0 - timedelta(weeks=10), ack_s=1),  # outside
        ]
    )
    rows = weekly_response(frame, weeks=["2026-W46", "2026-W47"])
    assert rows == [
        {"severity": "Sev1", "week": "2026-W46", "count": 0,
         "mtta_median_s": None, "mttr_median_s": None},
        {"severity": "Sev1", "week": "2026-W47", "count": 1,
         "mtta_median_s": 60, "mttr_median_s": 600},
        {"severity": "Sev2", "week": "2026-W46", "count": 1,
         "mtta_median_s": 100, "mttr_median_s": 1000},
        {"severity": "Sev2", "week": "2026-W47", "count": 2,
         "mtta_median_s": 20, "mttr_median_s": 500},
        {"severity": None, "week": "2026-W46", "count": 0,
         "mtta_median_s": None, "mttr_median_s": None},
        {"severity": None, "week": "2026-W47", "count": 0,
         "mtta_median_s": None, "mttr_median_s": None},
    ]  # fmt: skip
    assert_plain_json(rows)


def test_weekly_response_of_nothing() -> None:
    assert weekly_response(incident_frame([]), weeks=["2026-W47"]) == []


# --- properties ----------------------------------------------------------------------------


@given(moment=st.datetimes(timezones=st.just(UTC)), n=st.integers(min_value=1, max_value=60))
def test_previous_weeks_ends_with_the_week_and_steps_by_seven_days(
    moment: datetime, n: int
) -> None:
    week = iso_week(moment)
    weeks = previous_weeks(week, n)
    assert len(weeks) == n
    assert weeks[-1] == week
    mondays = [datetime.strptime(w + "-1", "%G-W%V-%u") for w in weeks]
    assert all(b - a == timedelta(weeks=1) for a, b in itertools.pairwise(mondays))


@given(text=st.text(max_size=12))
def test_previous_weeks_on_arbitrary_text_only_raises_value_error(text: str) -> None:
    try:
        weeks = previous_weeks(text, 2)
    except ValueError:
        return
    assert len(weeks) == 2


def test_weeks_near_year_one() -> None:
    assert iso_week(datetime(999, 6, 1, tzinfo=UTC)) == "0999-W22"
    assert previous_weeks("0001-W02", 2) == ["0001-W01", "0001-W02"]
    with pytest.raises(ValueError, match="year 1"):
        previous_weeks("0001-W02", 3)
