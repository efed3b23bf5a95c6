"""A post-mortem's links to incidents: front matter, URLs and war-room mentions."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from opsaudit.parsing.incident_refs import IncidentRef, incident_refs, split_front_matter


def num(n: int) -> IncidentRef:
    return IncidentRef("number", str(n))


def pid(value: str) -> IncidentRef:
    return IncidentRef("id", value)


def test_front_matter_number_id_url_and_lists() -> None:
    text = (
        "---\nincident:\n  - 1234\n  - Q1ABCDEFGHIJ\n"
        "  - https://acme.pagerduty.com/incidents/Q2ZZZZZZZZZZ\n---\n# Title\n"
    )
    assert incident_refs(text) == [num(1234), pid("Q1ABCDEFGHIJ"), pid("Q2ZZZZZZZZZZ")]


def test_body_urls_and_mentions_add_up_in_order() -> None:
    text = (
        "---\nincident: '#77'\n---\n"
        "See https://acme.pagerduty.com/incidents/Q3AAAAAAAAAA and #incident-88, "
        "also incident-77 again.\n"
    )
    assert incident_refs(text) == [num(77), pid("Q3AAAAAAAAAA"), num(88)]


def test_mentions_end_at_a_word_boundary() -> None:
    assert incident_refs("incident-12-retro and incident-123 and xincident-5") == [num(123)]
    assert incident_refs("in incident-12.") == [num(12)]


def test_urls_of_other_hosts_count_only_when_configured() -> None:
    text = "https://sandbox.example/incidents/Q4BBBBBBBBBB"
    assert incident_refs(text) == []
    assert incident_refs(text, web_hosts=("sandbox.example",)) == [pid("Q4BBBBBBBBBB")]


def test_ticket_ids_as_incident_ids() -> None:
    assert incident_refs("war room incident-Q1ABCDEF", ticket="id") == [pid("Q1ABCDEF")]


def test_bad_front_matter_is_ignored_not_fatal() -> None:
    front, body = split_front_matter("---\nincident: [1, 2\n---\nbody incident-9\n")
    assert front == {}
    assert incident_refs("---\nincident: [1, 2\n---\nbody incident-9\n") == [num(9)]
    assert body.endswith("incident-9\n")


@given(st.text())
def test_never_raises_on_arbitrary_text(text: str) -> None:
    incident_refs(text)
    incident_refs("---\n" + text + "\n---\n" + text)


def test_front_matter_with_an_impossible_date_or_deep_nesting_is_ignored() -> None:
    assert split_front_matter("---\nwhen: 2026-13-45\n---\nbody\n") == ({}, "body\n")
    deep = "---\nincident: " + "[" * 5000 + "]" * 5000 + "\n---\nincident-7\n"
    assert incident_refs(deep) == [num(7)]
