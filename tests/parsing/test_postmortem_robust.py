"""The post-mortem parser on the generator's files and on arbitrary text: no surprises."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opsaudit.parsing.postmortem import PostMortemDoc, check_filename, parse_postmortem
from opsaudit.policy import build_policy
from opsaudit.sandbox.org import generate

POLICY = build_policy({}).postmortem
TIMELINE = POLICY.sections["Timeline"]
ACTIONS = POLICY.sections["Action items"]


def generated_postmortems() -> list[tuple[str, str]]:
    repo = generate(seed=5, incidents=40).world.github.repos["acme/ops-docs"]
    files = {
        (path, text)
        for commit in repo.commits
        for path, text in commit.changes.items()
        if text and path.startswith("docs/incidents/") and path.endswith(".md")
    }
    return sorted(files)


SAMPLES = generated_postmortems()


def exercise(pm: PostMortemDoc) -> None:
    """Every method, with the default policy's names."""
    for section in pm.sections():
        section.is_empty(POLICY.placeholders)
    for aliases in POLICY.sections.values():
        pm.find_section(aliases)
    pm.timeline(TIMELINE)
    for item in pm.action_items(ACTIONS, repo="acme/ops-docs") or []:
        _ = item.done_by_text
    pm.blame_hits(POLICY.blame_lexicon, exclude=pm.find_section(["Blameless framing"]))
    check_filename(pm.path)


def test_the_generator_gives_post_mortems_to_read() -> None:
    assert len(SAMPLES) >= 5


@pytest.mark.parametrize(("path", "text"), SAMPLES, ids=[p for p, _ in SAMPLES])
def test_generated_post_mortems_agree_with_a_line_by_line_reading(path: str, text: str) -> None:
    pm = parse_postmortem(text, path=path)
    exercise(pm)
    assert all(pm.lines[h.line - 1].startswith("#") for h in pm.headings)
    assert pm.headings[0].level == 1
    timeline = pm.find_section(TIMELINE)
    assert timeline is not None
    entries = pm.timeline(TIMELINE) or []
    rows = _entry_lines(pm, timeline.start_line, timeline.end_line)
    assert [e.line for e in entries] == rows
    for entry in entries:
        expected_time = re.search(r"\d\d:\d\d", pm.lines[entry.line - 1])
        assert (entry.time is not None) == (expected_time is not None), entry.text
    section = pm.find_section(ACTIONS)
    if section is not None:
        items = pm.action_items(ACTIONS, repo="acme/ops-docs") or []
        assert [i.line for i in items] == _entry_lines(pm, section.start_line, section.end_line)
        for item in items:
            line = pm.lines[item.line - 1]
            assert (item.owner is not None) == bool(re.search(r"@\w|owner: \w", line)), line
            assert (item.due is not None) == bool(re.search(r"due \d|\| \d{4}-", line)), line
            assert item.checked == line.startswith("- [x]")


def _entry_lines(pm: PostMortemDoc, start: int, end: int) -> list[int]:
    """Lines of top-level items and table body rows, read without a Markdown parser."""
    found = []
    for number in range(start, end + 1):
        line = pm.lines[number - 1]
        below = pm.lines[number] if number < len(pm.lines) else ""
        is_header = line.startswith("|") and below.startswith("|---")
        if line.startswith("- ") or (
            line.startswith("| ") and not is_header and not line.startswith("|---")
        ):
            found.append(number)
    return found


MARKDOWNISH = st.lists(
    st.sampled_from(
        [
            *"#-*_|[]()<>!`~:=.@/ \t\n\r'\u2019\"xX0129aZé",
            *["\n## ", "- [ ] ", "| a | b |\n|---|---|\n", "<!--", "-->", "---\n", "```\n"],
            *["12:30 UTC", "2026-02-30", "due 2026-10-01", "owner: ", "Time (UTC)", "human error"],
        ]
    ),
    max_size=150,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_never_raises(text: str) -> None:
    exercise(parse_postmortem(text, path=text[:40]))


@settings(max_examples=300, deadline=None)
@given(MARKDOWNISH)
def test_markdown_like_text_never_raises(text: str) -> None:
    exercise(parse_postmortem(text, path="docs/incidents/2026-09-09-x.md"))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from([*TIMELINE, *ACTIONS, "Blameless framing"]), MARKDOWNISH),
        max_size=5,
    ),
    st.text(max_size=80),
)
def test_arbitrary_text_under_the_known_headings_never_raises(
    parts: list[tuple[str, str]], front: str
) -> None:
    text = f"---\n{front}\n---\n" + "".join(f"## {title}\n{body}\n" for title, body in parts)
    pm = parse_postmortem(text, path="x.md")
    exercise(pm)
    for section in pm.sections():
        assert 1 <= section.heading.line <= len(pm.lines)
        assert section.start_line <= section.end_line + 1
    for hit_line, _ in pm.blame_hits(POLICY.blame_lexicon, exclude=None):
        assert 1 <= hit_line <= len(pm.lines)


def test_pathological_front_matter_and_nesting_do_not_raise() -> None:
    deep_yaml = "---\n" + "[" * 5000 + "\n---\n## Timeline\n- 10:00 UTC x\n"
    pm = parse_postmortem(deep_yaml, path="x.md")
    assert pm.front_matter == {}
    assert pm.headings[0].line == 4
    exercise(parse_postmortem(">" * 5000 + " - " * 2000 + "[" * 3000, path="x.md"))
