"""The PagerDuty REST API v2 subset the auditor reads, served from ``world.pagerduty``.

Classic pagination (``limit`` <= 100, ``offset``, ``more``, ``total`` only when asked,
or never with ``world.pagerduty.total_null``), the 10,000 ``offset + limit`` cap, the
6-month limit on ``GET /incidents``'s since and until (400 ``Invalid Input Provided``,
code 2001, as the real API answers), ``include[]`` expanding references in place, and
the error bodies (``{"error": {"message", "code", "errors"}}``) of the real API.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from opsaudit.sandbox.pagerduty_index import PagerDutyIndex
from opsaudit.sandbox.state import JSON, World
from opsaudit.sandbox.web import (
    Request,
    Response,
    Route,
    int_arg,
    json_response,
    match_route,
    parse_time,
    truthy,
)

ITERATION_LIMIT = 10_000  # offset + limit beyond this is refused, as by the real API
DEFAULT_WINDOW = timedelta(days=30)  # what PagerDuty searches when since/until are absent
MAX_RANGE_MONTHS = 6  # "Maximum range is 6 months" (GET /incidents since/until)
RATE_LIMIT_PER_MINUTE = 960
# is_overview=true keeps "the most important changes": we drop the notification noise
NOT_OVERVIEW = frozenset({"notify_log_entry"})
INCIDENT_TIMES = ("created_at", "updated_at", "last_status_change_at", "resolved_at")
COLLECTIONS = ("services", "users", "priorities", "escalation_policies", "teams")
SINGULAR = {
    "services": "service",
    "users": "user",
    "escalation_policies": "escalation_policy",
    "teams": "team",
}


class BadRequest(Exception):
    """A parameter the real API would refuse with 400 ``Invalid Input Provided``."""


def error_body(message: str, code: int, errors: list[str] | None = None) -> JSON:
    """PagerDuty's error envelope."""
    error: JSON = {"message": message, "code": code}
    if errors:
        error["errors"] = errors
    return {"error": error}


class PagerDutyApi:
    """Answers ``/pagerduty/...`` requests."""

    name = "pagerduty"

    def __init__(self, world: World) -> None:
        self.world = world
        self.index = PagerDutyIndex(world.pagerduty)
        self.routes = [
            Route("GET", "/incidents", self._incidents),
            Route("GET", "/incidents/{id}", self._incident),
            Route("GET", "/incidents/{id}/log_entries", self._incident_log_entries),
            Route("GET", "/log_entries", self._log_entries),
        ]
        for collection in COLLECTIONS:
            self.routes.append(Route("GET", f"/{collection}", self._collection(collection)))
            if collection in SINGULAR:
                self.routes.append(Route("GET", f"/{collection}/{{id}}", self._one(collection)))

    # -- the server's hooks ----------------------------------------------------------

    def route(self, request: Request) -> str | None:
        """The endpoint template a request hits, for counting."""
        found = match_route(self.routes, request.method, request.path)
        return found[0].name if found else None

    def handle(self, request: Request) -> Response:
        """Authenticate, then answer from the world under its lock."""
        expected = f"Token token={self.world.tokens.pagerduty}"
        if request.header("authorization") != expected:
            return json_response(401, error_body("Authentication failed", 2006))
        found = match_route(self.routes, request.method, request.path)
        if found is None:
            return json_response(404, error_body("Not Found", 2100))
        route, params = found
        try:
            with self.world.lock:
                self.index.refresh()
                return route.handler(request, params)
        except BadRequest as exc:
            return json_response(400, error_body("Invalid Input Provided", 2001, [str(exc)]))

    def rate_limited(self, retry_after: int) -> Response:
        """PagerDuty's 429: ``ratelimit-*`` headers, ``ratelimit-reset`` in seconds."""
        headers = [
            ("ratelimit-limit", str(RATE_LIMIT_PER_MINUTE)),
            ("ratelimit-remaining", "0"),
            ("ratelimit-reset", str(retry_after)),
        ]
        return json_response(429, error_body("Rate Limit Exceeded", 2020), headers)

    def server_error(self, status: int) -> Response:
        """An injected 5xx."""
        return json_response(status, {"error": {"message": "Internal Server Error"}})

    def decorate(self, request: Request, response: Response) -> Response:
        """Every answer carries a request id, as PagerDuty's do."""
        response.headers.append(("x-request-id", uuid.uuid4().hex))
        return response

    # -- endpoints -------------------------------------------------------------------

    def endless(self, request: Request, *, empty: bool = False) -> Response:
        """A fault: a list says ``more`` on an empty page, for ever (empty either way)."""
        response = self.handle(request)
        body = json.loads(response.body) if response.body else None
        if isinstance(body, dict) and "more" in body:
            for key, value in body.items():
                if isinstance(value, list):
                    body[key] = []
            body["more"] = True
            response.body = json.dumps(body, separators=(",", ":")).encode("utf-8")
        return response

    def _incidents(self, request: Request, params: dict[str, str]) -> Response:
        if request.arg("date_range") == "all":
            since, until = None, None
        else:
            until = _time_arg(request, "until") or datetime.now(UTC)
            since = _time_arg(request, "since") or until - DEFAULT_WINDOW
            if until > add_months(since, MAX_RANGE_MONTHS):
                # the real API's words for it (an empty field name and "is invalid.")
                raise BadRequest(" is invalid.")
        found = self.index.find_incidents(
            since=since,
            until=until,
            statuses=set(request.args("statuses[]")),
            service_ids=set(request.args("service_ids[]")),
            team_ids=set(request.args("team_ids[]")),
            user_ids=set(request.args("user_ids[]")),
            urgencies=set(request.args("urgencies[]")),
            incident_key=request.arg("incident_key"),
            sort_by=",".join(request.args("sort_by")) or None,
        )
        render = self._incident_renderer(request)
        return self._page(request, found, wrapper="incidents", render=render, max_limit=100)

    def _incident(self, request: Request, params: dict[str, str]) -> Response:
        incident = self.index.incident(params["id"])
        if incident is None:
            return json_response(404, error_body("Not Found", 2100))
        return json_response(200, {"incident": self._incident_renderer(request)(incident)})

    def _incident_log_entries(self, request: Request, params: dict[str, str]) -> Response:
        incident = self.index.incident(params["id"])
        if incident is None:
            return json_response(404, error_body("Not Found", 2100))
        found = self.index.find_log_entries(
            incident_id=str(incident["id"]),
            since=_time_arg(request, "since"),
            until=_time_arg(request, "until"),
            overview=truthy(request.arg("is_overview")),
            excluded=NOT_OVERVIEW,
        )
        return self._page(
            request, found, wrapper="log_entries", render=self._entry_renderer(request)
        )

    def _log_entries(self, request: Request, params: dict[str, str]) -> Response:
        until = _time_arg(request, "until") or datetime.now(UTC)
        since = _time_arg(request, "since") or until - DEFAULT_WINDOW
        found = self.index.find_log_entries(
            incident_id=None,
            since=since,
            until=until,
            overview=truthy(request.arg("is_overview")),
            excluded=NOT_OVERVIEW,
        )
        return self._page(
            request, found, wrapper="log_entries", render=self._entry_renderer(request)
        )

    def _collection(self, collection: str) -> Callable[[Request, dict[str, str]], Response]:
        def answer(request: Request, params: dict[str, str]) -> Response:
            items: list[JSON] = getattr(self.world.pagerduty, collection)
            query = (request.arg("query") or "").lower()
            if query:
                items = [item for item in items if query in str(item.get("name", "")).lower()]
            return self._page(request, items, wrapper=collection, render=dict)

        return answer

    def _one(self, collection: str) -> Callable[[Request, dict[str, str]], Response]:
        def answer(request: Request, params: dict[str, str]) -> Response:
            item = self.index.by_id(collection, params["id"])
            if item is None:
                return json_response(404, error_body("Not Found", 2100))
            return json_response(200, {SINGULAR[collection]: item})

        return answer

    # -- shaping ---------------------------------------------------------------------

    def _page(
        self,
        request: Request,
        items: Sequence[JSON],
        *,
        wrapper: str,
        render: Callable[[JSON], JSON],
        max_limit: int = 100,
    ) -> Response:
        limit = min(max(int_arg(request.arg("limit"), default=25), 1), max_limit)
        offset = max(int_arg(request.arg("offset"), default=0), 0)
        if offset + limit > ITERATION_LIMIT:
            raise BadRequest(f"Offset plus limit must not exceed {ITERATION_LIMIT}.")
        page = items[offset : offset + limit]
        body: JSON = {
            wrapper: [render(item) for item in page],
            "limit": limit,
            "offset": offset,
            "more": offset + len(page) < len(items),
            "total": len(items)
            if truthy(request.arg("total")) and not self.world.pagerduty.total_null
            else None,
        }
        return json_response(200, body)

    def _incident_renderer(self, request: Request) -> Callable[[JSON], JSON]:
        includes = set(request.args("include[]"))
        zone = _zone_arg(request)

        def render(incident: JSON) -> JSON:
            return _in_zone(self.index.expand_incident(incident, includes), INCIDENT_TIMES, zone)

        return render

    def _entry_renderer(self, request: Request) -> Callable[[JSON], JSON]:
        includes = set(request.args("include[]"))
        zone = _zone_arg(request)

        def render(entry: JSON) -> JSON:
            return _in_zone(self.index.expand_log_entry(entry, includes), ("created_at",), zone)

        return render


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months later (the month's last day
    when it is shorter: 31 August + 6 months is 28 or 29 February)."""
    month0 = moment.month - 1 + months
    year, month = moment.year + month0 // 12, month0 % 12 + 1
    for day in range(moment.day, 27, -1):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return moment.replace(year=year, month=month, day=min(moment.day, 28))


def _time_arg(request: Request, name: str) -> datetime | None:
    value = request.arg(name)
    if not value:
        return None
    try:
        return parse_time(value)
    except ValueError:
        raise BadRequest(f"Invalid '{name}' parameter value") from None


def _zone_arg(request: Request) -> ZoneInfo | None:
    value = request.arg("time_zone")
    if not value:
        return None
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadRequest("Invalid time_zone") from None


def _in_zone(obj: JSON, keys: Sequence[str], zone: ZoneInfo | None) -> JSON:
    """Timestamps rendered in the asked time zone, as PagerDuty does with ``time_zone``."""
    if zone is None:
        return obj
    out: dict[str, Any] = dict(obj)
    for key in keys:
        value = out.get(key)
        if isinstance(value, str):
            moment = parse_time(value).astimezone(zone)
            out[key] = moment.isoformat(timespec="seconds").replace("+00:00", "Z")
    return out
