"""Post-mortem entries: the Timeline, the action items and the blame lexicon."""

from __future__ import annotations

from datetime import date, time
from textwrap import dedent

from opsaudit.parsing.links import IssueRef
from opsaudit.parsing.postmortem import ActionItem, TimelineEntry, parse_postmortem

TIMELINE = ["Timeline"]
ACTIONS = ["Action items", "Follow-ups", "Follow-up actions"]
REPO = "acme/ops-docs"
LEXICON = ["human error", "'s fault", "to blame", "blamed", "careless", "should have known"]


def timeline(text: str) -> list[TimelineEntry]:
    entries = parse_postmortem(dedent(text).lstrip("\n"), path="x.md").timeline(TIMELINE)
    assert entries is not None
    return entries


def actions(text: str) -> list[ActionItem]:
    pm = parse_postmortem(dedent(text).lstrip("\n"), path="x.md")
    items = pm.action_items(ACTIONS, repo=REPO)
    assert items is not None
    return items


def blame(text: str, *, exclude: list[str] | None = None) -> list[tuple[int, str]]:
    pm = parse_postmortem(dedent(text).lstrip("\n"), path="x.md")
    section = pm.find_section(exclude) if exclude else None
    return pm.blame_hits(LEXICON, exclude=section)


# --- Timeline -------------------------------------------------------------------------


def test_list_timeline_entries_with_times_dates_and_lines() -> None:
    entries = timeline(
        """
        ## Timeline
        - 2026-09-12 23:08 UTC — paged
        - 23:17 UTC — acknowledged
        - 2026-09-13T00:00Z — resolved
        """
    )
    assert [e.line for e in entries] == [2, 3, 4]
    first, second, third = entries
    assert first.time is not None and first.time.date == date(2026, 9, 12)
    assert first.time.clock == time(23, 8) and first.time.is_utc
    assert second.time is not None and second.time.date is None and second.time.zone == "UTC"
    assert third.time is not None and third.time.zone == "Z"
    assert first.dates == (date(2026, 9, 12),) and second.dates == ()
    assert first.text == "2026-09-12 23:08 UTC — paged"
    assert not any(e.utc_context for e in entries)


def test_utc_in_the_heading_gives_utc_context() -> None:
    pm = parse_postmortem("## Timeline (UTC)\n\n- 04:27 — acknowledged\n", path="x.md")
    entries = pm.timeline(TIMELINE)
    assert entries is not None and entries[0].utc_context
    assert entries[0].time is not None and entries[0].time.zone is None


def test_utc_in_a_sub_heading_covers_only_its_entries() -> None:
    pm = parse_postmortem(
        "## Timeline\n\n- 04:00 — a\n\n### Day two (UTC)\n\n- 05:00 — b\n", path="x.md"
    )
    entries = pm.timeline(TIMELINE)
    assert entries is not None
    assert [e.utc_context for e in entries] == [False, True]


def test_entry_without_time() -> None:
    (entry,) = timeline("## Timeline\n\n- Shortly after — support confirmed recovery\n")
    assert entry.time is None


def test_nested_items_belong_to_their_parent() -> None:
    entries = timeline(
        """
        ## Timeline
        - 10:00 UTC paged
          - 10:05 UTC side note
          - more detail
        - 10:10 UTC fixed
        """
    )
    assert [e.line for e in entries] == [2, 5]
    assert entries[0].text == "10:00 UTC paged\n10:05 UTC side note\nmore detail"
    assert entries[0].time is not None and entries[0].time.clock == time(10, 0)


def test_time_found_in_a_nested_child_when_the_parent_has_none() -> None:
    (entry,) = timeline("## Timeline\n\n- Paging\n  - 10:05 UTC first page\n")
    assert entry.time is not None and entry.time.clock == time(10, 5)


def test_table_timeline_uses_the_time_column_and_its_header() -> None:
    entries = timeline(
        """
        ## Timeline

        | Event | Time (UTC) |
        |---|---|
        | paged 09:00 | 2026-10-06 21:11 |
        | acknowledged | 21:22 |
        """
    )
    assert [e.line for e in entries] == [5, 6]
    assert entries[0].time is not None and entries[0].time.clock == time(21, 11)
    assert entries[0].time.date == date(2026, 10, 6)
    assert all(e.utc_context for e in entries)
    assert entries[1].text == "acknowledged | 21:22"


def test_table_timeline_without_a_time_header_uses_the_first_column() -> None:
    entries = timeline(
        """
        ## Timeline

        | When | What |
        |---|---|
        | 21:11 | paged at 20:00 |
        """
    )
    assert entries[0].time is not None and entries[0].time.clock == time(21, 11)
    assert not entries[0].utc_context


def test_table_timeline_date_column_feeds_dates() -> None:
    (entry,) = timeline(
        """
        ## Timeline

        | Date | Timestamp | Event |
        |---|---|---|
        | 2026-10-06 | 21:11 | paged |
        """
    )
    assert entry.time is not None and entry.time.clock == time(21, 11)
    assert entry.time.date is None
    assert entry.dates == (date(2026, 10, 6),)


def test_dates_written_between_entries_are_preceding_dates() -> None:
    entries = timeline(
        """
        ## Timeline (2026-09-12)

        - 23:08 UTC paged

        ### 2026-09-13

        - 00:10 UTC resolved
        """
    )
    assert entries[0].preceding_dates == (date(2026, 9, 12),)
    assert entries[1].preceding_dates == (date(2026, 9, 13),)


def test_empty_timeline_gives_no_entries_and_missing_gives_none() -> None:
    assert timeline("## Timeline\n\nTBD\n\n## Root cause\n\n- 10:00 UTC x\n") == []
    pm = parse_postmortem("## Root cause\n\n- 10:00 UTC x\n", path="x.md")
    assert pm.timeline(TIMELINE) is None


def test_timeline_stops_at_the_next_section() -> None:
    entries = timeline("## Timeline\n\n- 10:00 UTC a\n\n## Action items\n\n- 11:00 UTC b\n")
    assert [e.text for e in entries] == ["10:00 UTC a"]


# --- action items ---------------------------------------------------------------------


def test_list_action_items_with_boxes_owners_and_due_dates() -> None:
    items = actions(
        """
        ## Follow-up actions

        - [x] Raise the pool limit — owner: cnakamura, due 2026-10-11
        - [ ] Add a canary stage — @wfischer, due 2026-09-25 (#7)
        - [X] Document rollback
        - Plain item without a box, Due: 2026-12-01
        """
    )
    assert [i.index for i in items] == [1, 2, 3, 4]
    assert [i.line for i in items] == [3, 4, 5, 6]
    assert [i.checked for i in items] == [True, False, True, False]
    assert [i.owner for i in items] == ["cnakamura", "@wfischer", None, None]
    assert [i.due for i in items] == [
        date(2026, 10, 11),
        date(2026, 9, 25),
        None,
        date(2026, 12, 1),
    ]
    assert items[0].text == "Raise the pool limit — owner: cnakamura, due 2026-10-11"
    assert items[1].links == (IssueRef(REPO, 7),)
    assert [i.done_by_text for i in items] == [True, False, True, False]
    assert all(i.status is None for i in items)


def test_owner_spellings() -> None:
    items = actions(
        """
        ## Action items

        - Fix it (Owner: Jane Doe; reviewed)
        - Fix it, owner: bob due 2026-10-01
        - Fix it — **Owner:** @alice
        - Fix it, owner: TBD
        - Ask jane@example.com for help
        - Fix it — assignee: sre-team
        """
    )
    assert [i.owner for i in items] == ["Jane Doe", "bob", "@alice", None, None, "sre-team"]
    assert items[1].due == date(2026, 10, 1)


def test_due_date_rules() -> None:
    items = actions(
        """
        ## Action items

        - Rotate keys, DUE: 2026-10-01
        - Rotate keys, due by 2026-10-02
        - Due to the 2026-09-01 change, rotate keys, due 2026-10-03
        - Rotate keys by 2026-10-04
        - Rotate keys, due 2026-02-30
        - Rotate keys, overdue 2026-10-05
        """
    )
    assert [i.due for i in items] == [
        date(2026, 10, 1),
        date(2026, 10, 2),
        date(2026, 10, 3),
        None,  # no "due"
        None,  # no such day
        None,  # "overdue" is not the word "due"
    ]


def test_first_date_after_due_when_nothing_sits_right_after_it() -> None:
    (item,) = actions("## Action items\n\n- Due next sprint: ship (2026-10-09), then 2026-11-01\n")
    assert item.due == date(2026, 10, 9)


def test_nested_action_items_belong_to_their_parent() -> None:
    items = actions(
        """
        ## Follow-ups

        - [ ] Rotate secrets — @pevans, due 2026-10-23 (acme/platform#16)
          - context: follow the dashboards
          - [x] sub-task
        - [x] Add a panel — owner: dpark, due 2026-10-22
        """
    )
    assert len(items) == 2
    assert items[0].text.endswith("context: follow the dashboards\n[x] sub-task")
    assert items[0].checked is False  # the child's box is not the item's
    assert items[0].links == (IssueRef("acme/platform", 16),)
    assert items[1].index == 2 and items[1].line == 6


def test_table_action_items_read_their_columns() -> None:
    items = actions(
        """
        ## Action items

        | Action | Owner | Due date | Status |
        |---|---|---|---|
        | Add a panel https://github.com/acme/platform/issues/1 | @epark | 2026-09-22 | Closed |
        | Rotate secrets acme/platform#2 | Vito R | 2026-09-27 | done |
        | Add an alert, owner: @x, due 2026-01-01 | - | TBD | open |
        | Load-test | N/A | 2026-02-30 | **Completed** |
        """
    )
    assert [i.line for i in items] == [5, 6, 7, 8]
    assert [i.owner for i in items] == ["@epark", "Vito R", None, None]
    assert [i.due for i in items] == [date(2026, 9, 22), date(2026, 9, 27), None, None]
    assert [i.status for i in items] == ["closed", "done", "open", "completed"]
    assert [i.done_by_text for i in items] == [True, True, False, True]
    assert items[0].links == (IssueRef("acme/platform", 1),)
    assert items[1].links == (IssueRef("acme/platform", 2),)
    assert items[1].text == "Rotate secrets acme/platform#2 | Vito R | 2026-09-27 | done"


def test_assignee_column_and_text_spellings_without_columns() -> None:
    items = actions(
        """
        ## Action items

        | Action | Assignee |
        |---|---|
        | Fix it, due 2026-10-01 | @bob |

        | Action |
        |---|
        | Fix it — @carol, due 2026-10-02 |
        """
    )
    assert [(i.owner, i.due, i.index) for i in items] == [
        ("@bob", date(2026, 10, 1), 1),
        ("@carol", date(2026, 10, 2), 2),
    ]


def test_status_words_that_are_not_done() -> None:
    items = actions(
        """
        ## Action items

        | Action | Status |
        |---|---|
        | a | not done |
        | b | in progress |
        | c | |
        """
    )
    assert [i.status for i in items] == ["not done", "in progress", None]
    assert not any(i.done_by_text for i in items)


def test_action_items_are_counted_across_lists_and_tables_in_order() -> None:
    items = actions(
        """
        ## Action items

        - first

        | Action |
        |---|
        | second |

        - third
        """
    )
    assert [(i.index, i.text) for i in items] == [(1, "first"), (2, "second"), (3, "third")]


def test_issue_urls_on_another_host() -> None:
    pm = parse_postmortem(
        "## Action items\n\n- Fix https://ghe.example.com/acme/app/pull/5\n", path="x.md"
    )
    items = pm.action_items(ACTIONS, repo=REPO, github_web="https://ghe.example.com")
    assert items is not None and items[0].links == (IssueRef("acme/app", 5),)


def test_no_action_items_section_gives_none() -> None:
    pm = parse_postmortem("## Root cause\n\n- [ ] x\n", path="x.md")
    assert pm.action_items(ACTIONS, repo=REPO) is None
    assert actions("## Action items\n\nNone yet.\n") == []


# --- blame ----------------------------------------------------------------------------


def test_blame_phrases_are_whole_words_any_case() -> None:
    hits = blame(
        """
        # Review
        It was HUMAN ERROR.
        We blamed the tooling.
        Nobody is blameless here; Careless wording.
        """
    )
    assert hits == [(2, "human error"), (3, "blamed"), (4, "careless")]


def test_to_blame_is_a_phrase_and_blameless_is_not_blame() -> None:
    assert blame("Who is to blame?\n") == [(1, "to blame")]
    assert blame("We want to blameless reviews.\n") == []


def test_typographic_apostrophes_are_folded() -> None:
    assert blame("It was the operator\u2019s fault.\n") == [(1, "'s fault")]


def test_phrase_broken_over_lines_counts_at_its_first_line() -> None:
    assert blame("Text.\nIt was human\nerror after all.\n") == [(2, "human error")]


def test_blame_outside_the_excluded_section_only() -> None:
    text = """
        ## Root cause
        Operator should have known better.
        ## Blameless framing
        Nobody is to blame: 'human error' is a starting point.
        ### Note
        Not careless either.
        ## Follow-ups
        - Stop being careless
        """
    hits = blame(text, exclude=["Blameless framing"])
    assert hits == [(2, "should have known"), (8, "careless")]
    assert len(blame(text)) == 5


def test_front_matter_code_and_comments_are_not_searched() -> None:
    hits = blame(
        """
        ---
        summary: human error
        ---
        ```
        log: human error
        ```

            indented human error

        <!-- avoid "human error" -->
        | Cause |
        |---|
        | human error |
        """
    )
    assert hits == [(13, "human error")]
