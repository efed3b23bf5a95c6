"""Times as people write them: dates, zones, and words that only look like zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsaudit.parsing.timestamps import FoundTime, find_dates, find_times, first_time

DAY = date(2026, 11, 5)


def one(text: str) -> FoundTime:
    found = first_time(text)
    assert found is not None, text
    return found


@pytest.mark.parametrize(
    ("text", "day", "clock", "zone", "utc"),
    [
        ("14:02 UTC", None, time(14, 2), "UTC", True),
        ("2026-11-05 14:02Z", DAY, time(14, 2), "Z", True),
        ("2026-11-05T14:02:33+00:00 ok", DAY, time(14, 2, 33), "+00:00", True),
        ("2026-11-05 14:02 GMT", DAY, time(14, 2), "GMT", True),
        ("10:00 (UTC)", None, time(10, 0), "UTC", True),
        ("9:05 utc", None, time(9, 5), "UTC", True),
        ("at 09:15 PST", None, time(9, 15), "PST", False),
        ("11:00 +02:00", None, time(11, 0), "+02:00", False),
        ("14:50 CTO paged", None, time(14, 50), None, False),
        ("Next update by 14:40", None, time(14, 40), None, False),
    ],
)
def test_a_time_its_date_and_its_zone(
    text: str, day: date | None, clock: time, zone: str | None, utc: bool
) -> None:
    found = first_time(text)
    assert found is not None
    assert (found.date, found.clock, found.zone, found.is_utc) == (day, clock, zone, utc)


def test_instants_need_a_known_zone_and_a_date() -> None:
    assert one("14:02 UTC").instant(DAY) == datetime(2026, 11, 5, 14, 2, tzinfo=UTC)
    assert one("14:02 UTC").instant() is None  # no date
    assert one("11:00 +02:00").instant(DAY) == datetime(2026, 11, 5, 9, 0, tzinfo=UTC)
    assert one("09:15 PST").instant(DAY) is None  # ambiguous
    bare = first_time("14:40")
    assert bare is not None and bare.instant(DAY) is None
    assert bare.instant(DAY, assume_utc=True) == datetime(2026, 11, 5, 14, 40, tzinfo=UTC)
    assert one("9999-12-31 23:59 -05:00").instant() is None


@pytest.mark.parametrize(
    "text", ["25:00 UTC", "ratio 1:30:99", "v1.2:30", "2026-13-01 10:00 UTC", "1:3"]
)
def test_things_that_are_not_times(text: str) -> None:
    assert find_times(text) == []


def test_slack_date_tokens_read_by_their_fallback() -> None:
    found = find_times("<!date^1700000000^{time}|14:05 UTC> then 15:00 UTC")
    assert [(t.clock, t.zone) for t in found] == [(time(14, 5), "UTC"), (time(15, 0), "UTC")]


def test_real_dates_only() -> None:
    assert find_dates("on 2026-11-05 and 2026-02-30, then 2026-12-01") == [
        DAY,
        date(2026, 12, 1),
    ]


@given(st.text())
def test_never_raises(text: str) -> None:
    for found in find_times(text):
        found.instant(DAY)
        found.instant(DAY, assume_utc=True)
    find_dates(text)
