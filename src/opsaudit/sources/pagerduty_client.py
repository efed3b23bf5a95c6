"""The ``pagerduty`` REST client as opsaudit drives it.

:class:`AuditClient` is ``pagerduty.RestApiV2Client`` with three changes, all made
through its documented knobs (``retry``, ``max_http_attempts``, ``sleep_timer``,
``log``) and its ``postprocess`` hook:

- every HTTP response, retries included, is counted;
- a 429 waits what ``ratelimit-reset`` asks (the client's default retries 429 forever
  on its own exponential timer), a 5xx backs off exponentially, both from our
  :class:`RetryPolicy` and never more than ``attempts`` tries per request;
- a refused token, any other 4xx but 404, and exhausted retries raise
  :class:`SourceError` naming the endpoint and status, never the token (the client's
  own 401 message quotes the key's last characters, so it must not be reached).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

import pagerduty
from httpx2 import Response

from opsaudit.sources.base import Endpoint, RequestCounter, RetryPolicy, SourceError, iso

JSON = dict[str, Any]
SOURCE = "pagerduty"
CAP = 10_000  # PagerDuty answers 400 once offset + limit passes this
_RETRIED = (429, 500, 502, 503, 504)
_LOG = logging.getLogger("opsaudit.sources.pagerduty.client")


class _TooMany(Exception):
    """A query matches more results than classic pagination can reach."""


class _Redact(logging.Filter):
    """Blanks the token out of every record before any handler sees it."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self._secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if self._secret and self._secret in text:
            record.msg, record.args = text.replace(self._secret, "[token]"), ()
        return True


def _client_logger(secret: str) -> logging.Logger:
    # A logger of its own per client (outside the registry, so filters never pile up
    # on a shared one); records still propagate to the handlers of _LOG and the root.
    logger = logging.Logger(_LOG.name)
    logger.parent = _LOG
    logger.addFilter(_Redact(secret))
    return logger


class AuditClient(pagerduty.RestApiV2Client):
    """A REST v2 client with bounded, header-aware retries and counted requests."""

    def __init__(
        self, *, endpoint: Endpoint, retry: RetryPolicy, counter: RequestCounter, page_size: int
    ) -> None:
        # kwargs other than base_url reach httpx2.Client: verify takes our TLS context
        super().__init__(
            endpoint.token, base_url=endpoint.api_url.rstrip("/"), verify=endpoint.ssl_context()
        )
        self.log = _client_logger(endpoint.token)
        self._policy = retry
        self._counter = counter
        self._failures = 0  # consecutive retryable failures of the request in flight
        budget = max(1, retry.attempts)
        # A backstop only: postprocess gives up first, after `attempts` responses.
        self.retry = dict.fromkeys(_RETRIED, budget)
        self.max_http_attempts = budget
        self.sleep_timer = 0.0  # postprocess does the waiting, with the server's hint
        self.default_page_size = page_size

    def postprocess(self, response: Response, suffix: str | None = None) -> None:
        """Count the response, wait before a retry, or stop with a clean error."""
        super().postprocess(response, suffix)
        self._counter.add()
        status = response.status_code
        if status in _RETRIED:
            self._failures += 1
            if self._failures >= max(1, self._policy.attempts):
                self._failures = 0
                raise SourceError(
                    SOURCE,
                    f"{_where(response)}: HTTP {status}, gave up after "
                    f"{self._policy.attempts} attempts",
                )
            if status == 429:
                hint = response.headers.get("ratelimit-reset") or response.headers.get(
                    "retry-after"
                )
                time.sleep(self._policy.wait_for(hint, self._failures))
            else:
                time.sleep(self._policy.backoff_for(self._failures))
            return
        self._failures = 0
        if status in (401, 403):
            raise SourceError(
                SOURCE, f"{_where(response)}: HTTP {status}, the token was refused or lacks access"
            )
        if not response.is_success and status != 404:
            raise SourceError(SOURCE, f"{_where(response)}: HTTP {status}")

    def get_one(
        self, path: str, wrapper: str, params: Mapping[str, Any] | None = None
    ) -> JSON | None:
        """``GET path`` and unwrap ``wrapper`` from the body; None on 404."""
        response = self.get(path, params=dict(params or {}))
        if response.status_code == 404:
            return None
        body: JSON = response.json()[wrapper]
        return body

    def iter_list(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[JSON]:
        """Every result of a classic-paginated list without a time range."""
        yield from self.iter_all(path, params=dict(params or {}))

    def iter_range(
        self,
        path: str,
        *,
        since: datetime,
        until: datetime,
        params: Mapping[str, Any] | None = None,
        cap: int = CAP,
    ) -> Iterator[JSON]:
        """Every result of ``path`` in [since, until), halving the range until each
        query holds fewer than ``cap`` results (the client itself stops at PagerDuty's
        10,000 with only a warning, which would silently truncate)."""
        pending = [(since, until)]
        while pending:
            lo, hi = pending.pop(0)
            query = {**(params or {}), "since": iso(lo), "until": iso(hi)}
            try:
                yield from self._iter_below(path, query, cap)
            except _TooMany:
                mid = _midpoint(lo, hi)
                if mid is None:
                    raise SourceError(
                        SOURCE,
                        f"GET {path}: {cap} or more results within one second "
                        f"at {iso(lo)}; cannot page through them",
                    ) from None
                pending[0:0] = [(lo, mid), (mid, hi)]

    def _iter_below(self, path: str, query: JSON, cap: int) -> Iterator[JSON]:
        # total=true makes the first page carry the count; the hook sees it before the
        # first result is yielded, so nothing of an oversized query leaks out.
        def check(_item: JSON, n: int, total: int | str) -> None:
            if n == 1 and isinstance(total, int) and total >= cap:
                raise _TooMany

        yield from self.iter_all(path, params=query, total=True, item_hook=check)


def describe(exc: pagerduty.Error) -> str:
    """A token-free message for an error the client raised itself."""
    response = getattr(exc, "response", None)
    if isinstance(response, Response):
        return f"{_where(response)}: HTTP {response.status_code}, unexpected answer"
    cause = type(exc.__cause__).__name__ if exc.__cause__ else type(exc).__name__
    return f"the API could not be reached ({cause})"


def _where(response: Response) -> str:
    url = response.request.url
    return f"{response.request.method} {url.scheme}://{url.netloc.decode()}{url.path}"


def _midpoint(lo: datetime, hi: datetime) -> datetime | None:
    """The middle of [lo, hi) to whole seconds, or None when it cannot be split."""
    mid = lo + timedelta(seconds=int((hi - lo).total_seconds() // 2))
    return mid if lo < mid < hi else None
