"""The Slack Web API client as the Slack source uses it: slack_sdk's ``WebClient`` with
bounded, counted retries and errors turned into :class:`SourceError`; and Slack's own
formats (``ts`` strings, permalinks).

Every HTTP request is counted: one per call here, plus one per retry in the retry
handlers (slack_sdk asks a handler to prepare each further attempt, so that is where a
retry becomes a request). Every wait before a retry goes through the endpoint's
deadline (reported, and refused when it would pass the deadline); its TLS context
bounds every socket operation. Cursor pages are guarded: a repeated cursor, a page of
nothing new or more than :data:`MAX_PAGES` pages fail the source.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from opsaudit.sources.base import Endpoint, RequestCounter, RetryPolicy, SourceError
from opsaudit.sources.slack_pace import Pacer
from opsaudit.sources.slack_retry import (
    SERVER_ERRORS,
    ConnectionRetry,
    RateLimitRetry,
    ServerErrorRetry,
)

JSON = dict[str, Any]

# slack_sdk logs whole response bodies (war-room text included) whenever its logger's own
# level is DEBUG or unset; a dedicated logger pinned at INFO keeps them out of any log.
_SDK_LOGGER = logging.getLogger("opsaudit.sources.slack.sdk")
_SDK_LOGGER.setLevel(logging.INFO)

MAX_PAGES = 10_000  # of one listing: 2 million messages at 200 a page
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# ------------------------------------------------------------------ Slack formats


def ts_datetime(ts: str) -> datetime:
    """A Slack ts (``"1696342930.000100"``) as an aware UTC datetime, microseconds exact."""
    seconds, _, fraction = ts.partition(".")
    micros = int((fraction + "000000")[:6])
    return EPOCH + timedelta(seconds=int(seconds), microseconds=micros)


def datetime_ts(moment: datetime) -> str:
    """An aware datetime as a Slack ts string (the inverse of :func:`ts_datetime`)."""
    delta = moment.astimezone(UTC) - EPOCH
    return f"{delta // timedelta(seconds=1)}.{delta.microseconds:06d}"


def permalink(*, workspace_url: str, channel_id: str, ts: str, thread_ts: str | None) -> str:
    """The link Slack's ``chat.getPermalink`` gives for a message, built without a call."""
    link = f"{workspace_url.rstrip('/')}/archives/{channel_id}/p{ts.replace('.', '')}"
    if thread_ts and thread_ts != ts:
        link += f"?thread_ts={thread_ts}&cid={channel_id}"
    return link


def ts_key(ts: str) -> tuple[int, int]:
    """A ts as a sortable (seconds, microseconds) pair; an empty one sorts first."""
    if not ts:
        return (-1, 0)  # sorts below any real ts
    seconds, _, fraction = ts.partition(".")
    return int(seconds), int((fraction + "000000")[:6])


# ------------------------------------------------------------------------ client


class SlackCallError(SourceError):
    """A Slack method answered ``ok: false``: its error code (and, for
    ``missing_scope``, the scope it needed) for the caller to decide on."""

    def __init__(self, message: str, *, code: str, needed: str | None = None) -> None:
        super().__init__("slack", message)
        self.code = code
        self.needed = needed


class SlackApi:
    """A WebClient for one sync: counted requests, bounded retries, token-free errors,
    each method paced by what its 429 answers taught (:class:`Pacer`)."""

    def __init__(self, *, endpoint: Endpoint, counter: RequestCounter, retry: RetryPolicy) -> None:
        endpoint = endpoint.for_source("slack")
        base_url = endpoint.api_url if endpoint.api_url.endswith("/") else endpoint.api_url + "/"
        self._token = endpoint.token
        self._deadline = deadline = endpoint.deadline
        self._counter = counter
        self._attempts = retry.attempts
        self.last_headers: dict[str, Any] = {}  # of the last answer (``x-oauth-scopes``)
        self._pacer = pacer = Pacer(deadline)
        self._client = WebClient(
            token=endpoint.token,
            base_url=base_url,  # joined with urljoin: without the slash the last part is lost
            ssl=endpoint.ssl_context(),
            logger=_SDK_LOGGER,
            retry_handlers=[
                RateLimitRetry(policy=retry, counter=counter, deadline=deadline, pacer=pacer),
                ServerErrorRetry(policy=retry, counter=counter, deadline=deadline),
                ConnectionRetry(policy=retry, counter=counter, deadline=deadline),
            ],
        )

    def say(self, message: str) -> None:
        """A line of the sync's progress output (``slack: ...``)."""
        self._deadline.progress(f"slack: {message}")

    def call(self, method: str, **params: Any) -> JSON:
        """One Web API call (``method`` like ``"conversations.history"``), retries included."""
        data = self.request(method, params={k: v for k, v in params.items() if v is not None})
        assert data is not None  # only a tolerated error code gives None
        return data

    def request(
        self,
        method: str,
        *,
        params: JSON | None = None,
        body: JSON | None = None,
        tolerate: Collection[str] = (),
    ) -> JSON | None:
        """One call with query ``params`` or a JSON ``body`` (big Block Kit messages);
        None when Slack answers one of the ``tolerate`` error codes (``users_not_found``).
        Other errors raise :class:`SourceError` without the token."""
        return self.guarded(
            method,
            lambda client: client.api_call(method, params=params, json=body),
            tolerate=tolerate,
        )

    def guarded(
        self,
        method: str,
        call: Callable[[WebClient], SlackResponse],
        *,
        requests: int = 1,
        tolerate: Collection[str] = (),
    ) -> JSON | None:
        """The answer of ``call`` (``requests`` HTTP requests, counted), with the errors
        :meth:`request` describes; ``method`` names it in them."""
        self._deadline.check()
        self._pacer.before(method)
        self._counter.add(requests)
        try:
            response = call(self._client)
        except SourceError:  # the deadline, an untrusted certificate: said already
            raise
        except SlackApiError as exc:
            data = getattr(exc.response, "data", None)
            code = data.get("error") if isinstance(data, dict) else None
            if exc.response.status_code != 429:
                self._pacer.answered(method)
            if code in tolerate:
                return None
            needed = data.get("needed") if isinstance(data, dict) else None
            raise SlackCallError(
                self._api_error(method, exc),
                code=self._scrub(str(code or "unknown")),
                needed=self._scrub(str(needed)) if needed else None,
            ) from None
        except Exception as exc:  # the transport's errors: URLError, TimeoutError, SSL ...
            self._deadline.check()
            detail = self._scrub(str(exc))
            message = f"{method} failed: {type(exc).__name__}: {detail}"
            raise SourceError("slack", message) from None
        self.last_headers = dict(response.headers)
        self._pacer.answered(method)
        data = response.data
        if not isinstance(data, dict):
            raise SourceError("slack", f"{method} failed: the answer is not a JSON object")
        return data

    def pages(self, method: str, key: str, **params: Any) -> Iterator[JSON]:
        """Every item of ``key`` over all cursor pages of ``method``.

        Fails rather than loop: a cursor given before, a page whose items were all
        given before (a thread's parent, repeated on each page of replies, aside), or
        more than :data:`MAX_PAGES` pages. An empty page with a new cursor is fine:
        Slack sends those when it filters a page away.
        """
        cursor: str | None = None
        cursors: set[str] = set()
        seen: set[str] = set()
        parent = params.get("ts")
        for page in range(1, MAX_PAGES + 1):
            data = self.call(method, cursor=cursor, **params)
            items = data.get(key) or []
            keys = {str(i.get("id") or i.get("ts")) for i in items if isinstance(i, dict)}
            keys.discard(str(parent))
            yield from items
            cursor = (data.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return
            if cursor in cursors:
                raise SourceError("slack", f"{method}: the server repeated a cursor")
            if keys and keys <= seen:
                raise SourceError(
                    "slack", f"{method}: the server repeated a page (page {page}, a new cursor)"
                )
            cursors.add(cursor)
            seen |= keys
        raise SourceError("slack", f"{method}: more than {MAX_PAGES:,} pages; gave up")

    def _api_error(self, method: str, exc: SlackApiError) -> str:
        # Built from the status and error code only: str(exc) embeds the whole response.
        status = getattr(exc.response, "status_code", None)
        data = getattr(exc.response, "data", None)
        code = data.get("error") if isinstance(data, dict) else None
        if status == 429:
            return f"{method} failed: rate limited (HTTP 429) after {self._attempts} attempts"
        if status in SERVER_ERRORS:
            return f"{method} failed: HTTP {status} after {self._attempts} attempts"
        needed = data.get("needed") if isinstance(data, dict) else None
        if code == "missing_scope" and needed:
            return (
                f"{method} failed: the Slack app lacks the scope {self._scrub(str(needed))!r} "
                "(add it to the app's bot token scopes and reinstall the app)"
            )
        return f"{method} failed: HTTP {status}, error {self._scrub(str(code or 'unknown'))!r}"

    def _scrub(self, text: str) -> str:
        return text.replace(self._token, "[token]") if self._token else text
