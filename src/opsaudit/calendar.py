"""Business days and holidays: the calendar behind "within N business days" deadlines.

``rules.md``: a business day is Monday to Friday in the policy ``timezone``, minus the
holidays of ``holidays.country`` (and ``subdivision``, from the ``holidays`` package)
and the listed ``holidays.dates``. "Within N business days of X" means by the end
(23:59:59.999999 local) of the Nth business day after X's local date.

All instants returned here are timezone-aware UTC datetimes, so checks compare them
with event times directly. Naive datetimes given to it are taken as UTC, like the
records, whose times are all UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_pkg

from opsaudit.policy import Policy

_ONE_DAY = timedelta(days=1)
_ONE_MICROSECOND = timedelta(microseconds=1)
_SATURDAY = 5


class BusinessCalendar:
    """Weekdays in one time zone, minus a country's public holidays and listed dates.

    A country's holidays are computed lazily, one year at a time, the first time a
    date of that year is asked about.
    """

    def __init__(
        self,
        *,
        timezone: str = "UTC",
        country: str | None = None,
        subdivision: str | None = None,
        dates: Iterable[date] = (),
    ) -> None:
        try:
            self._zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {timezone!r}") from None
        self._timezone = timezone
        # ISO 3166 codes; the package only knows them in upper case.
        self._country = country.strip().upper() if country else None
        self._subdivision = subdivision if self._country is not None else None
        self._listed = frozenset(dates)
        self._by_year: dict[int, frozenset[date]] = {}
        if self._country is not None:
            # Fail at construction, not at the first deadline computed deep inside a check.
            self._country_holidays(self._country, None)

    @classmethod
    def from_policy(cls, policy: Policy) -> BusinessCalendar:
        """The calendar of a policy's ``timezone`` (UTC when unset) and ``holidays``."""
        return cls(
            timezone=policy.timezone or "UTC",
            country=policy.holidays.country,
            subdivision=policy.holidays.subdivision,
            dates=policy.holidays.dates,
        )

    @property
    def timezone(self) -> str:
        """The IANA name of the calendar's time zone."""
        return self._timezone

    def is_business_day(self, day: date) -> bool:
        """Whether ``day`` is Monday to Friday and neither a country holiday nor listed."""
        if day.weekday() >= _SATURDAY or day in self._listed:
            return False
        return day not in self._holidays_of(day.year)

    def local_date(self, moment: datetime) -> date:
        """The calendar date of ``moment`` in the calendar's time zone."""
        return _as_utc(moment).astimezone(self._zone).date()

    def add_business_days(self, moment: datetime, days: int) -> datetime:
        """The end of the ``days``-th business day after ``moment``'s local date (UTC).

        Counting starts on the day after the local date whatever that date is, so an
        instant on a Saturday with ``days=1`` ends on Monday (if Monday is a business
        day). ``days=0`` gives the end of the local date itself. Negative ``days`` is a
        ValueError.
        """
        if days < 0:
            raise ValueError(f"business days must not be negative, got {days}")
        day = self.local_date(moment)
        remaining = days
        while remaining > 0:
            day += _ONE_DAY
            if self.is_business_day(day):
                remaining -= 1
        return self.end_of_day(day)

    def end_of_next_business_day(self, moment: datetime) -> datetime:
        """The end of the first business day after ``moment``'s local date (UTC)."""
        return self.add_business_days(moment, 1)

    def end_of_day(self, day: date) -> datetime:
        """The last instant (23:59:59.999999 local) of ``day`` as an aware UTC datetime."""
        # The next local midnight minus 1 µs, taken in UTC: on DST days the local day is
        # 23 or 25 hours long, and fold=0 puts a midnight skipped by a DST gap at the
        # transition itself, which is still where the next day begins.
        next_midnight = datetime.combine(day + _ONE_DAY, time(0), tzinfo=self._zone)
        return next_midnight.astimezone(UTC) - _ONE_MICROSECOND

    def _holidays_of(self, year: int) -> frozenset[date]:
        known = self._by_year.get(year)
        if known is None:
            country = self._country
            known = frozenset() if country is None else self._country_holidays(country, year)
            self._by_year[year] = known
        return known

    def _country_holidays(self, country: str, year: int | None) -> frozenset[date]:
        try:
            found = holidays_pkg.country_holidays(
                country, subdiv=self._subdivision, years=[] if year is None else [year]
            )
        except NotImplementedError:
            where = country
            if self._subdivision is not None:
                where = f"{country} subdivision {self._subdivision}"
            raise ValueError(f"no holidays known for {where!r}") from None
        return frozenset(found.keys())


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment
