"""The Slack Web API subset the auditor uses, served from ``world.slack``.

Slack answers HTTP 200 with ``{"ok": false, "error": ...}`` for almost every failure;
only rate limiting is an HTTP 429 (with ``Retry-After``). slack_sdk POSTs form bodies
even for reads, so parameters come from the query string, a form body or a JSON body.
Lists page with opaque cursors in ``response_metadata.next_cursor`` ("" on the last page).
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from opsaudit.sandbox import slack_access as access
from opsaudit.sandbox.slack_auth import with_scopes
from opsaudit.sandbox.slack_chat import get_permalink, post_message
from opsaudit.sandbox.slack_files import UPLOAD_PATH, SlackFiles
from opsaudit.sandbox.slack_index import SlackError, SlackIndex, ts_key
from opsaudit.sandbox.state import JSON, World
from opsaudit.sandbox.web import Request, Response, int_arg, json_response, truthy

Params = dict[str, str]


def encode_cursor(kind: str, value: str) -> str:
    """An opaque cursor like Slack's (base64 of ``kind:value``)."""
    return base64.b64encode(f"{kind}:{value}".encode()).decode()


def decode_cursor(cursor: str, kind: str) -> str:
    """The value inside a cursor made by :func:`encode_cursor`."""
    try:
        decoded = base64.b64decode(cursor.encode(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise SlackError("invalid_cursor") from None
    found_kind, _, value = decoded.partition(":")
    if found_kind != kind:
        raise SlackError("invalid_cursor")
    return value


ENDLESS_CURSOR = base64.b64encode(b"endless:0").decode()  # the endless_pages fault's cursor


class SlackApi:
    """Answers ``/slack/api/<method>`` requests."""

    name = "slack"

    def __init__(self, world: World) -> None:
        self.world = world
        self.index = SlackIndex()
        self.files = SlackFiles(world, self.index)
        self.methods: dict[str, Callable[[Params], JSON]] = {
            "auth.test": self._auth_test,
            "conversations.list": self._conversations_list,
            "conversations.info": self._conversations_info,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "conversations.join": lambda p: access.join(self.world.slack, p.get("channel")),
            "users.list": self._users_list,
            "users.info": self._users_info,
            "users.lookupByEmail": self._users_lookup_by_email,
            "chat.postMessage": self._post_message,
            "chat.getPermalink": lambda p: get_permalink(self.world, self.index, p),
            "files.getUploadURLExternal": self.files.get_upload_url,
            "files.completeUploadExternal": self.files.complete,
        }

    # -- the server's hooks ----------------------------------------------------------

    def route(self, request: Request) -> str | None:
        """The method name, for counting."""
        method = request.path.strip("/")
        if request.path.startswith(UPLOAD_PATH):
            return "upload"
        return method if method in self.methods else None

    def handle(self, request: Request) -> Response:
        """Authenticate (header or ``token`` parameter), then answer under the world lock."""
        if request.path.startswith(UPLOAD_PATH):  # a file's bytes: the URL is the credential
            with self.world.lock:
                return self.files.receive(request)
        params = _params(request)
        method = self.methods.get(request.path.strip("/"))
        if method is None:
            return json_response(404, {"ok": False, "error": "unknown_method"})
        auth = request.header("authorization") or ""
        token = auth[len("Bearer ") :] if auth.startswith("Bearer ") else params.get("token")
        if not token:
            return json_response(200, {"ok": False, "error": "not_authed"})
        if token != self.world.tokens.slack:
            return json_response(200, {"ok": False, "error": "invalid_auth"})
        limits = self.world.slack.limits
        if limits is not None:
            name = request.path.strip("/")
            # posting is limited per channel, everything else per method
            key = f"{name} {params.get('channel', '')}" if name == "chat.postMessage" else name
            wait = limits.admit(key, name)
            if wait is not None:
                return self.rate_limited(wait)
        try:
            with self.world.lock:
                self.files.host = request.host
                return json_response(200, {"ok": True, **method(params)})
        except SlackError as exc:
            return json_response(200, {"ok": False, "error": exc.code, **exc.extra})

    def rate_limited(self, retry_after: int) -> Response:
        """Slack's 429 with ``Retry-After`` in seconds."""
        body = {"ok": False, "error": "ratelimited"}
        return json_response(429, body, [("Retry-After", str(retry_after))])

    def server_error(self, status: int) -> Response:
        """An injected 5xx."""
        return json_response(status, {"ok": False, "error": "fatal_error"})

    def decorate(self, request: Request, response: Response) -> Response:
        """The granted scopes (``x-oauth-scopes``), as on every Slack answer."""
        return with_scopes(self.world, request, response)

    def endless(self, request: Request, *, empty: bool = False) -> Response:
        """A fault: a listing whose every page is its first, with the same next cursor
        (``empty`` changes nothing: Slack really sends empty pages with a cursor)."""
        query = {k: v for k, v in request.query.items() if k != "cursor"}
        response = self.handle(replace(request, query=query))
        body = json.loads(response.body)
        if isinstance(body, dict) and "response_metadata" in body:
            body["response_metadata"]["next_cursor"] = ENDLESS_CURSOR
            response.body = json.dumps(body, separators=(",", ":")).encode("utf-8")
        return response

    # -- methods ---------------------------------------------------------------------

    def _auth_test(self, params: Params) -> JSON:
        slack = self.world.slack
        bot = _bot_member(slack.users)
        return {
            "url": f"https://{slack.team_domain}.slack.com/",
            "team": slack.team_domain,
            "user": bot.get("name", "opsaudit"),
            "team_id": slack.team_id,
            "user_id": bot.get("id", "U0OPSAUDIT"),
            "bot_id": bot.get("profile", {}).get("bot_id", "B0OPSAUDIT"),
            "is_enterprise_install": False,
        }

    def _conversations_list(self, params: Params) -> JSON:
        types = set((params.get("types") or "public_channel").split(","))
        access.require_listing(self.world.slack, types)
        exclude_archived = truthy(params.get("exclude_archived"))
        channels = [
            c
            for c in self.world.slack.channels
            if access.channel_type(c) in types
            and access.visible(c)
            and not (exclude_archived and c.get("is_archived"))
        ]
        page, next_cursor = _offset_page(params, channels, default=100, maximum=1000)
        return {"channels": page, "response_metadata": {"next_cursor": next_cursor}}

    def _conversations_info(self, params: Params) -> JSON:
        channel = access.find_visible(self.world.slack, params.get("channel"))
        access.require_listing(self.world.slack, {access.channel_type(channel)})
        return {"channel": channel}

    def _post_message(self, params: Params) -> JSON:
        access.require(self.world.slack, "chat:write")
        return post_message(self.world, self.index, params)

    def _page_max(self, method: str, maximum: int) -> int:
        limits = self.world.slack.limits
        return maximum if limits is None else limits.page_max(method, maximum)

    def _conversations_history(self, params: Params) -> JSON:
        channel = access.readable(self.world.slack, params.get("channel"))
        index = self.index.channel(self.world.slack.messages, channel["id"])
        inclusive = truthy(params.get("inclusive"))
        oldest = ts_key(params.get("oldest") or "0")
        latest = ts_key(params.get("latest") or f"{time.time():.6f}")
        keys = index.view_keys
        lo = bisect_left(keys, oldest) if inclusive else bisect_right(keys, oldest)
        hi = bisect_right(keys, latest) if inclusive else bisect_left(keys, latest)
        if params.get("cursor"):
            # the cursor names the oldest message already returned; continue below it
            hi = min(hi, bisect_left(keys, ts_key(decode_cursor(params["cursor"], "next_ts"))))
        limit = _limit(params, default=100, maximum=self._page_max("conversations.history", 999))
        start = max(lo, hi - limit)
        messages = list(reversed(index.view[start:hi]))
        has_more = start > lo
        body: JSON = {
            "messages": messages,
            "has_more": has_more,
            "pin_count": 0,
            "response_metadata": {
                "next_cursor": encode_cursor("next_ts", messages[-1]["ts"]) if has_more else ""
            },
        }
        for bound in ("oldest", "latest"):
            if params.get(bound):
                body[bound] = params[bound]
        return body

    def _conversations_replies(self, params: Params) -> JSON:
        channel = access.readable(self.world.slack, params.get("channel"))
        index = self.index.channel(self.world.slack.messages, channel["id"])
        message = index.by_ts.get(params.get("ts", ""))
        if message is None:
            raise SlackError("thread_not_found")
        parent = index.by_ts.get(message.get("thread_ts") or message["ts"], message)
        inclusive = truthy(params.get("inclusive"))
        oldest = ts_key(params.get("oldest") or "0")
        latest = ts_key(params.get("latest") or f"{time.time():.6f}")
        replies = [
            reply
            for reply in index.replies.get(parent["ts"], [])
            if (oldest <= ts_key(reply["ts"]) if inclusive else oldest < ts_key(reply["ts"]))
            and (ts_key(reply["ts"]) <= latest if inclusive else ts_key(reply["ts"]) < latest)
        ]
        maximum = self._page_max("conversations.replies", 1000)
        page, next_cursor = _offset_page(params, replies, default=maximum, maximum=maximum)
        # Slack repeats the parent at the top of every page of a thread
        return {
            "messages": [parent, *page],
            "has_more": bool(next_cursor),
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _users_list(self, params: Params) -> JSON:
        access.require(self.world.slack, "users:read")
        page, next_cursor = _offset_page(params, self.world.slack.users, default=200, maximum=1000)
        return {
            "members": page,
            "cache_ts": int(time.time()),
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _users_info(self, params: Params) -> JSON:
        access.require(self.world.slack, "users:read")
        for user in self.world.slack.users:
            if user["id"] == params.get("user"):
                return {"user": user}
        raise SlackError("user_not_found")

    def _users_lookup_by_email(self, params: Params) -> JSON:
        access.require(self.world.slack, "users:read.email")
        email = (params.get("email") or "").strip().lower()
        for user in self.world.slack.users:
            if str(user.get("profile", {}).get("email", "")).lower() == email and email:
                return {"user": user}
        raise SlackError("users_not_found")


def _params(request: Request) -> Params:
    params = {name: values[0] for name, values in request.query.items() if values}
    if request.body and (request.header("content-type") or "").startswith("application/json"):
        try:
            loaded: Any = json.loads(request.body)
        except ValueError:
            loaded = None
        if isinstance(loaded, dict):
            for name, value in loaded.items():
                params[name] = value if isinstance(value, str) else json.dumps(value)
    return params


def _limit(params: Params, *, default: int, maximum: int) -> int:
    limit = int_arg(params.get("limit"), default=default)
    return min(limit if limit > 0 else default, maximum)


def _offset_page(
    params: Params, items: list[JSON], *, default: int, maximum: int
) -> tuple[list[JSON], str]:
    """A page of a list and the cursor of the next one ("" when this is the last)."""
    offset = (
        int_arg(decode_cursor(params["cursor"], "offset"), default=-1)
        if params.get("cursor")
        else 0
    )
    if offset < 0:
        raise SlackError("invalid_cursor")
    end = offset + _limit(params, default=default, maximum=maximum)
    return items[offset:end], encode_cursor("offset", str(end)) if end < len(items) else ""


def _bot_member(users: list[JSON]) -> JSON:
    """The workspace's bot user, the identity our token posts as."""
    return next((u for u in users if u.get("is_bot")), {})
