"""Every parser in ``opsaudit.parsing`` on random input: it returns (none of them has an
error of its own to raise), within a time bound, never hangs.

Inputs are random bytes decoded as the GitHub source decodes blobs (``surrogateescape``:
lone surrogates included) and random Markdown-ish text built from the tokens the
parsers look for. Hypothesis' ``deadline`` fails an example that takes too long.
"""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opsaudit.parsing.front_matter import split_front_matter
from opsaudit.parsing.incident_refs import incident_refs
from opsaudit.parsing.links import extract_issue_refs
from opsaudit.parsing.paths import is_postmortem_path
from opsaudit.parsing.postmortem import check_filename, parse_postmortem
from opsaudit.parsing.postmortem_text import decode_blob, link_text, unparsed_reason
from opsaudit.parsing.summary import is_summary_post, mentions, parse_summary
from opsaudit.parsing.timestamps import find_dates, find_times
from opsaudit.policy import build_policy

POLICY = build_policy().postmortem
BOUND = settings(
    max_examples=150,
    deadline=2000,  # ms per example; the inputs are at most a few KB
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TOKENS = [
    "---\n",
    "...\n",
    "# ",
    "## Timeline",
    "## Action items",
    "## Blameless framing",
    "### 2026-11-02",
    "- ",
    "* ",
    "1. ",
    "- [x] ",
    "- [ ] ",
    "|",
    "|-|-|\n",
    "\n",
    "\r\n",
    "   ",
    "\t",
    "> ",
    "```\n",
    "<!--",
    "-->",
    "<",
    ">",
    "(",
    ")",
    "[",
    "]",
    "*",
    "_",
    "~",
    "`",
    "&",
    "#",
    "@pat",
    "owner:",
    "due",
    "due 2026-11-20",
    "2026-02-30",
    "12:00",
    "12:00 UTC",
    "23:59:59.5Z",
    "+05:30",
    "PST",
    "https://",
    "https://a",
    "https://acme.pagerduty.com/incidents/Q1ABCDEF",
    "/incidents/",
    "incident-",
    "incident-1234",
    "acme/ops-docs#12",
    "#12",
    "https://github.com/acme/x/issues/3",
    "<!date^1700000000^{date_short}|Nov 14>",
    "<!date^1^",
    "<#C123|incident-1>",
    "<@U1>",
    "Incident summary",
    "*Incident summary*",
    "What:",
    "When:",
    "Status: resolved",
    "Latest update",
    "Next update by",
    "incident: 12",
    "incident: &a [1]",
    "*a",
    "<<: *a",
    "human error",
    "'s fault",
    "\u2019",
    "\0",
    "\udcff",
    "\ufeff",
    "é",
    "x",
    "0",
]
markdownish = st.lists(st.sampled_from(TOKENS), max_size=200).map("".join)
random_bytes = st.binary(max_size=4000).map(decode_blob)
any_text = st.one_of(markdownish, random_bytes, st.text(max_size=2000))


def read_post_mortem(text: str) -> None:
    doc = parse_postmortem(text, path="docs/incidents/2026-11-02-x.md")
    for section in doc.sections():
        section.is_empty(POLICY.placeholders)
    for aliases in POLICY.sections.values():
        doc.find_section(aliases)
    for entry in doc.timeline(POLICY.sections["Timeline"]) or []:
        if entry.time is not None:
            entry.time.instant(None, assume_utc=True)
    for item in doc.action_items(POLICY.sections["Action items"], repo="acme/ops-docs") or []:
        _ = item.done_by_text
    doc.blame_hits(POLICY.blame_lexicon, exclude=doc.find_section(["Blameless framing"]))


@BOUND
@given(any_text)
def test_post_mortem_parsing_returns(text: str) -> None:
    read_post_mortem(text)


@BOUND
@given(any_text)
def test_front_matter_and_links_return(text: str) -> None:
    front, body = split_front_matter(text)
    assert isinstance(front, dict) and text.endswith(body)
    incident_refs(text, web_hosts=("acme.pagerduty.com",))
    incident_refs(text, prefix="inc-", ticket="id")
    extract_issue_refs(text, default_repo="acme/ops-docs")
    unparsed_reason(text, max_bytes=1000)
    link_text(text, max_bytes=1000)


@BOUND
@given(any_text)
def test_summary_posts_mentions_and_times_return(text: str) -> None:
    is_summary_post(text)
    post = parse_summary(text)
    post.problems(statuses=("investigating", "resolved"))
    post.promise(posted_at=datetime(2026, 11, 2, tzinfo=UTC))
    mentions(text)
    for found in find_times(text):
        found.instant(None, assume_utc=True)
    find_dates(text)


@BOUND
@given(any_text)
def test_paths_and_file_names_return(text: str) -> None:
    is_postmortem_path(text, "docs/incidents")
    check_filename(text)


@settings(max_examples=20, deadline=10_000, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=8).map("".join))
def test_a_token_repeated_into_a_large_input_reads_in_bounded_time(unit: str) -> None:
    text = unit * (200_000 // len(unit))  # about 200 KB of one pattern
    read_post_mortem(text)
    incident_refs(text)
    extract_issue_refs(text, default_repo="acme/ops-docs")
    parse_summary(text[:40_000])  # Slack caps a message at 40,000 characters
    mentions(text[:40_000])
