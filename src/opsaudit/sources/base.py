"""What every source shares: where its API is, its credential, retries and errors.

A source module (``pagerduty.py``, ``slack.py``, ``github.py``) talks to one vendor
through that vendor's own client and returns our records (``opsaudit.records``) plus a
new cursor (its incremental-sync state, plain JSON). It never touches the store.
"""

from __future__ import annotations

import math
import os
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

Cursor = dict[str, Any]  # a source's incremental state, stored as JSON between syncs
Progress = Callable[[str], None]
REQUEST_LIMIT = 300.0  # seconds one request may take in all, a trickling answer included
REPORTED_WAIT = 1.0  # waits this long or longer are reported in the progress output


@dataclass(frozen=True)
class Endpoint:
    """An API's base URL, the token for it and the CA bundle to trust.

    The token is kept out of ``repr`` so that it never reaches a log or a traceback.
    """

    api_url: str
    token: str = field(repr=False)
    ca_file: Path | None = None
    deadline: Deadline = field(default_factory=lambda: Deadline(source=""), compare=False)

    def ssl_context(self) -> ssl.SSLContext:
        """A verifying TLS context: the system's roots, or the given CA file alone.

        Its sockets keep to the deadline (see :class:`BoundedSocket`): every read and
        write waits at most what is left of the source's time and of the request's
        :data:`REQUEST_LIMIT`, so a server trickling bytes cannot hold a source past
        its timeout; a certificate that fails verification is said as such, not retried.
        """
        if self.ca_file is not None:
            context = ssl.create_default_context(cafile=str(self.ca_file))
        else:
            context = ssl.create_default_context()
        # SSLContext.sslsocket_class is the documented hook for a custom SSLSocket
        context.sslsocket_class = type(
            "BoundedSocketOf", (BoundedSocket,), {"deadline": self.deadline, "endpoint": self}
        )
        return context

    def for_source(self, name: str) -> Endpoint:
        """This endpoint with a deadline that names ``name`` (an untimed one if none was
        given): what its errors start with."""
        if self.deadline.source:
            return self
        return replace(self, deadline=Deadline(source=name))

    def untrusted(self) -> str:
        """What to say when the server's certificate fails verification."""
        netloc = self.api_url.split("://", 1)[-1].split("/", 1)[0]
        trust = f"ca_file {self.ca_file}" if self.ca_file else "the system's CA certificates"
        return f"TLS certificate of {netloc} not trusted by {trust}"


class Deadline:
    """A source's time: after ``seconds`` (monotonic) everything it does stops.

    Checked between requests (:meth:`check`), before every wait (:meth:`wait`, which
    also reports the wait through ``progress``), and by the sockets of
    :meth:`Endpoint.ssl_context` during each read and write.
    """

    def __init__(
        self,
        *,
        source: str,
        seconds: float = math.inf,
        key: str = "",
        progress: Progress = lambda _message: None,
    ) -> None:
        self.source, self.seconds, self.key, self.progress = source, seconds, key, progress
        self.expires = time.monotonic() + seconds

    def remaining(self) -> float:
        return self.expires - time.monotonic()

    def expired(self) -> bool:
        return self.remaining() <= 0

    def error(self) -> SourceError:
        """The source's failure once its time is up."""
        return SourceError(self.source, f"gave up after {self._limit()}")

    def check(self) -> None:
        """Raise :meth:`error` once the time is up."""
        if self.expired():
            raise self.error()

    def wait(self, seconds: float, *, why: str, hint: str) -> None:
        """Sleep ``seconds`` before a retry, saying so (``slack: rate limited, waiting
        30 s (Retry-After)``); fail now if the wait would pass the deadline."""
        self.check()
        seconds = max(0.0, seconds)
        if seconds > self.remaining():
            raise SourceError(
                self.source, f"{why}: waiting {seconds:g} s ({hint}) would pass {self._limit()}"
            )
        if seconds >= REPORTED_WAIT:
            self.progress(f"{self.source}: {why}, waiting {seconds:g} s ({hint})")
        time.sleep(seconds)

    def bound(self, timeout: float | None, *, request_ends: float = math.inf) -> float | None:
        """A socket timeout cut to what is left of the source's and the request's time."""
        left = min(self.remaining(), request_ends - time.monotonic())
        if left <= 0:
            raise (
                self.error()
                if self.expired()
                else SourceError(self.source, f"a request took longer than {REQUEST_LIMIT:g} s")
            )
        if math.isinf(left):
            return timeout
        return left if timeout is None else min(timeout, left)

    def _limit(self) -> str:
        where = f" ({self.key})" if self.key else ""
        return f"the source's timeout of {duration_text(self.seconds)}{where}"


class BoundedSocket(ssl.SSLSocket):
    """An SSL socket whose every operation keeps to a :class:`Deadline` and to the
    request's :data:`REQUEST_LIMIT` (a request starts with a write). A socket read
    timeout alone lets a server that sends one byte every few seconds go on for ever."""

    deadline: ClassVar[Deadline]
    endpoint: ClassVar[Endpoint]

    def settimeout(self, value: float | None) -> None:
        self._asked = value  # what the client asked; each operation cuts it down
        super().settimeout(value)

    def _arm(self, *, starts_request: bool = False) -> None:
        if starts_request:
            self._request_ends = time.monotonic() + REQUEST_LIMIT
        ends = getattr(self, "_request_ends", math.inf)
        asked = getattr(self, "_asked", None)
        try:
            bound = self.deadline.bound(asked, request_ends=ends)
        except SourceError:
            self._drop()
            raise
        # a timeout now is the deadline's (or the request's), not the client's
        self._cut = bound is not None and (asked is None or bound < asked)
        super().settimeout(bound)

    def _timed_out(self) -> SourceError:
        """The error for a timeout of an operation the deadline had cut short."""
        self._drop()
        ends = getattr(self, "_request_ends", math.inf)
        if self.deadline.remaining() <= ends - time.monotonic():
            return self.deadline.error()
        return SourceError(self.deadline.source, f"a request took longer than {REQUEST_LIMIT:g} s")

    def _drop(self) -> None:
        # out of time: the connection is of no use to anyone. Closed now, even where a
        # client keeps a file made of it open (close() would wait for that file)
        if self.fileno() != -1:
            os.close(self.detach())

    def do_handshake(self, block: bool = False) -> None:
        self._arm(starts_request=True)
        try:
            super().do_handshake(block)
        except ssl.SSLCertVerificationError:
            self.close()
            raise SourceError(self.deadline.source, self.endpoint.untrusted()) from None
        except TimeoutError:
            if getattr(self, "_cut", False):
                raise self._timed_out() from None
            raise

    def recv(self, buflen: int = 1024, flags: int = 0) -> bytes:
        self._arm()
        self._sending = False  # the next write starts the next request
        try:
            return super().recv(buflen, flags)
        except TimeoutError:
            if self._cut:
                raise self._timed_out() from None
            raise

    def recv_into(self, buffer: Any, nbytes: int | None = None, flags: int = 0) -> int:
        self._arm()
        self._sending = False
        try:
            return super().recv_into(buffer, nbytes, flags)
        except TimeoutError:
            if self._cut:
                raise self._timed_out() from None
            raise

    def send(self, data: Any, flags: int = 0) -> int:
        self._arm(starts_request=not getattr(self, "_sending", False))
        self._sending = True
        try:
            return super().send(data, flags)
        except TimeoutError:
            if self._cut:
                raise self._timed_out() from None
            raise

    def sendall(self, data: Any, flags: int = 0) -> None:
        self._arm(starts_request=not getattr(self, "_sending", False))
        self._sending = True
        try:
            super().sendall(data, flags)
        except TimeoutError:
            if self._cut:
                raise self._timed_out() from None
            raise


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


_UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))


def duration_text(seconds: float) -> str:
    """``7200`` -> ``2h``, ``90`` -> ``90s``: the largest unit that divides it."""
    if math.isinf(seconds):
        return "none"
    whole = round(seconds)
    for unit, size in _UNITS:
        if whole >= size and whole % size == 0:
            return f"{whole // size}{unit}"
    return f"{seconds:g}s"


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
