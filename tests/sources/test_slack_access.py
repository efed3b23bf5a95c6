"""The Slack source where the bot may not read everything: war rooms it is not in,
private rooms, missing scopes; through slack_sdk against the sandbox."""

from __future__ import annotations

import pytest
from slack_fixtures import Org, by_channel, sync, sync_saying

from opsaudit.records import Channel, ChatBatch
from opsaudit.sandbox.server import Sandbox
from opsaudit.sandbox.slack_access import ALL_SCOPES
from opsaudit.sources.base import Cursor, SourceError


def _not_member(org: Org, name: str) -> None:
    channel = next(c for c in org.world.slack.channels if c["id"] == org.ids[name])
    channel["is_member"] = False


def _sync(sb: Sandbox, *, join: bool = True) -> tuple[ChatBatch, Cursor, list[str]]:
    batch, cursor, _, said = sync_saying(sb, join=join)
    return batch, cursor, said


def _channel(batch: ChatBatch, org: Org, name: str) -> Channel:
    return next(c for c in batch.channels if c.id == org.ids[name])


def test_a_public_war_room_the_bot_is_not_in_is_joined_and_read(org: Org, sb: Sandbox) -> None:
    _not_member(org, "incident-56")
    batch, _, said = _sync(sb)
    assert sb.counts["slack conversations.join"] == 1
    assert by_channel(batch)[org.ids["incident-56"]] == org.ts_in("incident-56")
    assert _channel(batch, org, "incident-56").unreadable is None
    assert said == []


def test_without_joining_the_room_is_listed_unreadable_and_the_rest_is_read(
    org: Org, sb: Sandbox
) -> None:
    _not_member(org, "incident-56")
    batch, cursor, said = _sync(sb, join=False)
    room = _channel(batch, org, "incident-56")
    why = "the bot is not a member of #incident-56: invite it or enable sources.slack.join_channels"
    assert room.unreadable == why
    assert said == [f"slack: cannot read #incident-56: {why}"]
    assert org.ids["incident-56"] not in by_channel(batch)
    assert org.ids["incident-56"] not in cursor["channels"]  # read in full once it can be
    assert by_channel(batch)[org.ids["incident-12"]] == org.ts_in("incident-12")
    assert sb.counts["slack conversations.join"] == 0
    assert len(batch.incidents_posts) == len(org.summaries)


def test_once_invited_the_next_sync_reads_the_room_in_full(org: Org, sb: Sandbox) -> None:
    _not_member(org, "incident-56")
    _, cursor, _ = _sync(sb, join=False)
    with sb.world.lock:
        next(c for c in sb.world.slack.channels if c["id"] == org.ids["incident-56"])[
            "is_member"
        ] = True
    batch, _ = sync(sb, cursor=cursor)
    assert by_channel(batch)[org.ids["incident-56"]] == org.ts_in("incident-56")


def test_a_private_war_room_the_bot_is_not_in_is_not_seen_at_all(org: Org, sb: Sandbox) -> None:
    _not_member(org, "incident-34")
    batch, _, said = _sync(sb)
    assert org.ids["incident-34"] not in {c.id for c in batch.channels}
    assert sb.counts["slack conversations.join"] == 0
    assert said == []


def test_a_missing_join_scope_is_named_and_fails_only_that_room(org: Org, sb: Sandbox) -> None:
    _not_member(org, "incident-56")
    sb.world.slack.scopes = set(ALL_SCOPES - {"channels:join"})
    batch, _, said = _sync(sb)
    why = _channel(batch, org, "incident-56").unreadable
    assert why == (
        "the Slack app lacks the scope channels:join to join #incident-56: "
        "add it to the app's bot token scopes and reinstall the app"
    )
    assert said == [f"slack: cannot read #incident-56: {why}"]
    assert by_channel(batch)[org.ids["incident-12"]] == org.ts_in("incident-12")


def test_a_missing_history_scope_for_private_rooms_fails_only_those(org: Org, sb: Sandbox) -> None:
    sb.world.slack.scopes = set(ALL_SCOPES - {"groups:history"})
    batch, _, said = _sync(sb)
    why = _channel(batch, org, "incident-34").unreadable or ""
    assert "lacks the scope groups:history to read #incident-34" in why
    assert said == [f"slack: cannot read #incident-34: {why}"]
    assert _channel(batch, org, "incident-56").unreadable is None


def test_a_missing_listing_scope_fails_the_source_naming_it(org: Org, sb: Sandbox) -> None:
    sb.world.slack.scopes = set(ALL_SCOPES - {"groups:read"})
    with pytest.raises(SourceError) as raised:
        _sync(sb)
    assert str(raised.value) == (
        "slack: conversations.list failed: the Slack app lacks the scope 'groups:read' "
        "(add it to the app's bot token scopes and reinstall the app)"
    )


def test_an_incidents_channel_the_bot_cannot_read_fails_the_source(org: Org, sb: Sandbox) -> None:
    # the comms checks would otherwise see no summary post at all: false violations
    _not_member(org, "incidents")
    with pytest.raises(SourceError) as raised:
        _sync(sb, join=False)
    assert str(raised.value) == (
        "slack: cannot read the incidents channel: the bot is not a member of #incidents: "
        "invite it or enable sources.slack.join_channels"
    )
