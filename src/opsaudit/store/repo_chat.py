"""Chat records in the store: channels, message metadata and ``#incidents`` posts."""

from __future__ import annotations

from collections.abc import Collection
from typing import cast

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from opsaudit.records import AuthorKind, Channel, ChatBatch, IncidentsPost, MessageMeta
from opsaudit.store._sql import in_chunks, upsert
from opsaudit.store.schema import ChannelRow, IncidentsPostRow, MessageRow

_FRESH = {"populate_existing": True}  # rows may have changed under the identity map


def save_chat(*, session: Session, batch: ChatBatch) -> None:
    """Upsert channels by id and messages and posts by (channel, ts); the caller commits."""
    channels = (
        {
            "id": c.id,
            "name": c.name,
            "created": c.created,
            "is_archived": c.is_archived,
            "is_private": c.is_private,
            "creator": c.creator,
            "unreadable": c.unreadable,
        }
        for c in batch.channels
    )
    upsert(session, ChannelRow, channels, keys=["id"])
    messages = (
        {
            "channel_id": m.channel_id,
            "ts": m.ts,
            "posted_at": m.posted_at,
            "thread_ts": m.thread_ts,
            "user_id": m.user,
            "bot_id": m.bot_id,
            "bot_name": m.bot_name,
            "subtype": m.subtype,
            "author_kind": m.author_kind,
        }
        for m in batch.messages
    )
    upsert(session, MessageRow, messages, keys=["channel_id", "ts"])
    posts = (
        {
            "channel_id": p.channel_id,
            "ts": p.ts,
            "posted_at": p.posted_at,
            "text": p.text,
            "thread_ts": p.thread_ts,
            "user_id": p.user,
            "permalink": p.permalink,
        }
        for p in batch.incidents_posts
    )
    upsert(session, IncidentsPostRow, posts, keys=["channel_id", "ts"])
    for channel_id, ts in batch.unposted:  # few: edits since the last sync
        session.execute(
            delete(IncidentsPostRow).where(
                IncidentsPostRow.channel_id == channel_id, IncidentsPostRow.ts == ts
            )
        )


def load_channels(*, session: Session, name_prefix: str | None = None) -> list[Channel]:
    """Stored channels, archived ones included, optionally only names starting with
    ``name_prefix`` (taken literally: ``_`` and ``%`` are not wildcards); by name, id."""
    query = select(ChannelRow).order_by(ChannelRow.name, ChannelRow.id)
    if name_prefix is not None:
        query = query.where(ChannelRow.name.startswith(name_prefix, autoescape=True))
    return [
        Channel(
            id=r.id,
            name=r.name,
            created=r.created,
            is_archived=r.is_archived,
            is_private=r.is_private,
            creator=r.creator,
            unreadable=r.unreadable,
        )
        for r in session.scalars(query.execution_options(**_FRESH))
    ]


def load_messages(*, session: Session, channel_ids: Collection[str]) -> list[MessageMeta]:
    """The messages of these channels (thread replies included), by channel, then time."""
    found = [
        row
        for chunk in in_chunks(channel_ids)
        for row in session.scalars(
            select(MessageRow).where(MessageRow.channel_id.in_(chunk)).execution_options(**_FRESH)
        )
    ]
    found.sort(key=lambda r: (r.channel_id, r.posted_at, r.ts))
    return [
        MessageMeta(
            channel_id=r.channel_id,
            ts=r.ts,
            posted_at=r.posted_at,
            thread_ts=r.thread_ts,
            user=r.user_id,
            bot_id=r.bot_id,
            bot_name=r.bot_name,
            subtype=r.subtype,
            author_kind=cast(AuthorKind, r.author_kind),
        )
        for r in found
    ]


def load_incidents_posts(*, session: Session) -> list[IncidentsPost]:
    """Every stored ``#incidents`` summary post, oldest first."""
    query = select(IncidentsPostRow).order_by(IncidentsPostRow.posted_at, IncidentsPostRow.ts)
    return [
        IncidentsPost(
            channel_id=r.channel_id,
            ts=r.ts,
            posted_at=r.posted_at,
            text=r.text,
            thread_ts=r.thread_ts,
            user=r.user_id,
            permalink=r.permalink,
        )
        for r in session.scalars(query.execution_options(**_FRESH))
    ]
