"""Source text in Slack mrkdwn: escaped, formatting neutralised, bounded, one line."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsaudit.publish.mrkdwn import (
    ELLIPSIS,
    clean,
    escape,
    link,
    mention,
    mrkdwn,
    neutralise,
    safe_url,
    source_text,
    truncate,
)


def test_escape_makes_mentions_and_links_inert() -> None:
    assert escape("<!channel> & <@U123> <https://x|y>") == (
        "&lt;!channel&gt; &amp; &lt;@U123&gt; &lt;https://x|y&gt;"
    )
    assert escape("&amp;") == "&amp;amp;"  # an entity in the source stays literal text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("*bold*", "\u2217bold\u2217"),
        ("~strike~", "\u223cstrike\u223c"),
        ("```code```", "\u02cb\u02cb\u02cbcode\u02cb\u02cb\u02cb"),
        ("_italic_", "\u02cditalic\u02cd"),
        ("snake_case_name", "snake_case_name"),  # inside a word "_" formats nothing
        ("docs/incidents/2026_q4.md", "docs/incidents/2026_q4.md"),
    ],
)
def test_formatting_markers_are_neutralised(raw: str, expected: str) -> None:
    assert neutralise(raw) == expected


def test_broadcast_words_get_a_word_joiner() -> None:
    assert neutralise("ping @here and @Channel") == "ping @\u2060here and @\u2060Channel"


def test_clean_drops_bidi_controls_and_collapses_whitespace() -> None:
    rtl = "\u202eevil\u202c שלום  \n\t next\x00line"
    assert clean(rtl) == "evil שלום next line"


def test_truncate_marks_the_cut() -> None:
    assert truncate("abcdef", 6) == "abcdef"
    assert truncate("abcdefg", 6) == "abcde" + ELLIPSIS
    assert len(truncate("x" * 5000, 100)) == 100


def test_source_text_truncates_before_escaping() -> None:
    text = source_text("&" * 10, limit=5)
    assert text == "&amp;" * 4 + ELLIPSIS  # never half an entity


@given(st.text(max_size=400))
def test_source_text_is_always_inert_and_bounded(raw: str) -> None:
    text = source_text(raw, limit=100)
    assert "<" not in text and ">" not in text
    assert not re.search(r"&(?!amp;|lt;|gt;)", text)
    assert "\n" not in text and "\u202e" not in text
    assert not set("*~`") & set(text)
    plain = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert len(plain) <= 100


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "https://x.example/a|b",
        "https://x.example/<@U1>",
        "https://x.example/a b",
        "ftp://x.example/",
        "https://" + "a" * 500 + ".example",
        None,
        "",
    ],
)
def test_unsafe_urls_give_no_link(url: str | None) -> None:
    assert safe_url(url) is None
    assert link(url, "label") == "label"


def test_safe_urls_are_escaped_inside_the_link() -> None:
    assert link("https://x.example/?a=1&b=2", "the label") == (
        "<https://x.example/?a=1&amp;b=2|the label>"
    )


def test_only_slack_user_ids_become_mentions() -> None:
    assert mention("U0123ABCD") == "<@U0123ABCD>"
    assert mention("W0123ABCD") == "<@W0123ABCD>"
    assert mention("!channel") == ""
    assert mention("U1> <!here") == ""


def test_mrkdwn_objects_are_verbatim() -> None:
    assert mrkdwn("x") == {"type": "mrkdwn", "text": "x", "verbatim": True}
