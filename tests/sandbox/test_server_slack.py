"""The sandbox's Slack Web API, driven by the real ``slack_sdk.WebClient`` over HTTPS."""

from __future__ import annotations

import json
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from opsaudit.sandbox.server import Sandbox


def test_auth_test_names_the_bot(kit: Any) -> None:
    answer = kit.slack().auth_test()
    assert (answer["user_id"], answer["team_id"]) == ("UBOT", "T0SANDBOX")


def test_a_wrong_token_is_invalid_auth(kit: Any) -> None:
    with pytest.raises(SlackApiError) as raised:
        kit.slack(token="xoxb-wrong").auth_test()
    assert raised.value.response.status_code == 200
    assert raised.value.response["error"] == "invalid_auth"


def test_conversations_list_pages_with_cursors(sandbox: Sandbox, kit: Any) -> None:
    listing = kit.slack().conversations_list(types="public_channel,private_channel", limit=2)
    pages = [dict(page.data) for page in listing]  # a SlackResponse pages in place
    assert [len(p["channels"]) for p in pages] == [2, 2, 1]
    assert pages[-1]["response_metadata"]["next_cursor"] == ""
    ids = [c["id"] for p in pages for c in p["channels"]]
    assert ids == [c["id"] for c in sandbox.world.slack.channels]


def test_conversations_list_types_and_archived(kit: Any) -> None:
    client = kit.slack()
    public = client.conversations_list()["channels"]
    assert all(not c["is_private"] for c in public)
    unarchived = client.conversations_list(
        types="public_channel,private_channel", exclude_archived=True
    )["channels"]
    assert [c["id"] for c in unarchived] == ["C001", "C002", "C003", "C004"]


def test_conversations_info_and_unknown_channel(kit: Any) -> None:
    client = kit.slack()
    assert client.conversations_info(channel="C002")["channel"]["name"] == "inc-2"
    with pytest.raises(SlackApiError) as raised:
        client.conversations_info(channel="CNOPE")
    assert raised.value.response["error"] == "channel_not_found"


def test_history_newest_first_top_level_only_across_pages(sandbox: Sandbox, kit: Any) -> None:
    pages = [dict(p.data) for p in kit.slack().conversations_history(channel="C001", limit=15)]
    assert [p["has_more"] for p in pages] == [True, True, False]
    messages = [m for p in pages for m in p["messages"]]
    assert [m["text"] for m in messages] == [f"update {n}" for n in range(39, -1, -1)]
    assert sandbox.counts["slack conversations.history"] == 3


def test_history_bounds_are_exclusive_unless_inclusive(sandbox: Sandbox, kit: Any) -> None:
    top = [m for m in sandbox.world.slack.messages["C001"] if m["text"].startswith("update")]
    oldest, latest = top[10]["ts"], top[14]["ts"]
    client = kit.slack()
    between = client.conversations_history(channel="C001", oldest=oldest, latest=latest)
    assert [m["text"] for m in between["messages"]] == [f"update {n}" for n in (13, 12, 11)]
    closed = client.conversations_history(
        channel="C001", oldest=oldest, latest=latest, inclusive=True
    )
    assert len(closed["messages"]) == 5


def test_history_shows_thread_broadcasts(sandbox: Sandbox, kit: Any) -> None:
    client = kit.slack()
    parent = sandbox.world.slack.messages["C001"][0]
    client.chat_postMessage(
        channel="C001", text="also in channel", thread_ts=parent["ts"], reply_broadcast=True
    )
    client.chat_postMessage(channel="C001", text="thread only", thread_ts=parent["ts"])
    texts = [m["text"] for m in client.conversations_history(channel="C001", limit=3)["messages"]]
    assert "also in channel" in texts
    assert "thread only" not in texts


def test_replies_parent_first_then_oldest_first(sandbox: Sandbox, kit: Any) -> None:
    parent = sandbox.world.slack.messages["C001"][0]
    thread = kit.slack().conversations_replies(channel="C001", ts=parent["ts"], limit=1)
    pages = [dict(page.data) for page in thread]
    assert len(pages) == 2
    assert all(p["messages"][0]["ts"] == parent["ts"] for p in pages)
    replies = [m["text"] for p in pages for m in p["messages"][1:]]
    assert replies == sorted(replies)
    assert len(replies) == 2


def test_users_list_info_and_lookup(sandbox: Sandbox, kit: Any) -> None:
    client = kit.slack()
    pages = [dict(page.data) for page in client.users_list(limit=4)]
    assert [len(p["members"]) for p in pages] == [4, 2]
    assert client.users_info(user="U3")["user"]["name"] == "person3"
    assert client.users_lookupByEmail(email="person2@example.com")["user"]["id"] == "U2"
    with pytest.raises(SlackApiError) as raised:
        client.users_lookupByEmail(email="nobody@example.com")
    assert raised.value.response["error"] == "users_not_found"


def test_post_message_appends_to_the_world(sandbox: Sandbox, kit: Any) -> None:
    client = kit.slack()
    posted = client.chat_postMessage(channel="C002", text="Incident summary")
    assert posted["channel"] == "C002"
    assert posted["message"]["text"] == "Incident summary"
    assert sandbox.world.slack.messages["C002"][-1]["ts"] == posted["ts"]
    newest = client.conversations_history(channel="C002", limit=1)["messages"][0]
    assert newest["ts"] == posted["ts"]


def test_post_reply_updates_the_parent(sandbox: Sandbox, kit: Any) -> None:
    client = kit.slack()
    parent = sandbox.world.slack.messages["C001"][0]
    reply = client.chat_postMessage(channel="C001", text="ack", thread_ts=parent["ts"])
    assert parent["reply_count"] == 3
    assert parent["latest_reply"] == reply["ts"]
    thread = client.conversations_replies(channel="C001", ts=parent["ts"])["messages"]
    assert thread[-1]["text"] == "ack"


def test_post_into_a_reply_is_refused(sandbox: Sandbox, kit: Any) -> None:
    reply = sandbox.world.slack.messages["C001"][1]
    with pytest.raises(SlackApiError) as raised:
        kit.slack().chat_postMessage(channel="C001", text="x", thread_ts=reply["ts"])
    assert raised.value.response["error"] == "thread_not_found"


@pytest.mark.parametrize(
    ("blocks", "error"),
    [
        ([{"type": "divider"}] * 51, "invalid_blocks"),
        ([{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}], "invalid_blocks"),
    ],
)
def test_block_kit_limits(kit: Any, blocks: list[Any], error: str) -> None:
    with pytest.raises(SlackApiError) as raised:
        kit.slack().chat_postMessage(channel="C002", text="t", blocks=blocks)
    assert raised.value.response["error"] == error
    assert raised.value.response["errors"]


def test_block_kit_at_the_limits_is_accepted(kit: Any) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3000}}]
    blocks += [{"type": "divider"}] * 49
    posted = kit.slack().chat_postMessage(channel="C002", text="t", blocks=json.dumps(blocks))
    assert len(posted["message"]["blocks"]) == 50


def test_text_over_40000_characters_is_too_long(kit: Any) -> None:
    with pytest.raises(SlackApiError) as raised:
        kit.slack().chat_postMessage(channel="C002", text="x" * 40_001)
    assert raised.value.response["error"] == "msg_too_long"


def test_permalink(sandbox: Sandbox, kit: Any) -> None:
    message = sandbox.world.slack.messages["C001"][3]
    link = kit.slack().chat_getPermalink(channel="C001", message_ts=message["ts"])["permalink"]
    assert link == f"https://sandbox.slack.com/archives/C001/p{message['ts'].replace('.', '')}"


def test_rate_limit_answer(sandbox: Sandbox, kit: Any) -> None:
    sandbox.faults.rate_limit_every = 1
    sandbox.faults.retry_after = 1
    with pytest.raises(SlackApiError) as raised:
        kit.slack().conversations_list()
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "1"
    assert raised.value.response["error"] == "ratelimited"


def test_retry_handler_rides_out_a_rate_limit(sandbox: Sandbox, kit: Any) -> None:
    sandbox.faults.rate_limit_every = 2
    sandbox.faults.retry_after = 0
    client = kit.slack()
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    client.auth_test()  # request 1
    assert client.conversations_list()["ok"]  # request 2 is refused, 3 answers
    assert sandbox.counts["slack conversations.list"] == 2
