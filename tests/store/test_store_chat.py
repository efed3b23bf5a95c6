"""Slack records: channels (archived too), message metadata, ``#incidents`` posts."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Engine
from store_builders import at, channel, commit, datetimes, message, post, read

from opsaudit.records import ChatBatch
from opsaudit.store import load_channels, load_incidents_posts, load_messages, save_chat


def test_every_slack_record_round_trips(engine: Engine) -> None:
    batch = ChatBatch(
        channels=[
            channel("C1", "incident-1234", is_archived=True, creator="U1", created=at(7)),
            channel("C2", "incidents", is_private=True),
        ],
        messages=[
            message("C1", minutes=8, user="U1"),
            message("C1", minutes=9, thread_ts="1696342930.000100", user="U2"),
            message(
                "C1",
                minutes=10,
                bot_id="B1",
                bot_name="statusbot",
                subtype="bot_message",
                author_kind="bot",
            ),
            message("C1", minutes=11, user="U1", subtype="channel_join", author_kind="system"),
        ],
        incidents_posts=[
            post(
                3,
                "*Incident summary*\nService: Checkout API \u2014 caf\u00e9 \U0001f525",
                user="U1",
                thread_ts=None,
                permalink="https://sandbox.slack.com/archives/CINCIDENTS/p1",
            )
        ],
    )
    commit(engine, save_chat, batch)

    assert read(engine, load_channels) == batch.channels
    assert read(engine, load_messages, channel_ids=["C1"]) == batch.messages
    assert read(engine, load_incidents_posts) == batch.incidents_posts
    loaded = [*read(engine, load_channels), *read(engine, load_incidents_posts)]
    assert all(
        moment.tzinfo is not None and moment.utcoffset() == at(0).utcoffset()
        for moment in datetimes(loaded)
    )


def test_ts_stays_the_exact_string(engine: Engine) -> None:
    # same posted_at, told apart only by the ts digits; trailing zeros must survive
    first = message("C1", minutes=0, ts="1791036000.000100")
    second = replace(first, ts="1791036000.000101")
    commit(engine, save_chat, ChatBatch(messages=[second, first]))
    found = read(engine, load_messages, channel_ids=["C1"])
    assert [m.ts for m in found] == ["1791036000.000100", "1791036000.000101"]


def test_channel_prefix_is_literal_and_includes_archived(engine: Engine) -> None:
    channels = [
        channel("C1", "incident-12"),
        channel("C2", "incident-123-retro", is_archived=True),
        channel("C3", "incidents"),
        channel("C4", "incidentX12"),  # "_" or "%" in a prefix must not act as a wildcard
        channel("C5", "incident_1"),
    ]
    commit(engine, save_chat, ChatBatch(channels=channels))

    names = [c.name for c in read(engine, load_channels, name_prefix="incident-")]
    assert names == ["incident-12", "incident-123-retro"]
    assert [c.name for c in read(engine, load_channels, name_prefix="incident_")] == ["incident_1"]
    assert len(read(engine, load_channels)) == 5


def test_messages_are_selected_by_channel_and_ordered_by_time(engine: Engine) -> None:
    batch = ChatBatch(
        messages=[message("C1", minutes=5), message("C2", minutes=1), message("C1", minutes=2)]
    )
    commit(engine, save_chat, batch)
    found = read(engine, load_messages, channel_ids=["C1"])
    assert [m.posted_at for m in found] == [at(2), at(5)]
    assert read(engine, load_messages, channel_ids=[]) == []


def test_saving_twice_is_idempotent_and_later_saves_update(engine: Engine) -> None:
    batch = ChatBatch(
        channels=[channel("C1", "incident-1")],
        messages=[message("C1", minutes=1)],
        incidents_posts=[post(1, "*Incident summary*\nStatus: investigating")],
    )
    commit(engine, save_chat, batch)
    commit(engine, save_chat, batch)
    assert read(engine, load_messages, channel_ids=["C1"]) == batch.messages
    assert read(engine, load_incidents_posts) == batch.incidents_posts

    archived = replace(batch.channels[0], is_archived=True, name="incident-1-closed")
    edited = replace(batch.incidents_posts[0], text="*Incident summary*\nStatus: resolved")
    commit(engine, save_chat, ChatBatch(channels=[archived], incidents_posts=[edited]))
    assert read(engine, load_channels) == [archived]
    assert read(engine, load_incidents_posts) == [edited]


def test_a_post_edited_into_something_else_is_forgotten(engine: Engine) -> None:
    kept, edited = post(3, "*Incident summary*\nA"), post(4, "*Incident summary*\nB")
    commit(engine, save_chat, ChatBatch(incidents_posts=[kept, edited]))
    commit(engine, save_chat, ChatBatch(unposted=[(edited.channel_id, edited.ts), ("CX", "1.0")]))
    assert read(engine, load_incidents_posts) == [kept]
