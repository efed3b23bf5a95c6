"""The Slack source and what real workspaces do over time: messages edited after a
sync read them, and the per-method rate limits (the 2025 non-Marketplace limit of one
history request a minute, 15 messages a page, on a scaled-down minute)."""

from __future__ import annotations

import time
from dataclasses import replace

from slack_fixtures import (
    SCOPE,
    Org,
    by_channel,
    summary_text,
    sync,
    sync_saying,
)

from opsaudit.sandbox.server import Sandbox
from opsaudit.sandbox.slack_limits import SlackLimits
from opsaudit.sources.base import RequestCounter


def _edit(org: Org, channel: str, ts: str, text: str) -> None:
    with org.world.lock:
        message = next(m for m in org.world.slack.messages[org.ids[channel]] if m["ts"] == ts)
        message["text"] = text
        message["edited"] = {"user": message.get("user", ""), "ts": f"{time.time():.6f}"}


# -------------------------------------------------------------------------------- edits


def test_a_summary_post_edited_after_the_last_sync_is_read_again(org: Org, sb: Sandbox) -> None:
    first, cursor = sync(sb)
    post = org.summaries[-1]  # posted 20 hours ago: inside the re-read window
    assert "*Status:* investigating" in next(p.text for p in first.incidents_posts if p.ts == post)
    corrected = summary_text("incident-56").replace("investigating", "mitigating")
    _edit(org, "incidents", post, corrected)
    second, cursor = sync(sb, cursor=cursor)
    assert [(p.ts, p.text) for p in second.incidents_posts] == [(post, corrected)]
    third, _ = sync(sb, cursor=cursor)  # an edit is read once
    assert third.incidents_posts == []


def test_a_summary_post_edited_into_a_plain_message_is_unposted(org: Org, sb: Sandbox) -> None:
    _, cursor = sync(sb)
    post = org.summaries[-1]
    _edit(org, "incidents", post, "Sorry, wrong channel.")
    batch, _ = sync(sb, cursor=cursor)
    assert (batch.incidents_posts, batch.unposted) == ([], [(org.ids["incidents"], post)])


def test_a_summary_post_deleted_after_the_last_sync_is_gone(org: Org, sb: Sandbox) -> None:
    _, cursor = sync(sb)
    post = org.summaries[-1]
    with org.world.lock:
        messages = org.world.slack.messages[org.ids["incidents"]]
        messages[:] = [m for m in messages if m["ts"] != post]
        # a summary post with replies leaves a tombstone, as Slack does
        threads = [m for m in messages if m["ts"] in org.summaries and m.get("reply_count")]
        tomb = max(threads, key=lambda m: float(m["ts"]))  # inside the re-read window
        parent = tomb["ts"]
        tomb.update(subtype="tombstone", text="This message was deleted.", user="USLACKBOT")
    batch, cursor = sync(sb, cursor=cursor)
    assert sorted(batch.unposted) == sorted((org.ids["incidents"], ts) for ts in (post, parent))
    again, _ = sync(sb, cursor=cursor)  # said once
    assert again.unposted == []


def test_an_edit_older_than_the_re_read_window_is_not_seen(org: Org, sb: Sandbox) -> None:
    _, cursor = sync(sb)
    old = org.summaries[0]  # ten days ago; the window is seven
    _edit(org, "incidents", old, summary_text("incident-12").replace("investigating", "resolved"))
    batch, _ = sync(sb, cursor=cursor)
    assert batch.incidents_posts == []


def test_an_edited_war_room_message_keeps_its_kind_and_time(org: Org, sb: Sandbox) -> None:
    first, cursor = sync(sb)
    room = org.ids["incident-34"]  # its incident is still open: the room is read again
    last = max(org.ts_in("incident-34"), key=float)
    _edit(org, "incident-34", last, "typo fixed")
    second, _ = sync(sb, cursor=cursor)
    assert by_channel(second) == {room: {last}}
    before = next(m for m in first.messages if m.ts == last)
    assert second.messages == [before]  # the same metadata: the body is never kept


# ------------------------------------------------------------------------- rate limits


def test_the_sync_completes_under_the_non_marketplace_limits(org: Org, sb: Sandbox) -> None:
    unlimited = 10**6
    sb.world.slack.limits = SlackLimits(
        minute=1.0,
        non_marketplace=True,  # 15 messages a page
        per_minute={"conversations.history": unlimited, "conversations.replies": unlimited},
    )
    free, _, free_requests, _ = sync_saying(sb, page_size=200)
    sb.world.slack.limits = SlackLimits(minute=1.0, non_marketplace=True)
    sb.reset_counts()
    started = time.monotonic()
    paced, _, requests, said = sync_saying(sb, page_size=200)
    assert by_channel(paced) == by_channel(free)
    assert paced.incidents_posts == free.incidents_posts
    calls = sb.counts["slack conversations.history"] + sb.counts["slack conversations.replies"]
    assert calls >= 6  # several calls of each: the pacing is exercised
    # one 429 per method teaches its pace; the rest of the calls wait their turn
    assert requests.count <= free_requests.count + 4
    limited = [line for line in said if line.startswith("slack: rate limited on conversations.")]
    assert 1 <= len(limited) <= 4
    assert limited[0].endswith("waiting 1 s (Retry-After)")
    assert time.monotonic() - started < 60


def test_a_429_is_retried_after_its_retry_after(org: Org, sb: Sandbox) -> None:
    sb.world.slack.limits = SlackLimits(minute=1.0, per_minute={"conversations.list": 1})
    counter = RequestCounter()
    batch, _ = sync(sb, counter=counter, scope=replace(SCOPE, keys={}))
    assert {c.id for c in batch.channels} == set(org.ids.values())  # every page, in the end
    assert sb.counts["slack conversations.list"] > len(org.ids) // 3
