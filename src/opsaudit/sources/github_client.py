"""PyGithub as the GitHub source uses it: a lazy client with bounded retries that honour
``Retry-After``, a count of the HTTP requests it makes, and errors as :class:`SourceError`.

Requests are counted from urllib3's own per-request DEBUG record (logger
``urllib3.connectionpool``), which is written once for every response received, retries
included. While a fetch runs, that logger is lowered to DEBUG and a filter counts the
records of the fetching thread for the API's host and port, then drops every record below
the level the logger had before, so nothing new reaches any handler (the records carry
URLs, and PyGithub's own DEBUG records carry bodies). The level is restored afterwards.

The endpoint's deadline is checked before each named call, on every response
(:meth:`PolicyRetry.is_retry`) and before every wait (:meth:`PolicyRetry.sleep`, which
reports it). PyGithub takes no TLS context as a parameter, but it lets a program choose
the class of its HTTPS connections (``Requester.injectConnectionClasses``): ours,
:class:`BoundedHTTPSConnection`, mounts a requests adapter that uses the endpoint's TLS
context (``HTTPAdapter.init_poolmanager``, requests' documented way), whose sockets keep
to the deadline, so a server trickling bytes cannot hold a GitHub request past it.
Listings are guarded (:func:`guarded`): a page of items listed already (a ``Link: next``
pointing back) or more than :data:`MAX_ITEMS` items fail the source.
"""

from __future__ import annotations

import logging
import math
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Self, TypeVar, cast
from urllib.parse import urlsplit

import requests
from github import Auth, Github, GithubRetry
from github.GithubException import BadCredentialsException, GithubException
from github.Requester import (
    HTTPRequestsConnectionClass,
    HTTPSRequestsConnectionClass,
    Requester,
    RequestsResponse,
)
from urllib3.response import BaseHTTPResponse

from opsaudit.sources.base import (
    Deadline,
    Endpoint,
    RequestCounter,
    RetryPolicy,
    SourceError,
)

TIMEOUT_SECONDS = 30
MAX_ITEMS = 1_000_000  # of one listing: 10,000 pages of 100
T = TypeVar("T")
# urllib3's format string for the one DEBUG record it writes per response received
_REQUEST_RECORD = '%s://%s:%s "%s %s %s" %s %s'
_WIRE_LOGGER = logging.getLogger("urllib3.connectionpool")


class PolicyRetry(GithubRetry):
    """``GithubRetry`` driven by a :class:`RetryPolicy`.

    GitHub answers its primary and secondary limits with 403 or 429, with or without
    ``Retry-After``; 403 is retried by ``GithubRetry`` (when its body or headers say
    rate limit) and 429 is added here, so both are retried either way. The waits are
    GitHub's (:meth:`sleep`): a present ``Retry-After`` is honoured exactly (``0`` means
    now), capped at ``max_wait``; without it a primary limit waits for
    ``x-ratelimit-reset`` and a secondary one a minute, ``min(60, max_wait)``. The
    source's deadline bounds every wait. 5xx answers back off per the policy.
    """

    def __init__(
        self,
        *,
        policy: RetryPolicy,
        endpoint: Endpoint | None = None,
        **kwargs: Any,
    ) -> None:
        self.policy = policy
        self.endpoint = (endpoint or Endpoint(api_url="", token="")).for_source("github")
        kwargs.setdefault("total", max(0, policy.attempts - 1))
        kwargs.setdefault("status_forcelist", [*range(500, 600), 429])
        # give the last answer back to PyGithub, which raises it with its status
        kwargs.setdefault("raise_on_status", False)
        kwargs.setdefault("secondary_rate_wait", min(60.0, policy.max_wait))
        # a primary limit waits for its reset, bounded by the source's deadline (which
        # refuses a wait that would pass it), not by the policy's cap
        kwargs.setdefault("max_rate_limit_wait", None)
        super().__init__(**kwargs)

    @property
    def deadline(self) -> Deadline:
        return self.endpoint.deadline

    def new(self, **kw: Any) -> Self:
        # urllib3 rebuilds the retry object after every attempt
        return super().new(policy=self.policy, endpoint=self.endpoint, **kw)

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        """urllib3 asks this of every response: the deadline is checked here too."""
        self.deadline.check()
        return bool(super().is_retry(method, status_code, has_retry_after))

    def increment(self, *args: Any, **kwargs: Any) -> Self:
        """A certificate that fails verification is said as such, and not retried."""
        error = kwargs.get("error", args[3] if len(args) > 3 else None)
        if _untrusted(error):
            raise SourceError("github", self.endpoint.untrusted())
        return cast(Self, super().increment(*args, **kwargs))

    def get_backoff_time(self) -> float:
        """The policy's exponential backoff for the number of attempts failed so far."""
        return self.policy.backoff_for(max(1, len(self.history)))

    def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
        """``Retry-After`` in seconds, capped by the policy; None when absent."""
        value = response.headers.get("Retry-After")
        if value is None:
            return None
        return self.policy.wait_for(value, max(1, len(self.history)))

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        """Wait as GitHub documents, reported, and refused when it would pass the
        deadline: ``Retry-After`` when given (even 0 s; urllib3 would back off on 0);
        for a rate limit without it (403 or 429), until ``x-ratelimit-reset`` when
        ``x-ratelimit-remaining`` is 0 (a primary limit), else one minute (a secondary
        limit: ``secondary_rate_wait``); otherwise the backoff."""
        wait = self.get_retry_after(response) if response is not None else None
        status = response.status if response is not None else None
        if wait is not None:
            self.deadline.wait(wait, why=_why(status), hint="Retry-After")
        elif response is not None and status in (403, 429):
            reset = _reset_in(response)
            if reset is not None:
                self.deadline.wait(reset, why="rate limited", hint="x-ratelimit-reset")
            else:
                self.deadline.wait(
                    self.secondary_rate_wait, why="rate limited", hint="secondary rate limit"
                )
        else:
            self.deadline.wait(self.get_backoff_time(), why=_why(status), hint="backoff")


def _why(status: int | None) -> str:
    return "rate limited" if status in (403, 429) else f"HTTP {status or 'error'}"


def _reset_in(response: BaseHTTPResponse) -> float | None:
    """Seconds until the primary limit resets (+1 s, as GitHub's second is not exact),
    when ``x-ratelimit-remaining`` says none is left; None otherwise."""
    if response.headers.get("x-ratelimit-remaining") != "0":
        return None
    value = response.headers.get("x-ratelimit-reset") or ""
    if not value.isdigit():
        return None
    return max(0.0, int(value) - time.time()) + 1


def _untrusted(error: object) -> bool:
    """Whether urllib3's error comes of a certificate that failed verification."""
    seen: list[object] = [error]
    while seen:
        err = seen.pop()
        if isinstance(err, ssl.SSLCertVerificationError):
            return True
        if isinstance(err, BaseException):
            seen += [a for a in err.args if isinstance(a, BaseException)]
            seen += [e for e in (err.__cause__, err.__context__) if e is not None]
    return False


class _ContextAdapter(requests.adapters.HTTPAdapter):
    """A requests adapter whose connections use one TLS context."""

    def __init__(self, context: ssl.SSLContext, **kwargs: Any) -> None:
        self.context = context  # set first: the base class makes its pool manager now
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self.context
        super().init_poolmanager(*args, **kwargs)


class BoundedHTTPSConnection(HTTPSRequestsConnectionClass):
    """PyGithub's HTTPS connection, with the endpoint's deadline-keeping TLS context when
    its retry is ours (:class:`PolicyRetry` carries the endpoint)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if isinstance(self.retry, PolicyRetry):
            self.adapter = _ContextAdapter(
                self.retry.endpoint.ssl_context(),
                max_retries=self.retry,
                pool_connections=self.pool_size,
                pool_maxsize=self.pool_size,
            )
            self.session.mount("https://", self.adapter)

    def getresponse(self) -> RequestsResponse:
        """The answer, unless it is an empty page that links a next one: a listing that
        adds nothing and never ends (GitHub ends a listing with a page without ``next``)."""
        answer = super().getresponse()
        links = answer.headers.get("Link") or ""
        if answer.status == 200 and 'rel="next"' in links and answer.read().strip() == "[]":
            where = self.url.split("?", 1)[0]
            raise SourceError("github", f"GET {where}: an empty page that links a next one")
        return answer


def make_client(*, endpoint: Endpoint, retry: RetryPolicy, page_size: int) -> Github:
    """A lazy PyGithub client for ``endpoint``: ``get_repo`` and friends make no request."""
    endpoint = endpoint.for_source("github")
    left = endpoint.deadline.remaining()
    timeout = TIMEOUT_SECONDS if math.isinf(left) else max(1, min(TIMEOUT_SECONDS, math.ceil(left)))
    # idempotent; other retries than ours keep PyGithub's own behaviour
    Requester.injectConnectionClasses(HTTPRequestsConnectionClass, BoundedHTTPSConnection)
    return Github(
        base_url=endpoint.api_url.rstrip("/"),
        auth=Auth.Token(endpoint.token),
        verify=str(endpoint.ca_file) if endpoint.ca_file is not None else True,
        per_page=page_size,
        seconds_between_requests=None,
        seconds_between_writes=None,
        lazy=True,
        retry=PolicyRetry(policy=retry, endpoint=endpoint),
        timeout=timeout,
    )


class _RequestCountFilter(logging.Filter):
    """Counts urllib3's per-request records of one thread and host; passes only what the
    logger's previous level would have passed."""

    def __init__(self, *, host: str, port: int, thread: int, keep_from: int) -> None:
        super().__init__()
        self.host, self.port, self.thread, self.keep_from = host, port, thread, keep_from
        self.count = 0

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if (
            record.msg == _REQUEST_RECORD
            and record.thread == self.thread
            and isinstance(args, tuple)
            and len(args) > 2
            and args[1] == self.host
            and str(args[2]) == str(self.port)
        ):
            self.count += 1
        return record.levelno >= self.keep_from


_wire_lock = threading.Lock()


@contextmanager
def counting_requests(endpoint: Endpoint, counter: RequestCounter | None) -> Iterator[None]:
    """Add to ``counter`` every HTTP request made to ``endpoint`` by this thread inside."""
    if counter is None:
        yield
        return
    parts = urlsplit(endpoint.api_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    with _wire_lock:
        previous = _WIRE_LOGGER.level
        counting = _RequestCountFilter(
            host=parts.hostname or "",
            port=port,
            thread=threading.get_ident(),
            keep_from=_WIRE_LOGGER.getEffectiveLevel(),
        )
        _WIRE_LOGGER.addFilter(counting)
        _WIRE_LOGGER.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        with _wire_lock:
            _WIRE_LOGGER.removeFilter(counting)
            # another fetch in another thread may still be counting: keep DEBUG for it
            if not any(isinstance(f, _RequestCountFilter) for f in _WIRE_LOGGER.filters):
                _WIRE_LOGGER.setLevel(previous)
        counter.add(counting.count)


class Calls:
    """Names the API call in progress, so that a failure says which call failed."""

    def __init__(self, *, token: str, deadline: Deadline | None = None) -> None:
        self._token = token
        self.deadline = deadline or Deadline(source="github")
        self.current = "connect"

    @contextmanager
    def call(self, name: str) -> Iterator[None]:
        """Run one API call (or a paged listing) named ``name``; errors -> SourceError."""
        self.current = name
        self.deadline.check()
        try:
            yield
        except BadCredentialsException as exc:
            raise SourceError("github", f"{name}: bad credentials (HTTP {exc.status})") from None
        except GithubException as exc:
            if self.deadline.expired():  # a failure after the deadline is the deadline's
                raise self.deadline.error() from None
            raise SourceError("github", self._scrub(f"{name}: {_describe(exc)}")) from None
        except requests.RequestException as exc:
            if self.deadline.expired():
                raise self.deadline.error() from None
            kind = type(exc).__name__
            raise SourceError("github", self._scrub(f"{name}: {kind}: {exc}")) from None

    def _scrub(self, text: str) -> str:
        # a safety net only: no message is built from the token; a very short one would
        # scramble ordinary words
        return text.replace(self._token, "***") if len(self._token) >= 8 else text


def guarded(
    items: Iterable[T], *, what: str, key: Callable[[T], object], page_size: int
) -> Iterator[T]:
    """The items of a PyGithub listing, failing rather than looping for ever.

    PyGithub follows ``Link: next`` without asking us; a server whose link points back
    sends the same items again. A whole page of items listed already (``page_size``
    in a row), or more than :data:`MAX_ITEMS`, fails the source. A repeat or two is
    fine: a listing shifts when something is added while it is read.
    """
    seen: set[object] = set()
    repeats = 0
    for n, item in enumerate(items, start=1):
        if n > MAX_ITEMS:
            raise SourceError("github", f"{what}: more than {MAX_ITEMS:,} items; gave up")
        k = key(item)
        repeats = repeats + 1 if k in seen else 0
        if repeats >= page_size:
            raise SourceError(
                "github", f"{what}: the server repeated a page (a Link: next pointing back?)"
            )
        seen.add(k)
        yield item


def _describe(exc: GithubException) -> str:
    message = exc.data.get("message") if isinstance(exc.data, dict) else None
    status = f"HTTP {exc.status}" if exc.status else type(exc).__name__
    return f"{status}: {message}" if message else status
