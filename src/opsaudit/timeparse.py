"""Command-line instants: an ISO-8601 date or date-time; a date alone means 00:00 UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime


def parse_instant(text: str) -> datetime:
    """``2026-11-01`` -> 2026-11-01T00:00Z; a naive date-time is taken as UTC.

    Raises ValueError with a message fit for the user.
    """
    value = text.strip()
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO-8601 date or date-time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
