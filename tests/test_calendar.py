"""The business calendar: weekends, holidays, time zones, DST and the last instant of a day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsaudit.calendar import BusinessCalendar
from opsaudit.policy import build_policy

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
US = BusinessCalendar(country="US")


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


def eod_utc(year: int, month: int, day: int) -> datetime:
    return utc(year, month, day, 23, 59, 59, 999999)


# --- business days -----------------------------------------------------------------------


def test_weekdays_are_business_days_and_weekends_are_not() -> None:
    cal = BusinessCalendar()
    # 2026-11-16 is a Monday.
    week = [date(2026, 11, 16) + timedelta(days=i) for i in range(7)]
    assert [cal.is_business_day(d) for d in week] == [True] * 5 + [False] * 2


def test_us_thanksgiving_is_a_holiday() -> None:
    assert not US.is_business_day(date(2026, 11, 26))
    assert US.is_business_day(date(2026, 11, 27))
    # Without a country the same Thursday is an ordinary business day.
    assert BusinessCalendar().is_business_day(date(2026, 11, 26))


def test_country_holidays_are_computed_for_any_year() -> None:
    assert not US.is_business_day(date(2025, 11, 27))  # Thanksgiving 2025
    assert not US.is_business_day(date(2027, 11, 25))  # Thanksgiving 2027
    # An observed holiday spilling into the previous year: 2022-01-01 was a Saturday.
    assert not US.is_business_day(date(2021, 12, 31))


def test_subdivision_adds_its_own_holidays() -> None:
    # Epiphany (6 Jan) is a holiday in Bavaria but not in Germany as a whole.
    epiphany = date(2026, 1, 6)
    assert BusinessCalendar(country="DE").is_business_day(epiphany)
    assert not BusinessCalendar(country="DE", subdivision="BY").is_business_day(epiphany)
    # Good Friday is national: a holiday with or without a subdivision.
    good_friday = date(2026, 4, 3)
    assert not BusinessCalendar(country="DE").is_business_day(good_friday)
    assert not BusinessCalendar(country="DE", subdivision="BY").is_business_day(good_friday)


def test_listed_dates_are_holidays_with_or_without_a_country() -> None:
    cal = BusinessCalendar(dates=[date(2026, 12, 24)])
    assert not cal.is_business_day(date(2026, 12, 24))
    assert cal.is_business_day(date(2026, 12, 23))
    with_country = BusinessCalendar(country="US", dates=[date(2026, 12, 24)])
    assert not with_country.is_business_day(date(2026, 12, 24))
    assert not with_country.is_business_day(date(2026, 12, 25))


def test_country_code_in_lower_case_is_accepted() -> None:
    assert not BusinessCalendar(country="us").is_business_day(date(2026, 11, 26))


def test_unknown_country_is_a_value_error_naming_it() -> None:
    with pytest.raises(ValueError, match="XX"):
        BusinessCalendar(country="XX")


def test_unknown_subdivision_is_a_value_error_naming_it() -> None:
    with pytest.raises(ValueError, match="ZZ"):
        BusinessCalendar(country="DE", subdivision="ZZ")


def test_unknown_time_zone_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="Mars/Olympus"):
        BusinessCalendar(timezone="Mars/Olympus")


# --- from_policy ---------------------------------------------------------------------------


def test_from_policy_defaults_to_utc_without_holidays() -> None:
    cal = BusinessCalendar.from_policy(build_policy())
    assert cal.timezone == "UTC"
    assert cal.is_business_day(date(2026, 12, 25))


def test_from_policy_reads_zone_country_subdivision_and_dates() -> None:
    policy = build_policy(
        {
            "timezone": "Europe/Berlin",
            "holidays": {"country": "DE", "subdivision": "BY", "dates": ["2026-12-24"]},
        }
    )
    cal = BusinessCalendar.from_policy(policy)
    assert cal.timezone == "Europe/Berlin"
    assert not cal.is_business_day(date(2026, 1, 6))
    assert not cal.is_business_day(date(2026, 12, 24))
    assert cal.end_of_day(date(2026, 1, 5)) == datetime(
        2026, 1, 5, 23, 59, 59, 999999, tzinfo=BERLIN
    )


# --- end_of_day ------------------------------------------------------------------------


def test_end_of_day_in_utc() -> None:
    end = BusinessCalendar().end_of_day(date(2026, 11, 20))
    assert end == eod_utc(2026, 11, 20)
    assert end.tzinfo is UTC


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # Winter (CET, +01:00) and summer (CEST, +02:00).
        (date(2026, 1, 15), utc(2026, 1, 15, 22, 59, 59, 999999)),
        (date(2026, 7, 15), utc(2026, 7, 15, 21, 59, 59, 999999)),
        # 2026-03-29: clocks jump 02:00 -> 03:00; the day already ends in summer time.
        (date(2026, 3, 28), utc(2026, 3, 28, 22, 59, 59, 999999)),
        (date(2026, 3, 29), utc(2026, 3, 29, 21, 59, 59, 999999)),
        # 2026-10-25: clocks go back 03:00 -> 02:00; the day ends in winter time.
        (date(2026, 10, 24), utc(2026, 10, 24, 21, 59, 59, 999999)),
        (date(2026, 10, 25), utc(2026, 10, 25, 22, 59, 59, 999999)),
    ],
)
def test_end_of_day_in_berlin_across_dst(day: date, expected: datetime) -> None:
    assert BusinessCalendar(timezone="Europe/Berlin").end_of_day(day) == expected


def test_dst_days_are_23_and_25_hours_long() -> None:
    cal = BusinessCalendar(timezone="Europe/Berlin")
    spring = cal.end_of_day(date(2026, 3, 29)) - cal.end_of_day(date(2026, 3, 28))
    autumn = cal.end_of_day(date(2026, 10, 25)) - cal.end_of_day(date(2026, 10, 24))
    assert spring == timedelta(hours=23)
    assert autumn == timedelta(hours=25)


def test_end_of_day_where_midnight_is_skipped_by_dst() -> None:
    # Santiago springs forward at local midnight: 2026-09-06 starts at 01:00 (-03:00),
    # which is 04:00 UTC, so 2026-09-05 ends 1 µs before that.
    cal = BusinessCalendar(timezone="America/Santiago")
    assert cal.end_of_day(date(2026, 9, 5)) == utc(2026, 9, 6, 3, 59, 59, 999999)


# --- add_business_days ---------------------------------------------------------------------


def test_next_business_day_of_a_weekday() -> None:
    # Tuesday -> end of Wednesday.
    assert US.end_of_next_business_day(utc(2026, 11, 17, 10)) == eod_utc(2026, 11, 18)


def test_friday_evening_resolution_is_due_monday() -> None:
    friday_evening = utc(2026, 11, 20, 22, 30)
    assert US.end_of_next_business_day(friday_evening) == eod_utc(2026, 11, 23)


@pytest.mark.parametrize("weekend_day", [21, 22])
def test_weekend_moment_counts_from_the_next_days(weekend_day: int) -> None:
    # Saturday or Sunday: the first business day after is Monday.
    assert US.add_business_days(utc(2026, 11, weekend_day, 12), 1) == eod_utc(2026, 11, 23)


def test_holiday_moment_counts_from_the_next_days() -> None:
    # On Thanksgiving (Thu): the first business day after is Friday.
    assert US.end_of_next_business_day(utc(2026, 11, 26, 9)) == eod_utc(2026, 11, 27)


def test_five_business_days_across_a_holiday() -> None:
    # Monday 2026-11-23 + 5: Tue, Wed, (Thanksgiving skipped), Fri, Mon, Tue.
    assert US.add_business_days(utc(2026, 11, 23, 15), 5) == eod_utc(2026, 12, 1)
    # Without the holiday it ends a day earlier.
    plain = BusinessCalendar()
    assert plain.add_business_days(utc(2026, 11, 23, 15), 5) == eod_utc(2026, 11, 30)


def test_five_business_days_across_listed_dates_and_a_year_end() -> None:
    cal = BusinessCalendar(country="US", dates=[date(2026, 12, 24), date(2026, 12, 31)])
    # Wed 12-23 + 5: (24 listed, 25 Christmas, weekend) 28, 29, 30, (31 listed),
    # (2027-01-01 New Year, weekend) 01-04, 01-05.
    assert cal.add_business_days(utc(2026, 12, 23, 12), 5) == eod_utc(2027, 1, 5)


def test_zero_days_is_the_end_of_the_local_date() -> None:
    assert US.add_business_days(utc(2026, 11, 21, 8), 0) == eod_utc(2026, 11, 21)


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError, match="-1"):
        US.add_business_days(utc(2026, 11, 21, 8), -1)


def test_counting_starts_from_the_local_date_not_the_utc_date() -> None:
    cal = BusinessCalendar(timezone="America/New_York")
    # Friday 21:30 in New York is already Saturday 02:30 UTC: locally it is Friday,
    # so the next business day is Monday, which ends 05:00 UTC on Tuesday (EST).
    friday_night = datetime(2026, 11, 20, 21, 30, tzinfo=NEW_YORK)
    assert friday_night.astimezone(UTC).date() == date(2026, 11, 21)
    assert cal.end_of_next_business_day(friday_night) == utc(2026, 11, 24, 4, 59, 59, 999999)
    # Berlin: Monday 00:30 local is still Sunday in UTC; counting starts after Monday.
    berlin = BusinessCalendar(timezone="Europe/Berlin")
    monday_early = utc(2026, 11, 22, 23, 30)
    assert berlin.end_of_next_business_day(monday_early) == utc(2026, 11, 24, 22, 59, 59, 999999)


def test_next_business_day_across_the_spring_dst_change() -> None:
    cal = BusinessCalendar(timezone="Europe/Berlin")
    # Friday 2026-03-27 in CET; Monday 03-30 is in CEST, so its end is 21:59:59Z.
    due = cal.end_of_next_business_day(datetime(2026, 3, 27, 18, tzinfo=BERLIN))
    assert due == utc(2026, 3, 30, 21, 59, 59, 999999)
    assert due == datetime(2026, 3, 30, 23, 59, 59, 999999, tzinfo=BERLIN)


def test_next_business_day_across_the_autumn_dst_change() -> None:
    cal = BusinessCalendar(timezone="Europe/Berlin")
    # Friday 2026-10-23 in CEST; Monday 10-26 is in CET, so its end is 22:59:59Z.
    due = cal.end_of_next_business_day(datetime(2026, 10, 23, 18, tzinfo=BERLIN))
    assert due == utc(2026, 10, 26, 22, 59, 59, 999999)


def test_the_last_instant_meets_the_deadline_and_one_microsecond_later_does_not() -> None:
    due = US.end_of_next_business_day(utc(2026, 11, 20, 22, 30))
    last = utc(2026, 11, 23, 23, 59, 59, 999999)
    assert last <= due
    assert not last + timedelta(microseconds=1) <= due


def test_naive_moments_are_taken_as_utc() -> None:
    cal = BusinessCalendar(timezone="Europe/Berlin")
    naive = datetime(2026, 11, 22, 23, 30)  # Sunday 23:30 UTC = Monday 00:30 Berlin
    assert cal.local_date(naive) == date(2026, 11, 23)
    assert cal.add_business_days(naive, 0) == utc(2026, 11, 23, 22, 59, 59, 999999)


# --- properties ----------------------------------------------------------------------------

BERLIN_BY = BusinessCalendar(timezone="Europe/Berlin", country="DE", subdivision="BY")


@given(
    moment=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2060, 12, 31), timezones=st.just(UTC)
    ),
    days=st.integers(min_value=0, max_value=30),
)
def test_add_business_days_ends_the_nth_business_day_after_the_local_date(
    moment: datetime, days: int
) -> None:
    due = BERLIN_BY.add_business_days(moment, days)
    local = due.astimezone(BERLIN)
    assert due.tzinfo is UTC
    assert (local.hour, local.minute, local.second, local.microsecond) == (23, 59, 59, 999999)
    start = BERLIN_BY.local_date(moment)
    between = [start + timedelta(days=i) for i in range(1, (local.date() - start).days + 1)]
    assert sum(BERLIN_BY.is_business_day(d) for d in between) == days
    if days > 0:
        assert BERLIN_BY.is_business_day(local.date())
    else:
        assert local.date() == start
