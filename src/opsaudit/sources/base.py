"""What every source shares: where its API is, its credential, retries and errors.

A source module (``pagerduty.py``, ``slack.py``, ``github.py``) talks to one vendor
through that vendor's own client and returns our records (``opsaudit.records``) plus a
new cursor (its incremental-sync state, plain JSON). It never touches the store.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

Cursor = dict[str, Any]  # a source's incremental state, stored as JSON between syncs


@dataclass(frozen=True)
class Endpoint:
    """An API's base URL, the token for it and the CA bundle to trust.

    The token is kept out of ``repr`` so that it never reaches a log or a traceback.
    """

    api_url: str
    token: str = field(repr=False)
    ca_file: Path | None = None

    def ssl_context(self) -> ssl.SSLContext:
        """A verifying TLS context: the system's roots, or the given CA file alone."""
        if self.ca_file is not None:
            return ssl.create_default_context(cafile=str(self.ca_file))
        return ssl.create_default_context()


@dataclass(frozen=True)
class Window:
    """Incidents are selected by trigger time in ``[since, until)``."""

    since: datetime
    until: datetime

    def __post_init__(self) -> None:
        if self.since.tzinfo is None or self.until.tzinfo is None:
            raise ValueError("window bounds must be timezone-aware")
        if self.since >= self.until:
            raise ValueError(f"empty window: since {self.since} is not before until {self.until}")


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries shared by every source.

    A rate-limit answer is retried after the wait the server asks for (``Retry-After``
    or ``ratelimit-reset``), capped at ``max_wait``; a 5xx is retried with exponential
    backoff from ``backoff`` seconds. Never more than ``attempts`` tries per request.
    """

    attempts: int = 6
    backoff: float = 0.5
    max_wait: float = 60.0

    def backoff_for(self, attempt: int) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based) after a 5xx."""
        return float(min(self.max_wait, self.backoff * (2 ** (attempt - 1))))

    def wait_for(self, header_value: str | None, attempt: int) -> float:
        """Seconds to wait after a rate-limit answer carrying ``header_value``."""
        try:
            asked = float(header_value) if header_value is not None else None
        except ValueError:
            asked = None
        if asked is None or asked < 0:
            return self.backoff_for(attempt)
        return min(self.max_wait, asked)


DEFAULT_RETRY = RetryPolicy()


@dataclass
class RequestCounter:
    """HTTP requests a source made, retries included (reported in the results JSON)."""

    count: int = 0

    def add(self, n: int = 1) -> None:
        self.count += n


class SourceError(Exception):
    """A source could not finish. The message names what failed and never holds a token."""

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source
        self.message = message


def utc(value: str | None) -> datetime | None:
    """Parse an ISO-8601 instant from an API (``Z`` or an offset) into aware UTC."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def iso(moment: datetime) -> str:
    """An aware datetime as ISO-8601 UTC with ``Z`` (seconds precision if whole)."""
    text = moment.astimezone(UTC).isoformat()
    return text.replace("+00:00", "Z")
