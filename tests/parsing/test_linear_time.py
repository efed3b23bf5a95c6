"""Every parser takes time linear in its input, on the inputs that once took minutes.

Timings are compared, not asserted to the millisecond: each case runs on a small input
and on one 16 times larger; linear code takes about 16 times as long, quadratic code
about 256 times. The bound (64) sits between them, so a busy machine does not fail it;
the two cases that were reported (a 540 KB run of ``https://a``, a 468-byte YAML alias
bomb) also get a hard cap far above what they take now and far below what they took.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

import pytest

from opsaudit.parsing.front_matter import split_front_matter
from opsaudit.parsing.incident_refs import incident_refs
from opsaudit.parsing.links import extract_issue_refs
from opsaudit.parsing.postmortem import parse_postmortem
from opsaudit.parsing.summary import mentions, parse_summary
from opsaudit.parsing.timestamps import find_times
from opsaudit.policy import build_policy

POLICY = build_policy({}).postmortem
SCALE = 16
BOUND = 64  # linear: ~16; quadratic: ~256

# nine levels of nine: 9**8 "lol"s once the aliases are expanded (468 bytes as written)
ALIAS_BOMB = (
    "---\n"
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
    "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
    "incident: [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
    "---\n"
    "# Post-mortem\n"
)


def read_fully(text: str) -> None:
    """Parse a post-mortem and ask it everything the checks ask."""
    doc = parse_postmortem(text, path="docs/incidents/2026-01-01-x.md")
    for aliases in POLICY.sections.values():
        section = doc.find_section(aliases)
        if section is not None:
            section.is_empty(POLICY.placeholders)
    doc.timeline(POLICY.sections["Timeline"])
    doc.action_items(POLICY.sections["Action items"], repo="acme/ops-docs")
    doc.blame_hits(POLICY.blame_lexicon)
    incident_refs(text)
    extract_issue_refs(text, default_repo="acme/ops-docs")


def summary_fully(text: str) -> None:
    post = parse_summary(text)
    post.problems(statuses=("resolved",))
    mentions(text)


def extract_issue_refs_of(text: str) -> object:
    return extract_issue_refs(text, default_repo="acme/ops-docs")


# name -> (make an input of about n characters, the parser to run on it)
CASES: dict[str, tuple[Callable[[int], str], Callable[[str], object]]] = {
    "url run (https://a...)": (lambda n: "https://a" * (n // 9), incident_refs),
    "url run in a post-mortem": (lambda n: "https://a" * (n // 9), read_fully),
    "mentions run": (lambda n: "incident-" * (n // 9), incident_refs),
    "heading of ()()()": (lambda n: "# Timeline " + "()" * (n // 2) + "x\n", read_fully),
    "many 'due' then a date": (
        lambda n: "## Action items\n- " + "due " * (n // 4) + "2026-01-01\n",
        read_fully,
    ),
    "timeline table": (
        lambda n: "## Timeline\n|Time|What|\n|-|-|\n" + "|12:00 UTC|x|\n" * (n // 14),
        read_fully,
    ),
    "timeline with prose between entries": (
        lambda n: "## Timeline (UTC)\n" + "- 12:00 x\n\nOn 2026-01-01:\n\n" * (n // 28),
        read_fully,
    ),
    "blame on one paragraph": (lambda n: "## Root cause\n" + "sloppy " * (n // 7), read_fully),
    "headings of every level": (
        lambda n: "".join("#" * (1 + i % 6) + " h\n" for i in range(n // 5)),
        read_fully,
    ),
    "unclosed Slack date tokens": (lambda n: "<!date^1^" * (n // 9), find_times),
    "unclosed date tokens in a summary": (
        lambda n: "*Incident summary*\nWhen: " + "<!date^1^x|" * (n // 11),
        summary_fully,
    ),
    "issue refs": (lambda n: (" a/" + "b" * 99 + "#1") * (n // 103), extract_issue_refs_of),
    "front matter never closed": (lambda n: "---\n" + "a: 1\n" * (n // 5), split_front_matter),
}


def timed(run: Callable[[str], object], text: str) -> float:
    """The best of two runs, without the cyclic garbage collector (its full passes grow
    with the heap and would blur the comparison; they are not the parser's)."""
    best = float("inf")
    gc.collect()
    gc.disable()
    try:
        for _ in range(2):
            start = time.perf_counter()
            run(text)
            best = min(best, time.perf_counter() - start)
    finally:
        gc.enable()
    return best


@pytest.mark.parametrize("name", sorted(CASES))
def test_parsing_time_grows_linearly(name: str) -> None:
    make, run = CASES[name]
    small, large = make(12_000), make(12_000 * SCALE)
    t_small = max(timed(run, small), 0.002)  # below that the clock's noise dominates
    t_large = timed(run, large)
    print(f"{name}: {t_small:.4f}s -> {t_large:.4f}s (x{t_large / t_small:.1f})")
    assert t_large / t_small < BOUND, f"{name}: x{t_large / t_small:.0f} for x{SCALE} input"


def test_the_reported_url_run_reads_in_seconds_not_minutes() -> None:
    text = "https://a" * 60_000  # 540 KB: 70 s in a sync, 586 s in an audit before
    start = time.perf_counter()
    assert incident_refs(text) == []
    read_fully(text)
    assert time.perf_counter() - start < 5


def test_an_alias_bomb_is_refused_at_once() -> None:
    assert len(ALIAS_BOMB.split("---\n")[1]) < 500
    start = time.perf_counter()
    front, body = split_front_matter(ALIAS_BOMB)
    assert front == {}  # aliases refused: no front matter, not a billion "lol"s
    assert body == "# Post-mortem\n"
    assert incident_refs(ALIAS_BOMB) == []
    doc = parse_postmortem(ALIAS_BOMB, path="docs/incidents/2026-01-01-x.md")
    assert dict(doc.front_matter) == {}
    assert [h.title for h in doc.headings] == ["Post-mortem"]  # the YAML is not body
    assert time.perf_counter() - start < 5  # 222 s and 2.2 GB before


def test_a_merge_key_is_an_alias_too() -> None:
    text = "---\nbase: &b {incident: 12}\nother:\n  <<: *b\nincident: 12\n---\n"
    assert split_front_matter(text)[0] == {}


def test_anchors_without_aliases_are_read() -> None:
    text = "---\nincident: &n 12\n---\nbody\n"
    assert split_front_matter(text) == ({"incident": 12}, "body\n")


def test_a_front_matter_longer_than_the_cap_is_not_one() -> None:
    from opsaudit.parsing.front_matter import MAX_CHARS

    text = "---\nincident: 12\n" + "# filler\n" * (MAX_CHARS // 9 + 1) + "---\nbody\n"
    front, body = split_front_matter(text)
    assert front == {}
    assert body == text


def test_front_matter_numbers_too_long_to_print_name_nothing() -> None:
    text = "---\nincident: 0x" + "f" * 5000 + "\n---\n"
    assert incident_refs(text) == []
    assert incident_refs("---\nincident: '" + "1" * 5000 + "'\n---\n") == []
    assert incident_refs("---\nincident: '\u00b2'\n---\n") == []  # a digit int() refuses
