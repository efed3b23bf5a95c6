"""Plumbing the sandbox's three fake APIs share: requests, responses, routes, time parsing.

Each API module (``pagerduty_api``, ``slack_api``, ``github_api``) turns a :class:`Request`
into a :class:`Response`; the server (``server.py``) does the sockets, TLS, counting and
faults. Nothing here knows about a vendor.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote


@dataclass(frozen=True)
class Request:
    """One HTTP request, its path already stripped of the API's prefix."""

    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]  # lower-cased names
    body: bytes = b""
    host: str = "127.0.0.1"  # the Host header: APIs that return absolute URLs need it

    def arg(self, name: str, default: str | None = None) -> str | None:
        """The first value of a query (or form) parameter."""
        values = self.query.get(name)
        return values[0] if values else default

    def args(self, name: str) -> list[str]:
        """Every value of a repeated parameter (``statuses[]=a&statuses[]=b``)."""
        return list(self.query.get(name, []))

    def header(self, name: str) -> str | None:
        """A request header by case-insensitive name."""
        return self.headers.get(name.lower())


@dataclass
class Response:
    """What an API answers; the server adds Content-Length."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    trickle: float = 0.0  # > 0: the body leaves one byte every this many seconds (a fault)


def json_response(
    status: int, payload: Any, headers: list[tuple[str, str]] | None = None
) -> Response:
    """A JSON response with the charset the vendors send."""
    body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    return Response(
        status=status,
        body=body,
        headers=[("Content-Type", "application/json; charset=utf-8"), *(headers or [])],
    )


Handler = Callable[[Request, dict[str, str]], Response]


@dataclass(frozen=True)
class Route:
    """``template`` uses ``{name}`` for one path segment and ``{name+}`` for the rest."""

    method: str
    template: str
    handler: Handler
    pattern: re.Pattern[str] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\{(\w+)\+\}", r"(?P<\1>.+)", self.template)
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", regex)
        object.__setattr__(self, "pattern", re.compile(f"^{regex}$"))

    @property
    def name(self) -> str:
        """The template as counted: ``GET /repos/{owner}/{repo}/contents/{path}``."""
        return f"{self.method} {self.template.replace('+}', '}')}"


def match_route(routes: list[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route for a request and its (percent-decoded) path parameters."""
    for route in routes:
        if route.method != method:
            continue
        found = route.pattern.match(path)
        if found:
            return route, {k: unquote(v) for k, v in found.groupdict().items()}
    return None


def parse_query(raw: str) -> dict[str, list[str]]:
    """Query-string or form parameters, blanks kept (``exclude_archived=``)."""
    return parse_qs(raw, keep_blank_values=True)


def parse_time(value: str) -> datetime:
    """An ISO-8601 time as the vendors accept it; a naive value is UTC."""
    moment = datetime.fromisoformat(value.strip().replace(" ", "+"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def iso_z(moment: datetime) -> str:
    """``2024-05-01T12:00:00Z``, the form GitHub and PagerDuty send."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def truthy(value: str | None) -> bool:
    """A boolean parameter as the clients send it (``true``, ``1``)."""
    return value is not None and value.strip().lower() in {"1", "true", "yes"}


def int_arg(value: str | None, *, default: int) -> int:
    """An integer parameter, the default when absent or malformed."""
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        return default
