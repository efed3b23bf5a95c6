"""How checks write instants and durations in their messages (shared, no rule in it)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from opsaudit.checks.model import minutes


def span(seconds: float) -> str:
    """A duration for a message, with seconds when they matter: ``15 min 01 s``."""
    if seconds % 60 == 0 or seconds >= 7200:
        return minutes(seconds)
    whole = int(seconds)
    return f"{whole // 60} min {whole % 60:02d} s"


def clock(moment: datetime, *, day: date | None = None) -> str:
    """An instant for a message: ``10:15 UTC``, ``10:15:00.000001 UTC``; the date is
    written too unless it is ``day`` (usually the trigger's)."""
    moment = moment.astimezone(UTC)
    text = moment.strftime("%H:%M" if moment.date() == day else "%Y-%m-%d %H:%M")
    if moment.second or moment.microsecond:
        text += moment.strftime(":%S")
    if moment.microsecond:
        text += moment.strftime(".%f")
    return f"{text} UTC"


def utc_minute(moment: datetime) -> str:
    """``2026-11-20 12:00 UTC``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
