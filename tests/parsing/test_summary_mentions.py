"""What a summary post names (war rooms, PagerDuty incidents), and Slack text shapes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsaudit.parsing.summary import mentions
from opsaudit.parsing.summary_markup import is_placeholder, slack_plain, strip_emphasis


def test_channel_mentions_with_and_without_name() -> None:
    found = mentions("War room: <#C0123ABC|incident-1234>, also <#C0999XYZ>.")
    assert found.channel_ids == {"C0123ABC", "C0999XYZ"}
    assert found.channel_names == {"incident-1234"}


def test_plain_war_room_names_with_and_without_hash() -> None:
    assert mentions("Coordinating in #incident-3725.").channel_names == {"incident-3725"}
    assert mentions("see incident-88, and (incident-89)").channel_names == {
        "incident-88",
        "incident-89",
    }
    assert mentions("Room: #Incident-77").channel_names == {"incident-77"}


@pytest.mark.parametrize(
    "text", ["incident-12-retro", "incident-123", "xincident-12", "pre-incident-12", "incident-"]
)
def test_war_room_names_end_at_word_boundaries(text: str) -> None:
    assert "incident-12" not in mentions(text).channel_names


def test_the_prefix_is_configurable() -> None:
    assert mentions("see #inc-42 and incident-43", prefix="inc-").channel_names == {"inc-42"}


def test_incident_ids_from_pagerduty_urls_in_every_form() -> None:
    text = (
        "PagerDuty: https://acme.pagerduty.com/incidents/Q1AAAAAAAAAA\n"
        "<https://acme.pagerduty.com/incidents/Q2BBBBBBBBBB|the page>\n"
        "<https://acme.pagerduty.com/incidents/Q3CCCCCCCCCC/timeline>\n"
        "(https://acme.pagerduty.com/incidents/Q4DDDDDDDDDD)."
    )
    assert mentions(text).incident_ids == {
        "Q1AAAAAAAAAA",
        "Q2BBBBBBBBBB",
        "Q3CCCCCCCCCC",
        "Q4DDDDDDDDDD",
    }


def test_bare_incident_ids_as_words() -> None:
    assert mentions("PagerDuty incident QBL5T2FDHRNOL2.").incident_ids == {"QBL5T2FDHRNOL2"}
    assert mentions("ids: PABC123,Q1ZZZZ").incident_ids == {"PABC123", "Q1ZZZZ"}
    # inside a word, a path, a mention or too short: not an id
    assert mentions("xQBL5T2FDHRNOL2 /QBL5T2FD <@U0123ABCD> #C0123ABC Q12").incident_ids == set()


def test_slack_archive_links_name_channels() -> None:
    found = mentions("<https://acme.slack.com/archives/C0123ABC|incident-5>")
    assert found.channel_ids == {"C0123ABC"}
    assert found.channel_names == {"incident-5"}


def test_escaped_entities_and_date_tokens_do_not_hide_names() -> None:
    text = "R&amp;D in #incident-9 since <!date^1788024780^{time}|16:33>, &lt;incident-10&gt;"
    assert mentions(text).channel_names == {"incident-9", "incident-10"}


def test_no_mentions_in_plain_chatter() -> None:
    found = mentions("The incident summary template is pinned in this channel.")
    assert not (found.channel_ids or found.channel_names or found.incident_ids)


# ------------------------------------------------------------------ Slack markup


def test_slack_plain_turns_tokens_into_what_readers_see() -> None:
    text = (
        "<#C1|incident-1> <#C2> <@U3> <@U4|ann> <!here> <!subteam^S1|@oncall> "
        "<https://x.example/a|docs> <https://x.example/b> <mailto:a@b.example|mail> "
        "&lt;names&gt; &amp;lt; <start time, UTC>"
    )
    assert slack_plain(text) == (
        "#incident-1 #C2 @U3 @ann @here @oncall docs https://x.example/b mail "
        "<names> &lt; <start time, UTC>"
    )


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("*bold*", "bold"),
        ("**bold**", "bold"),
        ("_it_ and ~gone~", "it and gone"),
        ("*_both_*", "both"),
        ("`code`", "code"),
        ("snake_case_name", "snake_case_name"),
        ("Checkout API*", "Checkout API"),
        ("2*3*4", "2*3*4"),
    ],
)
def test_strip_emphasis(text: str, plain: str) -> None:
    assert strip_emphasis(text) == plain


@pytest.mark.parametrize(
    ("value", "expected"),
    [("<names>", True), ('<names or "all">', True), ("<a>, <b>", True), ("shop <eu>", False)],
)
def test_placeholders(value: str, expected: bool) -> None:
    assert is_placeholder(value) is expected


@given(st.text(), st.text(max_size=12))
def test_mentions_and_markup_never_raise(text: str, prefix: str) -> None:
    mentions(text, prefix=prefix)
    strip_emphasis(slack_plain(text))
    is_placeholder(text)
