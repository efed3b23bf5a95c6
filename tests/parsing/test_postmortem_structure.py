"""Post-mortem structure: headings, sections, empty sections, front matter, file names."""

from __future__ import annotations

from datetime import date
from textwrap import dedent

import pytest

from opsaudit.parsing.postmortem import (
    PostMortemDoc,
    check_filename,
    fold_quotes,
    normalise_heading,
    parse_postmortem,
)

PLACEHOLDERS = ["TBD", "TODO", "N/A", "-", "…", "..."]
WORKED = ["What worked / what didn't", "What went well / what didn't"]


def doc(text: str, path: str = "docs/incidents/2026-09-09-db-outage.md") -> PostMortemDoc:
    return parse_postmortem(dedent(text).lstrip("\n"), path=path)


# --- normalising headings -------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("What worked/what didn\u2019t", "what worked what didn t"),
        ("What worked / what didn't", "what worked what didn t"),
        ("Root cause (draft)", "root cause"),
        ("  ROOT   CAUSE:  ", "root cause"),
        ("Customer-facing communication summary", "customer facing communication summary"),
        ("Timeline (UTC)", "timeline"),
        ("Suivi — actions à mener", "suivi actions à mener"),
        ("(draft)", ""),
    ],
)
def test_normalise_heading(written: str, expected: str) -> None:
    assert normalise_heading(written) == expected


def test_only_a_trailing_parenthesis_is_removed() -> None:
    assert normalise_heading("Root (primary) cause") == "root primary cause"


def test_fold_quotes_turns_typographic_quotes_into_ascii() -> None:
    assert (
        fold_quotes("it\u2019s \u2018odd\u2019 \u201cquoted\u201d \u201elow\u201c 5\u2032")
        == "it's 'odd' \"quoted\" \"low\" 5'"
    )


# --- headings and sections ------------------------------------------------------------


def test_typographic_apostrophe_heading_matches_its_ascii_alias() -> None:
    pm = doc("## What worked/what didn\u2019t\n\n- Paging worked.\n")
    section = pm.find_section(WORKED)
    assert section is not None
    assert section.heading.title == "What worked/what didn\u2019t"


def test_draft_marker_in_parenthesis_still_matches() -> None:
    pm = doc("## Root cause (draft)\n\nA bad deploy.\n")
    section = pm.find_section(["Root cause", "Root causes"])
    assert section is not None and section.heading.line == 1


def test_no_matching_heading_gives_none() -> None:
    pm = doc("## Root causes and more\n\nText.\n")
    assert pm.find_section(["Root cause"]) is None


def test_first_matching_section_wins() -> None:
    pm = doc("## Follow-ups\n\nfirst\n\n## Action items\n\nsecond\n")
    section = pm.find_section(["Action items", "Follow-ups"])
    assert section is not None and section.text.strip() == "first"


def test_heading_titles_lose_inline_markup() -> None:
    pm = doc("## **Root** `cause` [link](http://x) <!-- note -->\n")
    assert pm.headings[0].title == "Root cause link"


def test_headings_of_every_level_and_setext() -> None:
    pm = doc(
        """
        Title
        =====

        Root cause
        ----------

        ###### Deep
        """
    )
    assert [(h.title, h.level, h.line) for h in pm.headings] == [
        ("Title", 1, 1),
        ("Root cause", 2, 4),
        ("Deep", 6, 7),
    ]
    assert pm.headings[1].end_line == 5


def test_section_runs_to_the_next_heading_of_same_or_higher_level() -> None:
    pm = doc(
        """
        # Title
        ## Timeline
        - 10:00 UTC paged
        ### Day two
        - 11:00 UTC fixed
        ## Root cause
        A deploy.
        """
    )
    timeline, day_two = pm.sections()[1], pm.sections()[2]
    assert (timeline.start_line, timeline.end_line) == (3, 5)
    assert (day_two.start_line, day_two.end_line) == (5, 5)
    assert timeline.text == "- 10:00 UTC paged\n- 11:00 UTC fixed"
    assert pm.sections()[0].end_line == 7  # the title's section runs to EOF


def test_setext_sub_heading_lines_are_left_out_of_the_text() -> None:
    pm = doc("# Root cause\n\nIntro\n\nDetails\n-------\n\nMore\n")
    section = pm.find_section(["Root cause"])
    assert section is not None
    assert "Details" not in section.text and "---" not in section.text
    assert "Intro" in section.text and "More" in section.text


def test_heading_inside_a_list_item_starts_no_section() -> None:
    pm = doc("## Action items\n\n- item\n  ## not a heading\n")
    assert [h.title for h in pm.headings] == ["Action items"]


def test_heading_on_the_last_line_has_an_empty_section() -> None:
    pm = doc("# Title\n## Root cause")
    section = pm.find_section(["Root cause"])
    assert section is not None
    assert section.text == ""
    assert section.is_empty(PLACEHOLDERS)


# --- empty sections -------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "",
        "\n\n   \n",
        "<!-- describe the root cause -->",
        "<!--\nmulti-line\ncomment\n-->",
        "TBD",
        "tbd.",
        "*TODO*",
        "N/A",
        "- TBD\n- TODO",
        "- [ ] TBD",
        "…",
        "...",
        "-",
        "<describe the root cause>",
        "<…>",
        "### Sub-heading only\n",
        "### Sub\n\nTBD\n",
        "| Action | Owner | Due |\n|---|---|---|\n",
        "| Action | Owner | Due |\n|---|---|---|\n| TBD | - | - |\n",
        "<!-- hint --> TBD",
    ],
)
def test_empty_sections(body: str) -> None:
    pm = doc(f"## Root cause\n\n{body}\n\n## Next\n\nText.\n")
    section = pm.find_section(["Root cause"])
    assert section is not None
    assert section.is_empty(PLACEHOLDERS)


@pytest.mark.parametrize(
    "body",
    [
        "A bad deploy.",
        "TBD: confirm the vendor's timeline",
        "- [x] done",
        "### Details\n\nA bad deploy.",
        "```\nlog line\n```",
        "<https://status.example.com/incidents/1>",
        "| Action | Owner |\n|---|---|\n| Fix it | @bob |\n",
        "<!-- comment --> Real text",
    ],
)
def test_sections_with_content_are_not_empty(body: str) -> None:
    pm = doc(f"## Root cause\n\n{body}\n")
    section = pm.find_section(["Root cause"])
    assert section is not None
    assert not section.is_empty(PLACEHOLDERS)


def test_placeholders_come_from_the_caller() -> None:
    pm = doc("## Root cause\n\nPending\n")
    section = pm.find_section(["Root cause"])
    assert section is not None
    assert not section.is_empty(PLACEHOLDERS)
    assert section.is_empty(["pending"])


# --- front matter and lines -----------------------------------------------------------

FRONT = """\
---
incident: 3732
authors: [tito]
---
# Post-mortem
## Root cause
A bad deploy.
"""


def test_front_matter_is_read_and_line_numbers_stay_file_lines() -> None:
    pm = parse_postmortem(FRONT, path="x.md")
    assert pm.front_matter == {"incident": 3732, "authors": ["tito"]}
    assert pm.body_line == 5
    assert [(h.title, h.line) for h in pm.headings] == [("Post-mortem", 5), ("Root cause", 6)]
    assert pm.lines[6] == "A bad deploy."
    section = pm.find_section(["Root cause"])
    assert section is not None and (section.start_line, section.end_line) == (7, 7)


def test_front_matter_is_in_no_section() -> None:
    pm = parse_postmortem("---\ntitle: Root cause\n---\nText\n", path="x.md")
    assert pm.headings == ()
    assert pm.sections() == ()


def test_unreadable_front_matter_is_still_left_out_of_the_body() -> None:
    # PyYAML raises ValueError, not YAMLError, for an impossible date
    pm = parse_postmortem("---\nwhen: 2026-13-45\n---\n## Root cause\nx\n", path="x.md")
    assert pm.front_matter == {}
    assert [(h.title, h.line) for h in pm.headings] == [("Root cause", 4)]


def test_crlf_line_endings() -> None:
    pm = parse_postmortem("---\r\na: 1\r\n---\r\n## Root cause\r\nText\r\n", path="x.md")
    assert pm.lines == ("---", "a: 1", "---", "## Root cause", "Text")
    assert pm.headings[0].line == 4


def test_a_thematic_break_is_not_front_matter_further_down() -> None:
    pm = parse_postmortem("# Title\n\n---\n\n## Root cause\n", path="x.md")
    assert pm.front_matter == {}
    assert [h.line for h in pm.headings] == [1, 5]


# --- file names -----------------------------------------------------------------------


def test_valid_filename() -> None:
    assert check_filename("docs/incidents/2026-09-09-data-warehouse-stale-data.md") == (
        date(2026, 9, 9),
        None,
    )
    assert check_filename("2026-09-09-db2.md") == (date(2026, 9, 9), None)


@pytest.mark.parametrize(
    ("path", "day", "reason_part"),
    [
        ("docs/incidents/2026-10-06-Notifications_Auth_Errors.md", date(2026, 10, 6), "short name"),
        ("2026-10-06-db--outage.md", date(2026, 10, 6), "short name"),
        ("2026-10-06-db-outage-.md", date(2026, 10, 6), "short name"),
        ("2026-10-06.md", date(2026, 10, 6), "no short name"),
        ("2026-10-06-.md", date(2026, 10, 6), "no short name"),
        ("2026-02-30-db-outage.md", None, "not a real date"),
        ("db-outage.md", None, "YYYY-MM-DD"),
        ("26-10-06-db-outage.md", None, "YYYY-MM-DD"),
        ("2026-10-06-db-outage.markdown", date(2026, 10, 6), ".md"),
        ("2026-10-06-db-outage.MD", date(2026, 10, 6), ".md"),
    ],
)
def test_invalid_filenames(path: str, day: date | None, reason_part: str) -> None:
    found_day, reason = check_filename(path)
    assert found_day == day
    assert reason is not None and reason_part in reason
    assert "\n" not in reason
