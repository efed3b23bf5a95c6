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
  own 401 message quotes the key's last characters, so it must not be reached);
- the endpoint's deadline is checked before every request and every wait, and its TLS
  context bounds every socket operation (a server trickling bytes);
- a network error (no connection, a dropped one) is retried with exponential backoff
  from our :class:`RetryPolicy`, each wait within the source's deadline: the client's
  own network retries (``max_network_attempts``) would sleep outside it;
- lists are paged here, not by the client's ``iter_all``: a server that says ``more``
  with an empty page, repeats a page or never stops fails the source instead of being
  asked again for ever;
- a time range is cut into pieces of at most ``MAX_RANGE`` (PagerDuty refuses since
  and until more than 6 months apart with a 400), and a piece that holds PagerDuty's
  10,000 results or more, by ``total`` or, where the server leaves ``total`` null, by
  counting, is halved: never truncated in silence.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

import pagerduty
from httpx2 import Response, TransportError

from opsaudit.sources.base import Endpoint, RequestCounter, RetryPolicy, SourceError, iso

JSON = dict[str, Any]
SOURCE = "pagerduty"
CAP = 10_000  # PagerDuty answers 400 once offset + limit passes this
# PagerDuty answers 400 for since and until more than 6 months apart: 180 days is
# under 6 calendar months whichever months they are
MAX_RANGE = timedelta(days=180)
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
        endpoint = endpoint.for_source(SOURCE)
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
        self.max_network_attempts = 0  # _get retries network errors, within the deadline
        self.default_page_size = page_size
        self._deadline = endpoint.deadline

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
                reset = response.headers.get("ratelimit-reset")
                hint = reset or response.headers.get("retry-after")
                self._deadline.wait(
                    self._policy.wait_for(hint, self._failures),
                    why="rate limited",
                    hint="ratelimit-reset" if reset else "Retry-After" if hint else "backoff",
                )
            else:
                self._deadline.wait(
                    self._policy.backoff_for(self._failures), why=f"HTTP {status}", hint="backoff"
                )
            return
        self._failures = 0
        if status in (401, 403):
            raise SourceError(
                SOURCE, f"{_where(response)}: HTTP {status}, the token was refused or lacks access"
            )
        if not response.is_success and status != 404:
            raise SourceError(SOURCE, f"{_where(response)}: HTTP {status}")

    def _get(self, path: str, params: JSON) -> Response:
        """``GET path``; a network error is retried after a growing wait (the policy's
        backoff), at most ``attempts`` tries and never past the deadline."""
        for attempt in range(1, max(1, self._policy.attempts) + 1):
            self._deadline.check()
            try:
                return self.get(path, params=params)
            except pagerduty.Error as exc:
                transient = isinstance(exc.__cause__, TransportError)
                if not transient or attempt >= self._policy.attempts:
                    raise
                if self._deadline.expired():
                    raise self._deadline.error() from None
                cause = type(exc.__cause__).__name__
                self._deadline.wait(
                    self._policy.backoff_for(attempt),
                    why=f"network error ({cause})",
                    hint="backoff",
                )
        raise AssertionError("unreachable")  # pragma: no cover

    def get_one(
        self, path: str, wrapper: str, params: Mapping[str, Any] | None = None
    ) -> JSON | None:
        """``GET path`` and unwrap ``wrapper`` from the body; None on 404."""
        response = self._get(path, dict(params or {}))
        if response.status_code == 404:
            return None
        body: JSON = response.json()[wrapper]
        return body

    def iter_list(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[JSON]:
        """Every result of a classic-paginated list without a time range (one that
        reaches PagerDuty's 10,000 fails: with no range there is nothing to split)."""
        try:
            for results, _ in self._classic(path, dict(params or {}), total=False):
                yield from results
        except _TooMany:
            raise SourceError(
                SOURCE,
                f"GET {path}: more than {CAP:,} results and no time range to split them by; "
                "classic pagination cannot reach them",
            ) from None

    def iter_range(
        self,
        path: str,
        *,
        since: datetime,
        until: datetime,
        params: Mapping[str, Any] | None = None,
        cap: int = CAP,
    ) -> Iterator[JSON]:
        """Every result of ``path`` in [since, until): the range cut into pieces of at
        most ``MAX_RANGE``, each halved until a query holds fewer than ``cap`` results
        (the client itself stops at PagerDuty's 10,000 with only a warning, which would
        silently truncate)."""
        pending = list(_pieces(since, until))
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
        """The results of one query, or :class:`_TooMany` before any is yielded when it
        holds ``cap`` or more: known from ``total`` on the first page (asked for with
        ``total=true``), else, where the server leaves it null, by holding the results
        back until the listing ends below ``cap``."""
        held: list[JSON] = []
        counted = False
        for n, (results, body) in enumerate(self._classic(path, query, total=True)):
            count = body.get("total")
            if n == 0 and isinstance(count, int) and not isinstance(count, bool):
                if count >= cap:
                    raise _TooMany
                counted = True
            if counted:
                yield from results
                continue
            held += results
            if len(held) >= cap:
                raise _TooMany
        yield from held

    def _classic(self, path: str, query: JSON, *, total: bool) -> Iterator[tuple[list[JSON], JSON]]:
        """Classic pagination (``offset``, ``limit``, ``more``), page by page (results,
        body): the requests the client's ``iter_all`` would make, with guards. ``more``
        with an empty page, or a page of nothing new, fails; ``more`` at PagerDuty's
        10,000 raises :class:`_TooMany` (the caller splits the range or fails)."""
        wrapper = path.rstrip("/").rsplit("/", 1)[-1]  # /incidents/{id}/log_entries
        limit = self.default_page_size
        most = math.ceil(CAP / limit)
        offset, pages, seen = 0, 0, set[str]()
        while True:
            pages += 1
            if offset + limit > CAP or pages > most:
                raise _TooMany
            params = {"limit": limit, "total": str(total).lower(), **query, "offset": offset}
            response = self._get(path, params)
            if not response.is_success:  # postprocess lets a 404 through
                raise SourceError(SOURCE, f"{_where(response)}: HTTP {response.status_code}")
            body = response.json()
            results = body.get(wrapper)
            if not isinstance(results, list):
                raise SourceError(SOURCE, f"GET {path}: the answer holds no {wrapper!r} list")
            more = body.get("more") is True
            ids = {str(r["id"]) for r in results if isinstance(r, dict) and r.get("id")}
            if more and not results:
                raise SourceError(
                    SOURCE,
                    f"GET {path}: the server said more but sent an empty page (offset {offset})",
                )
            if more and ids and ids <= seen:
                raise SourceError(
                    SOURCE, f"GET {path}: the server repeated a page (offset {offset})"
                )
            seen |= ids
            yield results, body
            if not more:
                return
            offset += len(results)


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


def _pieces(since: datetime, until: datetime) -> Iterator[tuple[datetime, datetime]]:
    """[since, until) in consecutive ranges of at most ``MAX_RANGE``."""
    lo = since
    while lo < until:
        hi = min(until, lo + MAX_RANGE)
        yield lo, hi
        lo = hi


def _midpoint(lo: datetime, hi: datetime) -> datetime | None:
    """The middle of [lo, hi) to whole seconds, or None when it cannot be split."""
    mid = lo + timedelta(seconds=int((hi - lo).total_seconds() // 2))
    return mid if lo < mid < hi else None
