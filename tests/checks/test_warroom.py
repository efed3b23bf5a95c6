"""warroom.opened and warroom.cadence: a Sev1 war room within 15 min, talking every 15 min.

The incident (number 1234, so the war room is ``#incident-1234``) triggers at ``at(0)``,
Monday 2026-11-02 10:00 UTC.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from check_builders import at, channel, context, incident, message, only, run, ts_of
from opsaudit.checks.context import Context
from opsaudit.records import Channel, MessageMeta

ROOM_ID = "CROOM1234"
SECOND = timedelta(seconds=1)


def room(created: float = 5, *, name: str = "incident-1234", archived: bool = False) -> Channel:
    return channel(name, created=created, id=ROOM_ID, archived=archived)


def said(moment: datetime) -> MessageMeta:
    """A human message in the war room at an exact instant (seconds and fractions too)."""
    return MessageMeta(channel_id=ROOM_ID, ts=ts_of(moment), posted_at=moment, user="UHUMAN1")


def talking(
    *minutes: float,
    user: str | None = "UHUMAN1",
    bot_id: str | None = None,
    bot_name: str | None = None,
    subtype: str | None = None,
    thread_ts: str | None = None,
) -> list[MessageMeta]:
    """Messages in the war room, minutes after T0 (a person talking unless told)."""
    return [
        message(
            room(),
            m,
            user=user,
            bot_id=bot_id,
            bot_name=bot_name,
            subtype=subtype,
            thread_ts=thread_ts,
        )
        for m in minutes
    ]


def sev1(*, resolved: float | None = None, priority: str = "P1", **kwargs: Any) -> Context:
    """A context with incident 1234 (``resolved=`` minutes after T0, or open), Sev1 by
    default, and the records given."""
    return context(incidents=[incident(resolved=resolved, priority=priority)], **kwargs)


# -------------------------------------------------------------------- warroom.opened


@pytest.mark.rule("warroom.opened", "pass")
def test_opened_passes_when_the_room_is_made_within_15_min() -> None:
    result = only("warroom.opened", sev1(channels=[room(5)], messages=talking(6)))
    assert result.status == "pass"
    assert result.observed == at(5)
    assert result.deadline == at(15)
    assert "#incident-1234 opened 5 min after the trigger (limit 15 min)" in result.message
    assert result.evidence[0].source == "slack"
    assert result.evidence[0].ref == f"{ROOM_ID}/{talking(6)[0].ts}"


@pytest.mark.rule("warroom.opened", "violation")
def test_opened_late_is_a_violation_observed_at_the_creation() -> None:
    result = only("warroom.opened", sev1(channels=[room(22)]))
    assert result.status == "violation"
    assert result.observed == at(22)
    assert "opened 22 min after the trigger (limit 15 min)" in result.message
    assert result.evidence[0].ref == ROOM_ID  # a room with no message: the channel itself


@pytest.mark.rule("warroom.opened", "edge")
def test_opened_exactly_at_15_min_passes_and_at_16_fails() -> None:
    assert only("warroom.opened", sev1(channels=[room(15)])).status == "pass"
    assert only("warroom.opened", sev1(channels=[room(16)])).status == "violation"


@pytest.mark.rule("warroom.opened", "edge")
def test_opened_one_second_late_fails() -> None:
    late = Channel(id=ROOM_ID, name="incident-1234", created=at(15) + SECOND)
    assert only("warroom.opened", sev1(channels=[late])).status == "violation"


@pytest.mark.rule("warroom.opened", "violation")
def test_no_room_after_the_deadline_is_a_violation() -> None:
    result = only("warroom.opened", sev1(as_of=at(15)))
    assert result.status == "violation"
    assert result.deadline == at(15)
    assert result.observed is None
    assert "No war room #incident-1234" in result.message


@pytest.mark.rule("warroom.opened", "other")
def test_no_room_before_the_deadline_is_pending() -> None:
    result = only("warroom.opened", sev1(as_of=at(14)))
    assert result.status == "pending"
    assert result.deadline == at(15)


@pytest.mark.rule("warroom.opened", "other")
def test_only_the_exact_name_is_the_war_room() -> None:
    others = [channel("incident-1234-retro", created=3), channel("incident-12345", created=3)]
    assert only("warroom.opened", sev1(channels=others)).status == "violation"


@pytest.mark.rule("warroom.opened", "other")
def test_an_archived_room_counts() -> None:
    assert only("warroom.opened", sev1(channels=[room(5, archived=True)])).status == "pass"


@pytest.mark.rule("warroom.opened", "other")
def test_a_room_made_before_the_trigger_passes() -> None:
    result = only("warroom.opened", sev1(channels=[room(-30)]))
    assert result.status == "pass"
    assert "30 min before the trigger" in result.message


@pytest.mark.rule("warroom.opened", "other")
def test_a_sev1_resolved_in_10_min_still_needs_a_room() -> None:
    assert only("warroom.opened", sev1(resolved=10)).status == "violation"


@pytest.mark.rule("warroom.opened", "other")
def test_sev2_gets_no_war_room_results() -> None:
    ctx = sev1(priority="P2", channels=[room(40)], messages=talking(41))
    assert run("warroom.opened", ctx) == []
    assert run("warroom.cadence", ctx) == []


@pytest.mark.rule("warroom.opened", "other")
def test_opened_is_unknown_when_slack_failed() -> None:
    result = only("warroom.opened", sev1(failed=["slack"]))
    assert result.status == "unknown"
    assert "slack" in result.message


@pytest.mark.rule("warroom.opened", "other")
def test_opened_is_unknown_without_the_policy_value() -> None:
    result = only("warroom.opened", sev1(policy={"warroom": {"open_within": None}}))
    assert result.status == "unknown"
    assert "warroom.open_within" in result.message


# ------------------------------------------------------------------- warroom.cadence


@pytest.mark.rule("warroom.cadence", "pass")
def test_cadence_passes_with_a_message_at_least_every_15_min() -> None:
    ctx = sev1(resolved=40, channels=[room(5)], messages=talking(10, 20, 30))
    result = only("warroom.cadence", ctx)
    assert result.status == "pass"
    assert "longest 10 min" in result.message


@pytest.mark.rule("warroom.cadence", "violation")
def test_cadence_lists_every_long_gap_and_names_the_longest() -> None:
    # gaps: 5->25 (20), 25->52 (27), 52->60 (8), 60->77 resolution (17)
    said_ = talking(25, 52, 60)
    ctx = sev1(resolved=77, channels=[room(5)], messages=said_)
    result = only("warroom.cadence", ctx)
    assert result.status == "violation"
    assert "3 gaps over 15 min" in result.message
    assert "longest 27 min (10:25 UTC to 10:52 UTC)" in result.message
    assert [e.ref for e in result.evidence] == [
        f"{ROOM_ID}/{said_[0].ts}",  # the message that ended 5->25
        f"{ROOM_ID}/{said_[1].ts}",  # the message that ended 25->52
        f"{ROOM_ID}/{said_[2].ts}",  # 60->resolution: the message that started it
    ]
    assert result.deadline == at(25 + 15)
    assert result.observed == at(52)


@pytest.mark.rule("warroom.cadence", "edge")
def test_cadence_gap_of_exactly_15_min_passes_and_15_min_1_s_fails() -> None:
    exact = sev1(resolved=30, channels=[room(0)], messages=talking(15))
    assert only("warroom.cadence", exact).status == "pass"
    over = sev1(resolved=30, channels=[room(0)], messages=[said(at(15) + SECOND)])
    result = only("warroom.cadence", over)
    assert result.status == "violation"
    assert "1 gap over 15 min" in result.message
    assert "15 min 01 s" in result.message


@pytest.mark.rule("warroom.cadence", "edge")
def test_cadence_gap_of_16_min_fails() -> None:
    ctx = sev1(resolved=30, channels=[room(0)], messages=talking(16))
    assert only("warroom.cadence", ctx).status == "violation"


@pytest.mark.rule("warroom.cadence", "other")
def test_a_room_with_no_human_message_is_one_gap_from_start_to_end() -> None:
    result = only("warroom.cadence", sev1(resolved=40, channels=[room(5)]))
    assert result.status == "violation"
    assert "1 gap over 15 min" in result.message and "longest 35 min" in result.message
    assert [e.ref for e in result.evidence] == [ROOM_ID]


@pytest.mark.rule("warroom.cadence", "other")
def test_bots_and_joins_are_not_human() -> None:
    noise = [
        *talking(12, user=None, bot_id="BALERT", bot_name="alertmanager"),
        *talking(14, subtype="channel_join"),
    ]
    result = only("warroom.cadence", sev1(resolved=20, channels=[room(0)], messages=noise))
    assert result.status == "violation"
    assert "longest 20 min" in result.message


@pytest.mark.rule("warroom.cadence", "other")
@pytest.mark.parametrize("listed", ["BSTATUS", "statusbot"])
def test_a_bot_listed_in_update_bots_counts_by_id_or_name(listed: str) -> None:
    bot = talking(10, user=None, bot_id="BSTATUS", bot_name="statusbot")
    policy = {"warroom": {"update_bots": [listed]}}
    ctx = sev1(resolved=20, channels=[room(0)], messages=bot, policy=policy)
    assert only("warroom.cadence", ctx).status == "pass"


@pytest.mark.rule("warroom.cadence", "other")
def test_thread_replies_count() -> None:
    parent = talking(10)[0]
    reply = talking(22, thread_ts=parent.ts)
    ctx = sev1(resolved=30, channels=[room(0)], messages=[parent, *reply])
    assert only("warroom.cadence", ctx).status == "pass"


@pytest.mark.rule("warroom.cadence", "other")
def test_while_open_the_last_stretch_runs_to_as_of() -> None:
    quiet = sev1(channels=[room(0)], messages=talking(10), as_of=at(26))
    result = only("warroom.cadence", quiet)
    assert result.status == "violation"
    assert result.observed == at(26)
    assert (
        only("warroom.cadence", sev1(channels=[room(0)], messages=talking(10), as_of=at(25))).status
        == "pass"
    )


@pytest.mark.rule("warroom.cadence", "other")
def test_counting_starts_at_the_trigger_for_a_room_made_before_it() -> None:
    # the message before the trigger does not count, nor break anything
    early = sev1(resolved=20, channels=[room(-30)], messages=talking(-5, 14))
    assert only("warroom.cadence", early).status == "pass"
    late = sev1(resolved=20, channels=[room(-30)], messages=talking(-5, 16))
    result = only("warroom.cadence", late)
    assert result.status == "violation"
    assert result.deadline == at(15)


@pytest.mark.rule("warroom.cadence", "other")
def test_messages_after_the_resolution_do_not_count() -> None:
    ctx = sev1(resolved=20, channels=[room(0)], messages=talking(10, 40))
    assert only("warroom.cadence", ctx).status == "pass"
    still_silent = sev1(resolved=30, channels=[room(0)], messages=talking(10, 50))
    assert only("warroom.cadence", still_silent).status == "violation"


@pytest.mark.rule("warroom.cadence", "other")
def test_no_room_no_cadence_result_and_a_room_after_resolution_passes() -> None:
    assert run("warroom.cadence", sev1(resolved=10)) == []
    after = sev1(resolved=10, channels=[room(30)], messages=talking(31))
    assert only("warroom.cadence", after).status == "pass"


@pytest.mark.rule("warroom.cadence", "other")
def test_cadence_is_unknown_when_slack_failed() -> None:
    ctx = sev1(resolved=40, channels=[room(5)], failed=["slack"])
    assert only("warroom.cadence", ctx).status == "unknown"


@pytest.mark.rule("warroom.cadence", "other")
def test_cadence_is_unknown_without_the_policy_value() -> None:
    ctx = sev1(resolved=40, channels=[room(5)], policy={"warroom": {"update_every": None}})
    result = only("warroom.cadence", ctx)
    assert result.status == "unknown"
    assert "warroom.update_every" in result.message


# ------------------------------------------------ war rooms the bot could not read


@pytest.mark.rule("warroom.opened", "violation")
def test_no_room_says_private_rooms_are_seen_only_by_members() -> None:
    result = only("warroom.opened", sev1(as_of=at(60)))
    assert result.message == (
        "No war room #incident-1234 by 10:15 UTC (limit 15 min). Private channels are only "
        "seen when the bot is a member: invite it if there is one."
    )


@pytest.mark.rule("warroom.cadence", "other")
def test_an_unreadable_room_is_opened_by_its_creation_and_its_cadence_unknown() -> None:
    why = (
        "the bot is not a member of #incident-1234: invite it or enable sources.slack.join_channels"
    )
    unread = Channel(id=ROOM_ID, name="incident-1234", created=at(5), unreadable=why)
    ctx = sev1(resolved=60, channels=[unread])  # no messages: silence, but not known
    assert only("warroom.opened", ctx).status == "pass"
    result = only("warroom.cadence", ctx)
    assert result.status == "unknown"
    assert result.message == f"Cadence of war room #incident-1234 unknown: {why}."
