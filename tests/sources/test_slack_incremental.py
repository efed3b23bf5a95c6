"""Second syncs of the Slack source: only what can still change is read, only news returned."""

from __future__ import annotations

import json
from datetime import timedelta

from slack_fixtures import NOW, SCOPE, SENTINEL, Org, summary_text, sync

from opsaudit.records import ChatBatch
from opsaudit.sandbox.server import Sandbox
from opsaudit.sources.base import Cursor
from opsaudit.sources.slack import WarRoomScope


def first_sync(sb: Sandbox, scope: WarRoomScope = SCOPE) -> Cursor:
    """A full sync; its cursor as the store would give it back (through JSON)."""
    _, cursor = sync(sb, scope=scope)
    sb.reset_counts()
    return json.loads(json.dumps(cursor))  # type: ignore[no-any-return]


def new_ts(batch: ChatBatch) -> set[str]:
    return {m.ts for m in batch.messages}


def test_unchanged_world_second_sync_reads_little_and_returns_no_messages(
    org: Org, sb: Sandbox
) -> None:
    cursor = first_sync(sb)
    batch, _ = sync(sb, cursor=cursor, now=NOW + timedelta(hours=1), page_size=50)
    assert (batch.messages, batch.incidents_posts) == ([], [])
    assert {c.id for c in batch.channels} == set(org.ids.values())  # always upserted
    # incident-12 is archived and incident-56 resolved before the last read: not read.
    # #incidents and the open incident-34: one history page each (their last 7 days fit),
    # and no thread moved.
    assert sb.counts["slack conversations.list"] == 1
    assert sb.counts["slack conversations.history"] == 2
    assert sb.counts["slack conversations.replies"] == 0
    assert sb.counts["slack auth.test"] == 0  # the workspace URL is in the cursor


def test_second_sync_returns_exactly_the_new_messages(org: Org, sb: Sandbox) -> None:
    cursor = first_sync(sb)
    b = org.b
    room = b.message(org.ids["incident-34"], at=NOW + timedelta(minutes=10), text=SENTINEL)
    reply = b.message(
        org.ids["incidents"],
        at=NOW + timedelta(minutes=20),
        thread_ts=org.young_thread,
        text=summary_text("incident-34"),
    )
    # the first reply to a post that had none when last read
    first = b.message(
        org.ids["incidents"],
        at=NOW + timedelta(minutes=25),
        thread_ts=org.summaries[-1],
        text="Thanks, on it",
    )
    # neither of these can matter: a resolved incident read since, and the decoy
    b.message(org.ids["incident-56"], at=NOW + timedelta(minutes=5), text=SENTINEL)
    b.message(org.ids["incident-12-retro"], at=NOW + timedelta(minutes=5), text=SENTINEL)

    batch, _ = sync(sb, cursor=cursor, now=NOW + timedelta(hours=1))
    assert new_ts(batch) == {room, reply, first}
    assert [p.ts for p in batch.incidents_posts] == [reply]
    assert batch.incidents_posts[0].permalink.startswith("https://sandbox.slack.com/archives/")
    assert SENTINEL not in repr(batch)


def test_a_war_room_is_read_until_a_sync_after_its_resolution(org: Org, sb: Sandbox) -> None:
    cursor = first_sync(sb)
    room = org.ids["incident-34"]
    late = org.b.message(room, at=NOW + timedelta(minutes=10), text=SENTINEL)
    resolved = WarRoomScope(keys={**SCOPE.keys, "34": NOW + timedelta(minutes=30)})

    batch, cursor = sync(sb, cursor=cursor, now=NOW + timedelta(hours=1), scope=resolved)
    assert new_ts(batch) == {late}

    after = org.b.message(room, at=NOW + timedelta(hours=2), text=SENTINEL)
    sb.reset_counts()
    batch, _ = sync(sb, cursor=cursor, now=NOW + timedelta(hours=3), scope=resolved, page_size=50)
    assert after not in new_ts(batch)
    assert sb.counts["slack conversations.history"] == 1  # #incidents alone


def test_an_archived_war_room_already_read_is_not_read_again(org: Org, sb: Sandbox) -> None:
    still_open = WarRoomScope(keys={"12": None, "34": None})
    cursor = first_sync(sb, still_open)
    batch, _ = sync(sb, cursor=cursor, now=NOW + timedelta(hours=1), scope=still_open, page_size=50)
    assert batch.messages == []
    assert sb.counts["slack conversations.history"] == 2  # #incidents and incident-34


def test_a_war_room_archived_since_the_last_read_is_read_once_more(org: Org, sb: Sandbox) -> None:
    cursor = first_sync(sb)
    room = org.ids["incident-34"]
    last = org.b.message(room, at=NOW + timedelta(minutes=10), text=SENTINEL)
    org.b.archive(room)
    batch, cursor = sync(sb, cursor=cursor, now=NOW + timedelta(hours=1))
    assert new_ts(batch) == {last}
    sb.reset_counts()
    sync(sb, cursor=cursor, now=NOW + timedelta(hours=2), page_size=50)
    assert sb.counts["slack conversations.history"] == 1  # #incidents alone


def test_a_war_room_new_to_the_scope_is_read_in_full(org: Org, sb: Sandbox) -> None:
    cursor = first_sync(sb, WarRoomScope(keys={"34": None}))
    batch, _ = sync(sb, cursor=cursor, now=NOW + timedelta(hours=1))
    assert new_ts(batch) == org.ts_in("incident-12") | org.ts_in("incident-56")


def test_a_reply_broadcast_to_an_old_quiet_thread_brings_that_thread_in(
    org: Org, sb: Sandbox
) -> None:
    cursor = first_sync(sb)
    old = org.summaries[0]  # ten days old, its one reply nine days ago: out of the window
    inc = org.ids["incidents"]
    quiet = org.b.message(inc, at=NOW + timedelta(minutes=5), thread_ts=old, text="one more")
    loud = org.b.message(
        inc,
        at=NOW + timedelta(minutes=6),
        thread_ts=old,
        subtype="thread_broadcast",
        text=summary_text("incident-12"),
    )
    batch, _ = sync(sb, cursor=cursor, now=NOW + timedelta(hours=1))
    assert sorted(m.ts for m in batch.messages) == sorted([quiet, loud])
    assert [p.ts for p in batch.incidents_posts] == [loud]
