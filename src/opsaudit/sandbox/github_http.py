"""HTTP details of GitHub's answers: pages with ``Link`` headers, ETags and 304s."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode

from opsaudit.sandbox.state import JSON, RepoWorld
from opsaudit.sandbox.web import Request, Response, int_arg, json_response, parse_time

DOCS = "https://docs.github.com/rest"
RATE_LIMIT = 5000


class NotFound(Exception):
    """A 404 with GitHub's body."""


class RateMeter:
    """The primary rate limit's bookkeeping: 5,000 requests an hour, as for a token."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._used = 0
        self._reset = int(time.time()) + 3600

    def spend(self, *, free: bool) -> list[tuple[str, str]]:
        """Count one request (unless ``free``) and return the ``x-ratelimit-*`` headers."""
        with self._lock:
            now = int(time.time())
            if now >= self._reset:
                self._used, self._reset = 0, now + 3600
            self._used += 0 if free else 1
            used, reset = self._used, self._reset
        return [
            ("x-ratelimit-limit", str(RATE_LIMIT)),
            ("x-ratelimit-remaining", str(max(RATE_LIMIT - used, 0))),
            ("x-ratelimit-used", str(used)),
            ("x-ratelimit-reset", str(reset)),
            ("x-ratelimit-resource", "core"),
        ]

    def exhausted(self, *, reset_in: int) -> list[tuple[str, str]]:
        """The headers of a primary limit's answer: nothing left until ``reset_in`` s."""
        reset = int(time.time()) + reset_in
        return [
            ("x-ratelimit-limit", str(RATE_LIMIT)),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-used", str(RATE_LIMIT)),
            ("x-ratelimit-reset", str(reset)),
            ("x-ratelimit-resource", "core"),
        ]

    def body(self) -> JSON:
        """``GET /rate_limit``."""
        with self._lock:
            core = {
                "limit": RATE_LIMIT,
                "used": self._used,
                "remaining": max(RATE_LIMIT - self._used, 0),
                "reset": self._reset,
            }
        search = {"limit": 30, "used": 0, "remaining": 30, "reset": core["reset"]}
        return {"resources": {"core": core, "search": search, "graphql": dict(core)}, "rate": core}


def rebased(obj: Any, base: str) -> Any:
    """Issue JSON written against api.github.com, pointed at the sandbox instead."""
    if isinstance(obj, str):
        return (
            obj.replace("https://api.github.com", base) if obj.startswith("https://api.") else obj
        )
    if isinstance(obj, dict):
        return {key: rebased(value, base) for key, value in obj.items()}
    if isinstance(obj, list):
        return [rebased(value, base) for value in obj]
    return obj


def ok(body: Any, last_modified: datetime | None) -> Response:
    headers = [("Cache-Control", "private, max-age=60, s-maxage=60")]
    if last_modified is not None:
        headers.append(("Last-Modified", format_datetime(last_modified, usegmt=True)))
    return json_response(200, body, headers)


def paged(
    request: Request,
    base: str,
    items: Sequence[Any],
    render: Callable[[Any], JSON],
    newest: Callable[[Sequence[Any]], datetime | None],
) -> Response:
    """A page of a list with GitHub's ``Link`` header (prev, next, last, first)."""
    per_page = min(max(int_arg(request.arg("per_page"), default=30), 1), 100)
    page = max(int_arg(request.arg("page"), default=1), 1)
    chunk = items[(page - 1) * per_page : page * per_page]
    response = ok([render(item) for item in chunk], newest(chunk))
    last = max((len(items) + per_page - 1) // per_page, 1)
    query = {name: values[0] for name, values in request.query.items() if values}

    def link(number: int, rel: str) -> str:
        return f'<{base}{request.path}?{urlencode({**query, "page": number})}>; rel="{rel}"'

    links = []
    if page > 1:
        links.append(link(min(page - 1, last), "prev"))
    if page < last:
        links += [link(page + 1, "next"), link(last, "last")]
    if page > 1:
        links.append(link(1, "first"))
    if links:
        response.headers.append(("Link", ", ".join(links)))
    return response


def conditional(request: Request, response: Response) -> Response:
    """ETag every 200; answer 304 when the client already has this version."""
    if response.status != 200:
        return response
    etag = f'W/"{hashlib.sha256(response.body).hexdigest()}"'
    response.headers.append(("ETag", etag))
    if_none_match = request.header("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        fresh = "*" in tags or etag.removeprefix("W/") in tags
    else:
        fresh = _not_modified_since(request.header("if-modified-since"), response)
    if not fresh:
        return response
    keep = [(k, v) for k, v in response.headers if k.lower() != "content-type"]
    return Response(status=304, body=b"", headers=keep)


def _not_modified_since(header: str | None, response: Response) -> bool:
    modified = next((v for k, v in response.headers if k == "Last-Modified"), None)
    if header is None or modified is None:
        return False
    try:
        return parsedate_to_datetime(modified) <= parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return False


def request_path(request: Request) -> str:
    return request.path.rstrip("/") or "/"


def time_arg(value: str | None) -> datetime | None:
    return parse_time(value) if value else None


def not_found() -> Response:
    return json_response(404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"})


def find_issue(repo: RepoWorld, number: str) -> JSON:
    for issue in repo.issues:
        if str(issue.get("number")) == number:
            return issue
    raise NotFound
