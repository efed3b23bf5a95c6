"""slack_sdk retry handlers for the Slack source: bounded by the retry policy, every
retry counted as a request, every wait through the source's deadline, each 429 taught
to the :class:`~opsaudit.sources.slack_pace.Pacer`."""

from __future__ import annotations

import ssl
from urllib.error import URLError

from slack_sdk.http_retry import (
    ConnectionErrorRetryHandler,
    HttpRequest,
    HttpResponse,
    RetryHandler,
    RetryState,
)

from opsaudit.sources.base import Deadline, RequestCounter, RetryPolicy
from opsaudit.sources.slack_pace import Pacer

SERVER_ERRORS = frozenset({500, 502, 503, 504})


class _CountingMixin(RetryHandler):
    """Bounded by the policy's attempts; counts the request each granted retry will make."""

    def __init__(
        self,
        *,
        policy: RetryPolicy,
        counter: RequestCounter,
        deadline: Deadline | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        super().__init__(max_retry_count=max(0, policy.attempts - 1))
        self.policy = policy
        self.counter = counter
        self.deadline = deadline or Deadline(source="slack")
        self.pacer = pacer or Pacer(self.deadline)

    def _count_retry(self, state: RetryState) -> None:
        self.counter.add()
        state.next_attempt_requested = True
        state.increment_current_attempt()


class RateLimitRetry(_CountingMixin):
    """Retries a 429 after exactly the ``Retry-After`` the server asked for.

    slack_sdk's own handler adds up to a second of jitter; we honour the header (capped by
    the policy) so a sandbox asking for 0 s costs no time.
    """

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code == 429

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        header = _header(response, "retry-after")
        wait = self.policy.wait_for(header, state.current_attempt + 1)
        method = request.url.rstrip("/").rsplit("/", 1)[-1]
        self.pacer.limited(method, wait)
        self.deadline.wait(
            wait,
            why=f"rate limited on {method}",
            hint="Retry-After" if header is not None else "backoff",
        )
        self._count_retry(state)


class ServerErrorRetry(_CountingMixin):
    """Retries a 5xx answer with the policy's exponential backoff."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code in SERVER_ERRORS

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        status = response.status_code if response is not None else "error"
        self.deadline.wait(
            self.policy.backoff_for(state.current_attempt + 1), why=f"HTTP {status}", hint="backoff"
        )
        self._count_retry(state)


class ConnectionRetry(_CountingMixin, ConnectionErrorRetryHandler):
    """Retries a reset or refused connection; never a TLS failure (retrying can't fix it)."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if isinstance(error, ssl.SSLError) or (
            isinstance(error, URLError) and isinstance(error.reason, ssl.SSLError)
        ):
            return False
        return super()._can_retry(state=state, request=request, response=response, error=error)

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        self.deadline.wait(
            self.policy.backoff_for(state.current_attempt + 1),
            why=f"connection failed ({type(error).__name__})",
            hint="backoff",
        )
        self._count_retry(state)


def _header(response: HttpResponse | None, name: str) -> str | None:
    if response is None:
        return None
    for key, values in response.headers.items():
        if key.lower() == name:
            value = values[0] if isinstance(values, list) else values
            return str(value)
    return None
