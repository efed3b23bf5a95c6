"""The Slack source's pure helpers: summary-post detection, timestamps, permalinks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from opsaudit.sources.slack import (
    WarRoomScope,
    datetime_ts,
    is_summary_post,
    permalink,
    ts_datetime,
)


@pytest.mark.parametrize(
    "text",
    [
        "*Incident summary*\n*What:* checkout down",
        "**Incident summary**\nWhat: checkout down",
        "_Incident summary_\nWhat: checkout down",
        "Incident summary\nWhat: checkout down",
        "*_Incident summary_*\nWhat: checkout down",
        "  *Incident Summary:*  \nWhat: checkout down",
        ":rotating_light: heads up\n\n*Incident summary*\nWhat: checkout down",
    ],
)
def test_a_line_reading_only_incident_summary_makes_a_summary_post(text: str) -> None:
    assert is_summary_post(text)


@pytest.mark.parametrize(
    "text",
    [
        "We will post an incident summary soon.",
        "*Incident summary* to follow in the thread",
        "Incident summary: checkout down since 10:00",
        "*Incident summary draft*",
        "Incident\nsummary",
        "",
    ],
)
def test_a_sentence_merely_containing_the_words_is_not_one(text: str) -> None:
    assert not is_summary_post(text)


def test_ts_becomes_an_exact_utc_datetime() -> None:
    moment = ts_datetime("1696342930.000100")
    assert moment == datetime(2023, 10, 3, 14, 22, 10, 100, tzinfo=UTC)
    assert datetime_ts(moment) == "1696342930.000100"


def test_datetime_ts_keeps_microseconds_without_float_rounding() -> None:
    moment = datetime(2026, 11, 20, 23, 59, 59, 999999, tzinfo=UTC)
    assert ts_datetime(datetime_ts(moment)) == moment


def test_permalinks_are_built_like_slacks() -> None:
    base = "https://acme.slack.com/"
    top = permalink(workspace_url=base, channel_id="C1", ts="1696342930.000100", thread_ts=None)
    reply = permalink(
        workspace_url=base, channel_id="C1", ts="1696343000.000200", thread_ts="1696342930.000100"
    )
    assert top == "https://acme.slack.com/archives/C1/p1696342930000100"
    assert reply == (
        "https://acme.slack.com/archives/C1/p1696343000000200?thread_ts=1696342930.000100&cid=C1"
    )


def test_war_room_names_are_prefix_and_key() -> None:
    resolved = datetime(2026, 1, 1, tzinfo=UTC)
    scope = WarRoomScope(prefix="inc-", keys={"7": None, "8": resolved})
    assert scope.resolution_by_name() == {"inc-7": None, "inc-8": resolved}
