"""The Slack source: channels, war-room message metadata and ``#incidents`` summary posts.

What one sync reads (slack_sdk's ``WebClient``, see ``slack_client.py``):

- ``conversations.list`` (public and private, archived included), every page, every
  time: it is a few pages, and it is the only way to see new, renamed or archived
  channels. Every channel becomes a :class:`Channel` (the store upserts them).
- War rooms: the channels named exactly ``<prefix><key>`` for the scope's keys
  (``incident-1234-retro`` is not one). ``conversations.history`` from ``since`` and
  ``conversations.replies`` for every thread give :class:`MessageMeta` records. A
  war room's text is never kept, nor logged.
- The incidents channel (found by name): the same reads give :class:`MessageMeta` for
  every message and, for messages with a line reading only ``Incident summary``, an
  :class:`IncidentsPost` with the text and a permalink built the way Slack builds them
  from the workspace URL ``auth.test`` returns (one request, remembered in the cursor).

Incremental syncs. The cursor (plain JSON) keeps, per channel read: the newest ts seen
in its history, whether it was archived, when it was read, the ``since`` it was read
from, and its threads with replies in the last 7 days (thread ts -> newest reply seen).
The next sync then:

- skips a channel read before that was archived then and still is (nothing changes);
- skips a war room whose incident was resolved before the channel was last read: the
  checks ignore what is said after the resolution;
- reads any other channel's history from the newest ts seen (exclusive), or from 7 days
  back if that is earlier: a thread parent shows up only in history, and its
  ``latest_reply`` is the cheap way to learn that the thread moved. Replies are then read
  only for new threads and threads whose ``latest_reply`` is newer than what was read (or
  whose new reply was broadcast to the channel); messages at or before the newest ts seen
  are not returned again. Replies to a thread quiet for 7 days whose parent is older than
  7 days are missed unless broadcast: a price for not re-reading every old thread;
- reads a channel in full again when it is new to the cursor or ``since`` moved earlier.

Edits. Slack's history gives no ``message_changed`` events, only each message as it is
now, with ``edited: {user, ts}``. The history re-read over the window (7 days,
``sources.slack.reread_days``) returns again every message whose ``edited.ts`` is newer
than anything the channel's last read saw, so a summary post corrected after a sync is
judged on its current text (and one edited into something else, or deleted, is dropped:
``ChatBatch.unposted``). An edit to a message older than the window, or to a thread
reply whose thread got no new reply, is seen only by a full sync (``--full``).

Access. A bot reads only the channels it is in. A public war room it is not in is
joined first (``conversations.join``) when ``join_channels``; one it still cannot read
(not joined, a missing scope, ``not_in_channel``, ``channel_not_found``) is listed with
the reason in :attr:`Channel.unreadable`, said in the progress output, and left out of
the cursor so that a later sync reads it in full. It never fails the source; an
incidents channel that cannot be read does (the comms checks would see no post at all).

The batch holds every channel and only messages not returned before (or edited since).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from opsaudit.parsing.summary import is_summary_post
from opsaudit.records import ChatBatch
from opsaudit.sources.base import (
    DEFAULT_RETRY,
    Cursor,
    Endpoint,
    RequestCounter,
    RetryPolicy,
    SourceError,
    iso,
)
from opsaudit.sources.slack_access import access_problem, unreadable_because
from opsaudit.sources.slack_client import (
    JSON,
    SlackApi,
    SlackCallError,
    datetime_ts,
    permalink,
    ts_datetime,
)
from opsaudit.sources.slack_reader import Reader, edited, needs_read
from opsaudit.sources.slack_records import to_channel, to_message, to_post

__all__ = [
    "WarRoomScope",
    "datetime_ts",
    "fetch_slack",
    "is_summary_post",
    "permalink",
    "ts_datetime",
]

CURSOR_VERSION = 1
REREAD_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class WarRoomScope:
    """Which war rooms to read, and until when they matter.

    ``keys`` maps a ticket id (``"1234"``) to its incident's resolution time, or None
    while the incident is open.
    """

    prefix: str = "incident-"
    keys: Mapping[str, datetime | None] = field(default_factory=dict)

    def resolution_by_name(self) -> dict[str, datetime | None]:
        """Channel name -> resolution time, for every war room in scope."""
        return {f"{self.prefix}{key}": resolved for key, resolved in self.keys.items()}


def fetch_slack(
    *,
    endpoint: Endpoint,
    incidents_channel: str,
    war_rooms: WarRoomScope,
    cursor: Cursor | None,
    now: datetime,
    since: datetime,
    counter: RequestCounter | None = None,
    retry: RetryPolicy = DEFAULT_RETRY,
    page_size: int = 200,
    join_channels: bool = True,
    reread: timedelta = REREAD_WINDOW,
) -> tuple[ChatBatch, Cursor]:
    """Read channels, war-room message metadata and summary posts since the cursor.

    Returns the new records and the next cursor. A war room the bot cannot read (not a
    member and not joined, a missing scope, ``channel_not_found``) is listed with the
    reason (:attr:`Channel.unreadable`) and said in the progress output; it fails
    nothing. Anything else raises :class:`SourceError` naming the Slack method and the
    error (the scope, for ``missing_scope``), after bounded retries; so does an
    incidents channel that cannot be read.
    """
    if now.tzinfo is None or since.tzinfo is None:
        raise ValueError("now and since must be timezone-aware")
    page_size = max(1, min(page_size, 999))  # conversations.history takes at most 999
    api = SlackApi(endpoint=endpoint, counter=counter or RequestCounter(), retry=retry)
    state = _load(cursor)
    known: dict[str, Any] = state["channels"]
    listed = list(
        api.pages(
            "conversations.list",
            "channels",
            types="public_channel,private_channel",
            exclude_archived=False,
            limit=page_size,
        )
    )
    batch = ChatBatch()
    reader = Reader(api=api, now=now, since=since, page_size=page_size, window=reread)
    unreadable: dict[str, str] = {}

    resolutions = war_rooms.resolution_by_name()
    for channel in listed:
        name = channel.get("name", "")
        if name not in resolutions or not needs_read(
            known.get(channel["id"]), channel, resolutions[name], since
        ):
            continue
        why = access_problem(api, channel, join=join_channels)
        if why is None:
            try:
                messages, known[channel["id"]], _ = reader.read(channel, known.get(channel["id"]))
            except SlackCallError as exc:
                why = unreadable_because(channel, exc)
            else:
                batch.messages.extend(to_message(channel["id"], m) for m in messages)
                continue
        unreadable[channel["id"]] = why
        known.pop(channel["id"], None)  # read in full once it can be
        api.say(f"cannot read #{name}: {why}")
    batch.channels = [to_channel(c, unreadable.get(c["id"])) for c in listed]

    room = _incidents_room(listed, incidents_channel)
    if needs_read(known.get(room["id"]), room, None, since):
        why = access_problem(api, room, join=join_channels)
        if why is not None:
            raise SourceError("slack", f"cannot read the incidents channel: {why}")
        messages, known[room["id"]], deleted = reader.read(room, known.get(room["id"]))
        batch.messages.extend(to_message(room["id"], m) for m in messages)
        posts = [m for m in messages if is_summary_post(str(m.get("text") or ""))]
        if posts and not state.get("workspace_url"):
            state["workspace_url"] = str(api.call("auth.test").get("url") or "")
        batch.incidents_posts.extend(to_post(room["id"], m, state["workspace_url"]) for m in posts)
        # a post edited into something else is a summary post no more
        summaries = {m["ts"] for m in posts}
        batch.unposted.extend(
            (room["id"], m["ts"]) for m in messages if edited(m) and m["ts"] not in summaries
        )
        batch.unposted.extend((room["id"], ts) for ts in deleted)  # a deleted post is gone

    state["synced_at"] = iso(now)
    return batch, state


# ------------------------------------------------------------------------------ reading


def _load(cursor: Cursor | None) -> JSON:
    """The cursor, or a fresh one when there is none or it is of another version."""
    if not cursor or cursor.get("version") != CURSOR_VERSION:
        return {"version": CURSOR_VERSION, "synced_at": None, "workspace_url": None, "channels": {}}
    return {**cursor, "channels": dict(cursor.get("channels") or {})}


def _incidents_room(channels: list[JSON], wanted: str) -> JSON:
    name = wanted.lstrip("#")
    matches = [c for c in channels if c.get("name") == name or c.get("id") == name]
    if not matches:
        raise SourceError("slack", f"incidents channel #{name} not found by conversations.list")
    # a live channel wins over an archived one of the same name
    return sorted(matches, key=lambda c: bool(c.get("is_archived")))[0]
