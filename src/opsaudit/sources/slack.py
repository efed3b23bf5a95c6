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

import re
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
    utc,
)
from opsaudit.sources.slack_access import access_problem, unreadable_because
from opsaudit.sources.slack_client import (
    EPOCH,
    JSON,
    SlackApi,
    SlackCallError,
    datetime_ts,
    permalink,
    ts_datetime,
    ts_key,
)
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
_TS = re.compile(r"\d{1,12}(\.\d{1,6})?")
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
    reader = _Reader(api=api, now=now, since=since, page_size=page_size, window=reread)
    unreadable: dict[str, str] = {}

    resolutions = war_rooms.resolution_by_name()
    for channel in listed:
        name = channel.get("name", "")
        if name not in resolutions or not _needs_read(
            known.get(channel["id"]), channel, resolutions[name], since
        ):
            continue
        why = access_problem(api, channel, join=join_channels)
        if why is None:
            try:
                messages, known[channel["id"]] = reader.read(channel, known.get(channel["id"]))
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
    if _needs_read(known.get(room["id"]), room, None, since):
        why = access_problem(api, room, join=join_channels)
        if why is not None:
            raise SourceError("slack", f"cannot read the incidents channel: {why}")
        messages, known[room["id"]], deleted = reader.read_tracked(room, known.get(room["id"]))
        batch.messages.extend(to_message(room["id"], m) for m in messages)
        posts = [m for m in messages if is_summary_post(str(m.get("text") or ""))]
        if posts and not state.get("workspace_url"):
            state["workspace_url"] = str(api.call("auth.test").get("url") or "")
        batch.incidents_posts.extend(to_post(room["id"], m, state["workspace_url"]) for m in posts)
        # a post edited into something else is a summary post no more
        summaries = {m["ts"] for m in posts}
        batch.unposted.extend(
            (room["id"], m["ts"]) for m in messages if _edited(m) and m["ts"] not in summaries
        )
        batch.unposted.extend((room["id"], ts) for ts in deleted)  # a deleted post is gone

    state["synced_at"] = iso(now)
    return batch, state


# ------------------------------------------------------------------------------ reading


class _Reader:
    """Reads one channel's history and threads, returning messages not returned before."""

    def __init__(
        self, *, api: SlackApi, now: datetime, since: datetime, page_size: int, window: timedelta
    ) -> None:
        self.api = api
        self.now = now
        self.since = since
        self.page_size = page_size
        self.window = window  # history is re-read this far back: threads and edits

    def read(self, channel: JSON, prior: JSON | None) -> tuple[list[JSON], JSON]:
        """The channel's new messages (history and replies) and its next cursor entry."""
        messages, entry, _ = self.read_tracked(channel, prior)
        return messages, entry

    def read_tracked(self, channel: JSON, prior: JSON | None) -> tuple[list[JSON], JSON, list[str]]:
        """:meth:`read`, also remembering the channel's top-level messages of the re-read
        window, and saying which remembered ones history no longer has (deleted)."""
        if prior is None or _since_moved(prior, self.since):
            prior = {"newest_ts": None, "since": iso(self.since), "threads": {}}
            oldest = newest_seen = datetime_ts(self.since)
            inclusive, baseline = True, None
        else:
            newest_seen = prior.get("newest_ts") or datetime_ts(_prior_since(prior))
            lookback = datetime_ts(max(self.now - self.window, _prior_since(prior)))
            oldest = min(newest_seen, lookback, key=ts_key)
            inclusive = False
            # a thread not in the cursor had no reply in the window before the last read
            baseline = datetime_ts(_read_at(prior) - self.window)
        # an edit after the last read carries an edited.ts newer than anything it saw
        edits_after = prior.get("edits_after") or prior.get("newest_ts") or ""
        threads: dict[str, str] = dict(prior.get("threads") or {})

        history = {
            m["ts"]: m
            for m in self.api.pages(
                "conversations.history",
                "messages",
                channel=channel["id"],
                oldest=oldest,
                inclusive=inclusive,
                limit=self.page_size,
            )
            if m.get("ts") and (ts_key(m["ts"]) > ts_key(oldest) or inclusive)
        }
        found = {
            ts: m
            for ts, m in history.items()
            if ts_key(ts) > ts_key(newest_seen)
            or (inclusive and ts == newest_seen)
            or (not inclusive and ts_key(_edited(m)) > ts_key(edits_after))
        }
        for thread_ts, after in _threads_to_read(history, found, threads, baseline).items():
            for reply in self._replies(channel["id"], thread_ts, after):
                found.setdefault(reply["ts"], reply)
                threads[thread_ts] = max(reply["ts"], threads.get(thread_ts, ""), key=ts_key)

        # remembered messages inside what history was asked for, and no longer in it
        deleted = [
            ts
            for ts in prior.get("recent") or []
            if ts_key(ts) > ts_key(oldest) and (ts not in history or _tombstone(history[ts]))
        ]
        newest = max([*history, prior.get("newest_ts") or ""], key=ts_key) or None
        entry = {
            "name": channel.get("name", ""),
            "newest_ts": newest,
            "edits_after": max(
                [newest or "", edits_after, *(_edited(m) for m in found.values())], key=ts_key
            )
            or None,
            "archived": bool(channel.get("is_archived")),
            "read_at": iso(self.now),
            "since": prior["since"],
            "threads": {t: r for t, r in threads.items() if self._young(r)},
            "recent": sorted(
                (t for t, m in history.items() if self._young(t) and not _tombstone(m)),
                key=ts_key,
            ),
        }
        return sorted(found.values(), key=lambda m: ts_key(m["ts"])), entry, deleted

    def _replies(self, channel_id: str, thread_ts: str, after: str | None) -> list[JSON]:
        replies = []
        for message in self.api.pages(
            "conversations.replies",
            "messages",
            channel=channel_id,
            ts=thread_ts,
            oldest=after,
            limit=self.page_size,
        ):
            ts = message.get("ts")
            # the parent comes back first on every page; history already gave it
            if ts and ts != thread_ts and (after is None or ts_key(ts) > ts_key(after)):
                replies.append(message)
        return replies

    def _young(self, last_reply: str) -> bool:
        return ts_datetime(last_reply) >= self.now - self.window


def _tombstone(message: JSON) -> bool:
    """What Slack leaves of a deleted message that had replies."""
    return message.get("subtype") == "tombstone"


def _edited(message: JSON) -> str:
    """When the message was last edited (a ts), or "" if never (or not a ts)."""
    edited = message.get("edited")
    ts = str(edited.get("ts") or "") if isinstance(edited, dict) else ""
    return ts if _TS.fullmatch(ts) else ""


def _threads_to_read(
    history: dict[str, JSON], new: dict[str, JSON], threads: dict[str, str], baseline: str | None
) -> dict[str, str | None]:
    """Thread ts -> read its replies after this ts (None: all of them).

    A parent in history says by its ``latest_reply`` whether its thread moved; a new reply
    broadcast to the channel tells it for a parent too old to be in history.
    """
    wanted: dict[str, str | None] = {}
    for ts, message in history.items():
        thread_ts = message.get("thread_ts")
        last = threads.get(thread_ts or ts) or baseline
        if thread_ts == ts and int(message.get("reply_count") or 0) > 0:
            latest = message.get("latest_reply") or ""
            if last is None or not latest or ts_key(latest) > ts_key(last):
                wanted[ts] = last
        elif thread_ts and thread_ts != ts and ts in new and thread_ts not in history:
            wanted[thread_ts] = last
    return wanted


def _needs_read(
    prior: JSON | None, channel: JSON, resolved: datetime | None, since: datetime
) -> bool:
    """Whether a channel can hold messages the audit needs and hasn't got."""
    if prior is None or _since_moved(prior, since):
        return True
    if prior.get("archived") and channel.get("is_archived"):
        return False
    read_at = utc(prior.get("read_at"))
    return not (resolved is not None and read_at is not None and resolved < read_at)


def _since_moved(prior: JSON, since: datetime) -> bool:
    return since < _prior_since(prior)


def _prior_since(prior: JSON) -> datetime:
    return utc(prior.get("since")) or EPOCH


def _read_at(prior: JSON) -> datetime:
    return utc(prior.get("read_at")) or EPOCH


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
