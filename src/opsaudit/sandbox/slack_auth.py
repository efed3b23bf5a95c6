"""The Slack sandbox's token scopes, said the way Slack says them.

Every Web API answer to a valid token carries ``x-oauth-scopes``: the comma-separated
scopes the token was granted (``auth.test`` is the cheap call apps make to read it).
``world.slack.scopes`` narrows them, to play an app installed without some scope;
None is every scope a Slack app set up for opsaudit has.
"""

from __future__ import annotations

from opsaudit.sandbox.slack_access import ALL_SCOPES
from opsaudit.sandbox.state import World
from opsaudit.sandbox.web import Request, Response


def granted(world: World) -> tuple[str, ...]:
    """The scopes the world's bot token has, sorted."""
    scopes = world.slack.scopes
    return tuple(sorted(ALL_SCOPES if scopes is None else scopes))


def with_scopes(world: World, request: Request, response: Response) -> Response:
    """``response`` with ``x-oauth-scopes`` added when the request's token is valid."""
    auth = request.header("authorization") or ""
    token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None
    if token is None:
        values = request.query.get("token") or [""]
        token = values[0]
    if token == world.tokens.slack:
        response.headers.append(("x-oauth-scopes", ",".join(granted(world))))
    return response
