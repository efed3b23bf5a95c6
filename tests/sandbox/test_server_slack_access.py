"""The sandbox's Slack as a bot token sees it: membership, private channels, joining,
scopes and per-method rate tiers; driven by the real ``slack_sdk.WebClient``."""

from __future__ import annotations

import time
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError

from opsaudit.sandbox.server import Sandbox
from opsaudit.sandbox.slack_limits import SlackLimits


def _error(call: Any, **params: Any) -> Any:
    with pytest.raises(SlackApiError) as raised:
        call(**params)
    assert raised.value.response.status_code == 200
    return raised.value.response


def _leave(sandbox: Sandbox, channel_id: str) -> dict[str, Any]:
    channel: dict[str, Any] = next(c for c in sandbox.world.slack.channels if c["id"] == channel_id)
    channel["is_member"] = False
    return channel


def test_a_public_channel_the_bot_is_not_in_is_listed_but_not_readable(
    sandbox: Sandbox, kit: Any
) -> None:
    _leave(sandbox, "C001")
    client = kit.slack()
    listed = client.conversations_list(types="public_channel,private_channel")["channels"]
    room = next(c for c in listed if c["id"] == "C001")
    assert room["is_member"] is False
    assert _error(client.conversations_history, channel="C001")["error"] == "not_in_channel"
    assert _error(client.conversations_replies, channel="C001", ts="1")["error"] == (
        "not_in_channel"
    )


def test_a_private_channel_the_bot_is_not_in_is_invisible(sandbox: Sandbox, kit: Any) -> None:
    private = _leave(sandbox, "C004")
    assert private["is_private"]
    client = kit.slack()
    listed = client.conversations_list(types="public_channel,private_channel")["channels"]
    assert "C004" not in {c["id"] for c in listed}
    for call in (client.conversations_history, client.conversations_info):
        assert _error(call, channel="C004")["error"] == "channel_not_found"
    assert _error(client.conversations_join, channel="C004")["error"] == "channel_not_found"


def test_joining_a_public_channel_makes_it_readable(sandbox: Sandbox, kit: Any) -> None:
    _leave(sandbox, "C001")
    client = kit.slack()
    joined = client.conversations_join(channel="C001")
    assert joined["channel"]["is_member"] is True
    assert "warning" not in joined.data
    assert client.conversations_history(channel="C001", limit=1)["messages"]
    again = client.conversations_join(channel="C001")
    assert again["warning"] == "already_in_channel"


def test_joining_a_private_or_archived_channel_is_refused(sandbox: Sandbox, kit: Any) -> None:
    client = kit.slack()
    assert _error(client.conversations_join, channel="C004")["error"] == (
        "method_not_supported_for_channel_type"
    )
    archived = sandbox.world.slack.channels[-1]
    assert archived["is_archived"] and not archived["is_private"]
    archived["is_member"] = False
    assert _error(client.conversations_join, channel=archived["id"])["error"] == "is_archived"


def test_a_missing_scope_names_the_scope_needed_and_those_provided(
    sandbox: Sandbox, kit: Any
) -> None:
    _leave(sandbox, "C001")
    sandbox.world.slack.scopes = {"channels:read", "channels:history"}
    client = kit.slack()
    answer = _error(client.conversations_join, channel="C001")
    assert (answer["error"], answer["needed"]) == ("missing_scope", "channels:join")
    assert answer["provided"] == "channels:history,channels:read"
    listing = _error(client.conversations_list, types="public_channel,private_channel")
    assert listing["needed"] == "groups:read"
    assert client.conversations_list(types="public_channel")["channels"]
    assert _error(client.users_lookupByEmail, email="a@b.c")["needed"] == "users:read.email"


def test_each_method_has_its_tier_and_429_says_when_to_come_back(
    sandbox: Sandbox, kit: Any
) -> None:
    sandbox.world.slack.limits = SlackLimits(minute=2.0)
    client = kit.slack()  # no retry handler: the 429 surfaces
    for _ in range(20):  # Tier 2: 20 a minute
        client.conversations_list()
    with pytest.raises(SlackApiError) as raised:
        client.conversations_list()
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] in (["1"], ["2"], "1", "2")
    client.conversations_info(channel="C001")  # another method, its own allowance
    time.sleep(2.05)
    client.conversations_list()


def test_non_marketplace_apps_read_history_once_a_minute_15_a_page(
    sandbox: Sandbox, kit: Any
) -> None:
    sandbox.world.slack.limits = SlackLimits(minute=1.0, non_marketplace=True)
    client = kit.slack()
    page = client.conversations_history(channel="C001", limit=200)
    assert len(page["messages"]) == 15 and page["has_more"]
    with pytest.raises(SlackApiError) as raised:
        client.conversations_history(channel="C001", limit=200)
    assert raised.value.response.status_code == 429
    assert raised.value.response.data["error"] == "ratelimited"
    thread = next(m for m in sandbox.world.slack.messages["C001"] if m.get("reply_count"))
    client.conversations_replies(channel="C001", ts=thread["ts"])  # its own minute
    with pytest.raises(SlackApiError):
        client.conversations_replies(channel="C001", ts=thread["ts"])
