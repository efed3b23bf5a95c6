"""Summary posts of #incidents: detection, fields, problems (comms.template), promises."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsaudit.parsing.summary import FieldValue, is_summary_post, parse_summary
from opsaudit.sandbox.org import generate

STATUSES = ("investigating", "identified", "mitigating", "resolved")

COMPLETE = (
    "*Incident summary*\n"
    "What: Some customers cannot complete checkout\n"
    "When: 2026-08-28 16:33 UTC\n"
    "Status: investigating\n"
    "Service(s): Checkout API\n"
    "Brand(s): shop\n"
    "\n"
    "*Latest update* (16:38 UTC)\n"
    "We are looking at dashboards and recent deploys.\n"
    "\n"
    "*Next update by* 17:08 UTC"
)
TEMPLATE = (
    "**Incident summary**\n"
    "What: <one sentence on user impact>\n"
    "When: <start time, UTC>\n"
    "Status: investigating | identified | mitigating | resolved\n"
    "Service(s): <names>\n"
    'Brand(s): <names or "all">\n'
    "\n"
    "**Latest update** (timestamp)\n"
    "<what we know, what we're doing>\n"
    "\n"
    "**Next update by** <timestamp>"
)


def replaced(old: str, new: str, text: str = COMPLETE) -> str:
    assert old in text  # guard: the edit must really change the post
    return text.replace(old, new)


def problems(text: str) -> list[str]:
    return parse_summary(text).problems(statuses=STATUSES)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# ------------------------------------------------------------------------ detection


@pytest.mark.parametrize(
    "text",
    [
        "Incident summary\nWhat: x",
        "*Incident summary*\nWhat: x",
        "**Incident summary**\nWhat: x",
        "_Incident summary_\nWhat: x",
        "*_Incident Summary_*",
        "INCIDENT SUMMARY:",
        "*Incident summary:*",
        "*Incident summary*:",
        "heads up\n\n  *incident summary*  \nWhat: x",
    ],
)
def test_a_line_reading_only_incident_summary_is_a_summary_post(text: str) -> None:
    assert is_summary_post(text)


@pytest.mark.parametrize(
    "text",
    [
        "Who is writing the incident summary for the checkout blip?",
        "Reminder: every Sev1 needs an *Incident summary* here within 15 minutes.",
        "Incident summary: checkout down",
        "*Incident summary* to follow",
        "Incident\nsummary",
        "",
    ],
)
def test_a_sentence_with_the_words_is_not_a_summary_post(text: str) -> None:
    assert not is_summary_post(text)


# --------------------------------------------------------------------------- fields


def test_a_complete_post_has_every_field_with_its_line() -> None:
    post = parse_summary(COMPLETE)
    assert {name: (v.raw, v.line) for name, v in post.fields.items()} == {
        "what": ("Some customers cannot complete checkout", 2),
        "when": ("2026-08-28 16:33 UTC", 3),
        "status": ("investigating", 4),
        "services": ("Checkout API", 5),
        "brands": ("shop", 6),
        "latest_update": ("(16:38 UTC)", 8),
        "next_update_by": ("17:08 UTC", 11),
    }
    assert post.status == "investigating"
    assert post.latest_update_text == "We are looking at dashboards and recent deploys."
    assert post.problems(statuses=STATUSES) == []


def test_times_are_read_from_when_latest_update_and_next_update_by() -> None:
    post = parse_summary(COMPLETE)
    assert post.when_time is not None and post.when_time.date is not None
    assert (post.when_time.date.isoformat(), str(post.when_time.clock)) == (
        "2026-08-28",
        "16:33:00",
    )
    assert post.latest_update_time is not None and str(post.latest_update_time.clock) == "16:38:00"
    assert post.next_update_time is not None and post.next_update_time.is_utc


@pytest.mark.parametrize(
    "label",
    ["What:", "*What:*", "*What*:", "**What:**", "_What_:", "WHAT:", "what :", "- What:"],
)
def test_label_spellings(label: str) -> None:
    post = parse_summary(replaced("What:", label))
    assert post.fields["what"].raw == "Some customers cannot complete checkout"


@pytest.mark.parametrize(
    ("label", "name"),
    [
        ("Services:", "services"),
        ("Service:", "services"),
        ("*Service(s):*", "services"),
        ("Brands:", "brands"),
        ("Brand:", "brands"),
        ("**Brand(s)**:", "brands"),
    ],
)
def test_singular_and_plural_service_and_brand_labels(label: str, name: str) -> None:
    old = "Service(s):" if name == "services" else "Brand(s):"
    assert name in parse_summary(replaced(old, label)).fields
    assert problems(replaced(old, label)) == []


def test_values_lose_their_emphasis() -> None:
    post = parse_summary(replaced("Status: investigating", "*Status:* *Identified*"))
    assert (post.fields["status"].raw, post.status) == ("Identified", "identified")
    whole_line = "*What: Some customers cannot complete checkout*"
    post = parse_summary(replaced("What: Some customers cannot complete checkout", whole_line))
    assert post.fields["what"].raw == "Some customers cannot complete checkout"


def test_a_sentence_starting_with_a_label_word_is_text_not_a_field() -> None:
    text = replaced(
        "We are looking", "When we rolled back, errors dropped.\nStatus page updated.\nWe are"
    )
    post = parse_summary(text)
    assert post.fields["when"].line == 3
    assert post.latest_update_text.startswith("When we rolled back, errors dropped.\nStatus page")


def test_a_label_seen_twice_counts_once_and_the_second_is_text() -> None:
    text = replaced("We are looking", "Status: the deploy is paused.\nWe are looking")
    post = parse_summary(text)
    assert post.status == "investigating"
    assert post.latest_update_text.startswith("Status: the deploy is paused.")


def test_an_empty_label_takes_the_lines_below_it() -> None:
    post = parse_summary(replaced("What: Some", "*What:*\nSome"))
    assert post.fields["what"] == FieldValue("Some customers cannot complete checkout", 2)


def test_lines_before_the_heading_are_not_fields() -> None:
    post = parse_summary("What: old news\n" + COMPLETE)
    assert post.fields["what"].raw == "Some customers cannot complete checkout"


# ------------------------------------------------------------------------ bad values


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("What: Some customers cannot complete checkout\n", "", ["What missing"]),
        ("What: Some customers cannot complete checkout", "What:", ["What empty"]),
        ("When: 2026-08-28 16:33 UTC", "When: 2026-08-28 16:33", ["When has no UTC time"]),
        ("When: 2026-08-28 16:33 UTC", "When: 16:33 PST", ["When has no UTC time"]),
        ("When: 2026-08-28 16:33 UTC", "When: this afternoon", ["When has no time"]),
        (
            "Status: investigating",
            "Status: fixing",
            ["Status 'fixing' is not one of investigating, identified, mitigating, resolved"],
        ),
        ("Service(s): Checkout API", "Service(s):  ", ["Service(s) empty"]),
        ("Brand(s): shop", "Brand(s): <names>", ["Brand(s) is a placeholder"]),
        ("Brand(s): shop", "Brand(s): &lt;names&gt;", ["Brand(s) is a placeholder"]),
    ],
)
def test_missing_fields_and_bad_values(old: str, new: str, expected: list[str]) -> None:
    assert problems(replaced(old, new)) == expected


def test_good_values_in_other_spellings_pass() -> None:
    text = replaced("When: 2026-08-28 16:33 UTC", "When: 2026-08-28T16:33:00Z")
    text = replaced("Status: investigating", "Status: *MITIGATING*", text)
    text = replaced("(16:38 UTC)", "(16:38 GMT)", text)
    assert problems(text) == []
    assert problems(replaced("16:33 UTC", "16:33 +00:00")) == []


def test_the_unfilled_template_has_a_problem_per_field() -> None:
    assert problems(TEMPLATE) == [
        "What is a placeholder",
        "When is a placeholder",
        "Status 'investigating | identified | mitigating | resolved' is not one of "
        "investigating, identified, mitigating, resolved",
        "Service(s) is a placeholder",
        "Brand(s) is a placeholder",
        "Latest update has no time",
        "Latest update text is a placeholder",
        "Next update by is a placeholder",
    ]
    assert parse_summary(TEMPLATE).status is None


def test_the_statuses_come_from_the_caller() -> None:
    text = replaced("Status: investigating", "Status: Monitoring")
    assert parse_summary(text).problems(statuses=("monitoring", "resolved")) == []
    assert problems(text)[0].startswith("Status 'Monitoring' is not one of")


def test_a_post_with_no_fields_lacks_all_of_them() -> None:
    assert problems("*Incident summary*") == [
        f"{label} missing"
        for label in (
            "What",
            "When",
            "Status",
            "Service(s)",
            "Brand(s)",
            "Latest update",
            "Next update by",
        )
    ]


# ------------------------------------------------------------------- Latest update


@pytest.mark.parametrize(
    "line",
    [
        "*Latest update* (16:38 UTC)",
        "**Latest update** (16:38 UTC)",
        "Latest update: 16:38 UTC",
        "LATEST UPDATE (16:38 UTC)",
        "_Latest update_ 16:38 UTC",
    ],
)
def test_latest_update_label_spellings(line: str) -> None:
    post = parse_summary(replaced("*Latest update* (16:38 UTC)", line))
    assert post.latest_update_time is not None and str(post.latest_update_time.clock) == "16:38:00"
    assert post.latest_update_text == "We are looking at dashboards and recent deploys."


def test_latest_update_without_time_or_text() -> None:
    assert problems(replaced("*Latest update* (16:38 UTC)", "*Latest update*")) == [
        "Latest update has no time"
    ]
    assert problems(replaced("(16:38 UTC)", "(16:38)")) == ["Latest update has no UTC time"]
    no_text = replaced("We are looking at dashboards and recent deploys.\n", "")
    assert parse_summary(no_text).latest_update_text == ""
    assert problems(no_text) == ["Latest update has no text"]


def test_latest_update_text_on_its_own_line_counts() -> None:
    text = replaced(
        "*Latest update* (16:38 UTC)\nWe are looking at dashboards and recent deploys.",
        "Latest update: 16:38 UTC - rollback started",
    )
    post = parse_summary(text)
    assert post.latest_update_text == "rollback started"
    assert problems(text) == []


def test_latest_update_text_spans_lines_up_to_the_next_label() -> None:
    text = replaced("recent deploys.\n", "recent deploys.\n\n_Rollback_ queued.\n")
    assert parse_summary(text).latest_update_text == (
        "We are looking at dashboards and recent deploys.\n\nRollback queued."
    )


def test_a_sentence_beginning_latest_update_is_not_the_label() -> None:
    text = replaced("*Latest update* (16:38 UTC)\n", "Latest update from AWS is pending.\n")
    assert "latest_update" not in parse_summary(text).fields


# --------------------------------------------------------- Next update by and promise


def test_next_update_by_needs_a_utc_time() -> None:
    assert problems(replaced("*Next update by* 17:08 UTC", "Next update by: 17:08 UTC")) == []
    assert problems(replaced("17:08 UTC", "17:08")) == ["Next update by has no UTC time"]
    assert problems(replaced("17:08 UTC", "soon")) == ["Next update by has no time"]
    assert problems(replaced("\n\n*Next update by* 17:08 UTC", "")) == ["Next update by missing"]


def test_promise_is_the_utc_instant_on_the_posts_date() -> None:
    post = parse_summary(COMPLETE)
    assert post.promise(posted_at=at("2026-08-28T16:38:20")) == at("2026-08-28T17:08:00")


def test_a_promise_without_zone_is_read_as_utc() -> None:
    post = parse_summary(replaced("17:08 UTC", "17:08"))
    assert post.promise(posted_at=at("2026-08-28T16:38:20")) == at("2026-08-28T17:08:00")


def test_a_promise_with_an_offset_is_converted() -> None:
    post = parse_summary(replaced("17:08 UTC", "19:08 +02:00"))
    assert post.promise(posted_at=at("2026-08-28T16:38:20")) == at("2026-08-28T17:08:00")


def test_a_promise_earlier_than_the_post_is_for_the_next_day() -> None:
    post = parse_summary(replaced("17:08 UTC", "00:05 UTC"))
    assert post.promise(posted_at=at("2026-08-28T23:40:10")) == at("2026-08-29T00:05:00")


def test_a_promise_with_a_full_date_keeps_it() -> None:
    post = parse_summary(replaced("17:08 UTC", "2026-08-29 00:05 UTC"))
    assert post.promise(posted_at=at("2026-08-28T23:40:10")) == at("2026-08-29T00:05:00")
    post = parse_summary(replaced("17:08 UTC", "2026-08-28T23:30Z"))
    assert post.promise(posted_at=at("2026-08-28T23:40:10")) == at("2026-08-28T23:30:00")


def test_promise_reads_the_posts_date_in_utc() -> None:
    posted = datetime.fromisoformat("2026-08-28T21:00:00-05:00")  # 2026-08-29 02:00 UTC
    post = parse_summary(replaced("17:08 UTC", "02:30 UTC"))
    assert post.promise(posted_at=posted) == at("2026-08-29T02:30:00")


def test_no_promise_without_a_readable_time() -> None:
    posted = at("2026-08-28T16:38:20")
    assert parse_summary(replaced("17:08 UTC", "soon")).promise(posted_at=posted) is None
    assert parse_summary(replaced("17:08 UTC", "17:08 PST")).promise(posted_at=posted) is None
    no_field = replaced("\n\n*Next update by* 17:08 UTC", "")
    assert parse_summary(no_field).promise(posted_at=posted) is None


def test_a_promise_off_the_end_of_the_calendar_is_none_not_an_error() -> None:
    post = parse_summary(replaced("17:08 UTC", "9999-12-31 23:59 -05:00"))
    assert post.promise(posted_at=at("2026-08-28T16:38:20")) is None
    post = parse_summary(replaced("17:08 UTC", "23:59 UTC"))
    assert post.promise(posted_at=datetime.max.replace(tzinfo=UTC)) is None


def test_a_resolved_post_needs_no_next_update_and_promises_nothing() -> None:
    resolved = replaced("Status: investigating", "Status: Resolved")
    without = replaced("\n\n*Next update by* 17:08 UTC", "", resolved)
    assert problems(without) == []
    assert problems(resolved) == []
    assert parse_summary(resolved).promise(posted_at=at("2026-08-28T16:38:20")) is None


# ---------------------------------------------------------------- Slack text shapes


def test_html_entities_are_decoded_in_values() -> None:
    post = parse_summary(replaced("Checkout API", "Checkout &amp; Payments &lt;EU&gt;"))
    assert post.fields["services"].raw == "Checkout & Payments <EU>"
    assert problems(replaced("Checkout API", "Checkout &amp; Payments")) == []


def test_slack_date_tokens_are_read_by_their_fallback() -> None:
    token = "<!date^1788024780^{date_num} {time} UTC|2026-08-28 16:33 UTC>"
    post = parse_summary(replaced("2026-08-28 16:33 UTC", token))
    assert post.fields["when"].raw == "2026-08-28 16:33 UTC"
    assert post.when_time is not None and post.when_time.is_utc


def test_links_and_mentions_read_as_their_labels() -> None:
    text = replaced(
        "Checkout API", "<https://status.example.com/checkout|Checkout API> (<@U123>, <#C1|ops>)"
    )
    assert parse_summary(text).fields["services"].raw == "Checkout API (@U123, #ops)"


def test_windows_line_breaks() -> None:
    assert problems(COMPLETE.replace("\n", "\r\n")) == []


# ------------------------------------------------------------- generator samples


def _incidents_texts() -> list[str]:
    org = generate()
    channel = next(c for c in org.world.slack.channels if c["name"] == "incidents")
    return [str(m.get("text") or "") for m in org.world.slack.messages[channel["id"]]]


def test_generator_summary_posts_all_parse_and_hand_picked_ones_are_right() -> None:
    texts = _incidents_texts()
    posts = [parse_summary(t) for t in texts if is_summary_post(t)]
    assert len(posts) > 20
    assert all(p.status in STATUSES for p in posts)
    # the first incident's three posts follow the template to the letter
    first_three = [parse_summary(t) for t in texts[:3]]
    assert [p.status for p in first_three] == ["investigating", "identified", "resolved"]
    assert all(p.problems(statuses=STATUSES) == [] for p in first_three)
    assert first_three[0].promise(posted_at=at("2026-08-28T16:38:30")) == at("2026-08-28T17:08:00")
    # a sloppy Sev3 post: only What and Status
    sloppy = next(p for p in posts if "when" not in p.fields)
    assert sloppy.problems(statuses=STATUSES)[0] == "When missing"


def test_generator_chatter_is_not_a_summary_post() -> None:
    chatter = {t for t in _incidents_texts() if "\n" not in t}
    assert "Incident summary: nothing new since the morning, all green." in chatter
    assert not any(is_summary_post(t) for t in chatter)


# ----------------------------------------------------------------- property


@given(st.text())
def test_parsing_never_raises_on_arbitrary_text(text: str) -> None:
    is_summary_post(text)
    post = parse_summary(text)
    post.problems(statuses=STATUSES)
    post.promise(posted_at=at("2026-08-28T16:38:20"))


_PIECES = st.sampled_from(
    [
        "*Incident summary*",
        "What:",
        "When:",
        "Status:",
        "*Service(s)*:",
        "Brand(s):",
        "*Latest update*",
        "Next update by",
        " 23:59 UTC",
        " 9999-12-31 23:59 -05:00",
        " 0001-01-01 00:00 +01:00",
        "<#C1|incident-1>",
        "&lt;x&gt;",
        "*",
        "_",
        "\n",
        " ",
        "<!date^1^{t}|12:00>",
        "resolved",
        "(",
        "<https://a|b>",
    ]
)


@given(st.lists(_PIECES | st.text(max_size=5), max_size=30), st.datetimes(timezones=st.just(UTC)))
def test_template_like_text_never_raises(pieces: list[str], posted: datetime) -> None:
    post = parse_summary("".join(pieces))
    post.problems(statuses=STATUSES)
    post.promise(posted_at=posted)
