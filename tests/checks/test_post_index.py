"""The summary-post index finds exactly the posts a scan of every post would find."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from opsaudit.checks.post_index import PostIndex
from opsaudit.checks.views import ParsedPost
from opsaudit.parsing.summary import mentions, parse_summary
from opsaudit.records import IncidentsPost

AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
URLS = [
    "https://acme.pagerduty.com/incidents/Q1AB",
    "https://acme.pagerduty.com/incidents/Q1ABC",
    "https://acme.pagerduty.com/incidents/",
    "https://other.example/x/Q9",
    "no-slash-Q7",
]


def _posts(texts: list[str]) -> list[ParsedPost]:
    posts = [IncidentsPost("C1", f"{n}.0", AT, text) for n, text in enumerate(texts)]
    return [ParsedPost(p, parse_summary(p.text), mentions(p.text)) for p in posts]


def _find(index: PostIndex, *, url: str | None, name: str = "-", incident: str = "-") -> list[str]:
    found = index.find(name=name, room=None, incident_id=incident, url=url)
    return [p.post.ts for p in found]


def test_web_addresses_are_found_as_substrings_also_as_prefixes_of_longer_ones() -> None:
    texts = [
        "see https://acme.pagerduty.com/incidents/Q1ABCD now",  # holds Q1AB, Q1ABC and ""
        "<https://acme.pagerduty.com/incidents/Q1AB|#12>",
        "https://other.example/x/Q9/y and no-slash-Q7",
        "nothing here: acme.pagerduty.com/incidents/Q1AB",
    ]
    index = PostIndex(_posts(texts), urls=URLS)
    assert _find(index, url=URLS[0]) == ["0.0", "1.0"]
    assert _find(index, url=URLS[1]) == ["0.0"]
    assert _find(index, url=URLS[2]) == ["0.0", "1.0"]
    assert _find(index, url=URLS[3]) == ["2.0"]
    assert _find(index, url=URLS[4]) == ["2.0"]
    assert _find(index, url="https://not.indexed/incidents/Q1AB") == []


def test_mentions_and_addresses_add_up_in_post_order_each_once() -> None:
    texts = [
        "Incident summary: #incident-12 https://acme.pagerduty.com/incidents/Q1AB",
        "Incident summary: about Q1AB only by address https://acme.pagerduty.com/incidents/Q1AB",
        "Incident summary: #incident-12",
        "Incident summary: #incident-13",
    ]
    index = PostIndex(_posts(texts), urls=URLS)
    assert _find(index, url=URLS[0], name="incident-12") == ["0.0", "1.0", "2.0"]
    assert _find(index, url=None, name="incident-13") == ["3.0"]


_PIECES = st.sampled_from([*URLS, "/", "Q", "1", "A", "B", "C", " ", "https://acme", "x"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(_PIECES, max_size=8).map("".join), min_size=1, max_size=6))
def test_the_index_agrees_with_a_scan(texts: list[str]) -> None:
    index = PostIndex(_posts(texts), urls=URLS)
    for url in URLS:
        scanned = [f"{n}.0" for n, text in enumerate(texts) if url in text]
        assert _find(index, url=url) == scanned
