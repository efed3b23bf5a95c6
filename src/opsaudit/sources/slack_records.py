"""Slack's JSON as our records: channels, message metadata, ``#incidents`` posts.

Slack's vocabulary stops here: a message's subtype, bot and user become its
:data:`~opsaudit.records.AuthorKind`.
"""

from __future__ import annotations

from datetime import timedelta

from opsaudit.records import AuthorKind, Channel, IncidentsPost, MessageMeta
from opsaudit.sources.slack_client import EPOCH, JSON, permalink, ts_datetime

# rules.md, "Slack subtypes": a person talks with no subtype or with one of these; every
# other subtype (joins, topics, tombstones, huddles, pins, reminders...) is Slack's own
PERSON_SUBTYPES = frozenset({"thread_broadcast", "file_share", "me_message"})
BOT_SUBTYPE = "bot_message"
SLACKBOT = "USLACKBOT"  # Slackbot posts as this user, with no bot_id


def to_channel(raw: JSON, unreadable: str | None = None) -> Channel:
    return Channel(
        id=raw["id"],
        name=raw.get("name", ""),
        created=EPOCH + timedelta(seconds=int(raw.get("created") or 0)),  # int, or str
        is_archived=bool(raw.get("is_archived")),
        is_private=bool(raw.get("is_private")),
        creator=raw.get("creator") or None,
        unreadable=unreadable,
    )


def author_kind(*, subtype: str | None, user: str | None, bot_id: str | None) -> AuthorKind:
    """Who wrote a message, in our words: the one place Slack's subtypes are read.

    Migration 0004 applies the same rule, in SQL, to messages stored before it.
    """
    if subtype and subtype not in PERSON_SUBTYPES and subtype != BOT_SUBTYPE:
        return "system"
    if bot_id or subtype == BOT_SUBTYPE:
        return "bot"
    if user == SLACKBOT:
        return "system"
    return "person"


def to_message(channel_id: str, raw: JSON) -> MessageMeta:
    bot_profile = raw.get("bot_profile") or {}
    subtype = raw.get("subtype") or None
    user = raw.get("user") or None
    bot_id = raw.get("bot_id") or None
    return MessageMeta(
        channel_id=channel_id,
        ts=raw["ts"],
        posted_at=ts_datetime(raw["ts"]),
        thread_ts=raw.get("thread_ts") or None,
        user=user,
        bot_id=bot_id,
        bot_name=bot_profile.get("name") or raw.get("username") or None,
        subtype=subtype,
        author_kind=author_kind(subtype=subtype, user=user, bot_id=bot_id),
    )


def to_post(channel_id: str, raw: JSON, workspace_url: str) -> IncidentsPost:
    thread_ts = raw.get("thread_ts") or None
    return IncidentsPost(
        channel_id=channel_id,
        ts=raw["ts"],
        posted_at=ts_datetime(raw["ts"]),
        text=str(raw.get("text") or ""),
        thread_ts=thread_ts,
        user=raw.get("user") or None,
        permalink=permalink(
            workspace_url=workspace_url, channel_id=channel_id, ts=raw["ts"], thread_ts=thread_ts
        ),
    )
