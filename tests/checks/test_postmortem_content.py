"""postmortem.timeline, postmortem.action_items and postmortem.blameless."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from check_builders import at, context, only, postmortem, run
from opsaudit.checks.context import Context
from opsaudit.checks.model import Result

PATH = "docs/incidents/2026-11-02-checkout-5xx.md"
TIMELINE = "- 2026-11-02 10:00 UTC PagerDuty triggered, @pat paged\n- 10:04 UTC @pat acknowledged"
ACTIONS = "- [ ] Add an alert on pool usage — @pat, due 2026-11-20"
BLAMELESS = "Nobody is to blame: we look at systems and process, never at human error."


def document(
    *,
    timeline: str | None = TIMELINE,
    timeline_heading: str = "## Timeline",
    cause: str = "A config push removed the connection pool limit.",
    actions: str | None = ACTIONS,
    blameless: str = BLAMELESS,
) -> str:
    """A post-mortem in the runbook's template; pass None to leave a section out."""
    parts = ["# Post-mortem: Checkout 5xx", "", "Linked to incident-1234.", ""]
    if timeline is not None:
        parts += [timeline_heading, "", timeline, ""]
    parts += ["## Root cause", "", cause, ""]
    if actions is not None:
        parts += ["## Action items", "", actions, ""]
    parts += ["## Blameless framing", "", blameless, ""]
    return "\n".join(parts)


def ctx_of(text: str, *, path: str = PATH, **kwargs: Any) -> Context:
    return context(postmortems=[postmortem(path, text, landed=at(60 * 24))], **kwargs)


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the first line containing ``needle``."""
    return next(n for n, line in enumerate(text.split("\n"), 1) if needle in line)


def lines(result: Result) -> list[str]:
    return [e.ref for e in result.evidence]


def timeline_of(entries: str, **kwargs: Any) -> Result:
    return only("postmortem.timeline", ctx_of(document(timeline=entries, **kwargs)))


# ------------------------------------------------------------------ postmortem.timeline


@pytest.mark.rule("postmortem.timeline", "pass")
def test_timeline_in_utc_to_the_minute_and_in_order_passes() -> None:
    result = timeline_of(TIMELINE)
    assert result.status == "pass"
    assert result.subject.key == PATH
    assert result.message == "2 timeline entries checked: all to the minute, in UTC and in order."


@pytest.mark.rule("postmortem.timeline", "violation")
def test_every_bad_timeline_entry_is_listed_and_the_first_named() -> None:
    entries = "\n".join(
        [
            "- 14:05 UTC PagerDuty triggered",
            "- 14:50 CTO paged",  # a word after the time, not a zone: no UTC mark
            "- 14:52 PST status page updated",
            "- Shortly after, support confirmed",
            "- 14:04 UTC rollback started",  # earlier than 14:50
            "- 15:00 UTC resolved",
        ]
    )
    text = document(timeline=entries)
    result = only("postmortem.timeline", ctx_of(text))
    assert result.status == "violation"
    bad = ["14:50 CTO", "14:52 PST", "Shortly after", "14:04 UTC"]
    assert lines(result) == [f"{PATH}#L{line_of(text, b)}" for b in bad]
    assert result.message == (
        f"4 of 6 timeline entries break the rules; first at line {line_of(text, '14:50 CTO')}: "
        "14:50 has no UTC mark."
    )
    assert result.evidence[0].url is not None and result.evidence[0].url.endswith(
        f"{PATH}#L{line_of(text, '14:50 CTO')}"
    )


@pytest.mark.rule("postmortem.timeline", "edge")
def test_an_entry_at_the_same_minute_is_in_order_one_minute_earlier_is_not() -> None:
    assert timeline_of("- 14:05 UTC paged\n- 14:05 UTC acknowledged").status == "pass"
    late = timeline_of("- 14:05 UTC paged\n- 14:04 UTC acknowledged")
    assert late.status == "violation"
    assert late.message.endswith(
        ": 2026-11-02 14:04 UTC is earlier than the entry before it (2026-11-02 14:05 UTC)."
    )


@pytest.mark.rule("postmortem.timeline", "edge")
def test_seconds_are_optional_and_compared_when_both_entries_have_them() -> None:
    assert timeline_of("- 14:05:30 UTC paged\n- 14:05 UTC acknowledged").status == "pass"
    assert timeline_of("- 14:05:30Z paged\n- 14:05:31Z acknowledged").status == "pass"
    assert timeline_of("- 14:05:30Z paged\n- 14:05:10Z acknowledged").status == "violation"


@pytest.mark.rule("postmortem.timeline", "edge")
def test_gmt_and_zero_offset_count_as_utc_other_zones_do_not() -> None:
    utc_like = "- 2026-11-02T14:05+00:00 paged\n- 14:06 GMT acknowledged\n- 14:07Z mitigated"
    assert timeline_of(utc_like).status == "pass"
    pst = timeline_of("- 14:05 UTC paged\n- 14:06 PST acknowledged")
    assert pst.status == "violation"
    assert pst.message.endswith("14:06 PST is not UTC.")
    offset = timeline_of("- 2026-11-02T14:05+02:00 paged")
    assert offset.status == "violation"
    assert offset.message.endswith("14:05 +02:00 is not UTC.")


@pytest.mark.rule("postmortem.timeline", "edge")
def test_a_time_without_minutes_is_no_time() -> None:
    result = timeline_of("- 14:05 UTC paged\n- around 3pm the fix shipped")
    assert result.status == "violation"
    assert result.message.endswith(": no time to the minute (HH:MM).")


@pytest.mark.rule("postmortem.timeline", "edge")
def test_a_written_date_carries_the_timeline_across_midnight() -> None:
    dated = (
        "- 2026-11-02 23:58 UTC paged\n- 23:59 UTC ack\n- 2026-11-03 00:01 UTC fix\n- 00:05 UTC ok"
    )
    assert timeline_of(dated).status == "pass"
    undated = "- 2026-11-02 23:58 UTC paged\n- 23:59 UTC ack\n- 00:01 UTC fix"
    assert timeline_of(undated).status == "violation"  # 00:01 takes 2026-11-02


@pytest.mark.rule("postmortem.timeline", "other")
def test_a_date_under_a_sub_heading_moves_the_running_date() -> None:
    entries = "### 2026-11-02\n\n- 23:58 UTC paged\n\n### 2026-11-03\n\n- 00:01 UTC fixed"
    assert timeline_of(entries).status == "pass"


@pytest.mark.rule("postmortem.timeline", "other")
def test_the_file_names_date_starts_the_running_date_else_times_compare_alone() -> None:
    entries = "- 23:00 UTC paged\n- 2026-11-02 01:00 UTC fixed"
    named = "docs/incidents/2026-11-01-checkout-5xx.md"
    text = document(timeline=entries)
    assert only("postmortem.timeline", ctx_of(text, path=named)).status == "pass"
    undated = "docs/incidents/checkout-5xx.md"
    assert only("postmortem.timeline", ctx_of(text, path=undated)).status == "violation"


@pytest.mark.rule("postmortem.timeline", "other")
def test_a_utc_heading_or_time_column_marks_every_entry() -> None:
    bare = "- 14:05 paged\n- 14:09 acknowledged"
    assert timeline_of(bare).status == "violation"
    assert timeline_of(bare, timeline_heading="## Timeline (UTC)").status == "pass"
    table = "| Time (UTC) | Event |\n|---|---|\n| 14:05 | paged |\n| 14:09 | acknowledged |"
    assert timeline_of(table).status == "pass"
    plain = "| Time | Event |\n|---|---|\n| 14:05 | paged |\n| 14:09 | acknowledged |"
    assert timeline_of(plain).status == "violation"


@pytest.mark.rule("postmortem.timeline", "other")
def test_a_table_with_a_date_column_dates_its_rows() -> None:
    table = (
        "| Date | Time (UTC) | Event |\n|---|---|---|\n"
        "| 2026-11-02 | 23:58 | paged |\n| 2026-11-03 | 00:01 | fixed |"
    )
    assert timeline_of(table).status == "pass"


@pytest.mark.rule("postmortem.timeline", "other")
def test_nested_items_belong_to_their_entry() -> None:
    entries = "- 14:05 UTC paged\n  - no time in this detail\n- 14:09 UTC acknowledged"
    assert timeline_of(entries).status == "pass"


@pytest.mark.rule("postmortem.timeline", "other")
def test_no_or_an_empty_timeline_or_none_in_the_policy_gives_no_result() -> None:
    assert run("postmortem.timeline", ctx_of(document(timeline=None))) == []
    assert run("postmortem.timeline", ctx_of(document(timeline="<!-- TODO -->"))) == []
    removed = ctx_of(
        document(timeline="- 14:05 paged"), policy={"postmortem": {"sections": {"Timeline": None}}}
    )
    assert run("postmortem.timeline", removed) == []


@pytest.mark.rule("postmortem.timeline", "other")
def test_timeline_is_unknown_when_the_github_sync_failed() -> None:
    result = only("postmortem.timeline", ctx_of(document(), failed=["github"]))
    assert result.status == "unknown"


# -------------------------------------------------------------- postmortem.action_items


def items_of(actions: str, **kwargs: Any) -> Result:
    return only("postmortem.action_items", ctx_of(document(actions=actions), **kwargs))


@pytest.mark.rule("postmortem.action_items", "pass")
def test_items_with_owners_and_due_dates_pass() -> None:
    actions = (
        "- [ ] Add an alert — @pat, due 2026-11-20\n"
        "- [x] Document rollback — owner: Sam Second, due 2026-11-10"
    )
    result = items_of(actions)
    assert result.status == "pass"
    assert result.message == "2 action items checked: all have an owner and a due date."


@pytest.mark.rule("postmortem.action_items", "violation")
def test_each_item_without_an_owner_or_due_date_is_listed() -> None:
    actions = "\n".join(
        [
            "- [ ] Add an alert — @pat, due 2026-11-20",
            "- [ ] Document rollback, due 2026-11-21",
            "- [ ] Add a canary stage — @sam",
            "- [ ] Raise the pool limit",
        ]
    )
    text = document(actions=actions)
    result = only("postmortem.action_items", ctx_of(text))
    assert result.status == "violation"
    bad = ["Document rollback", "Add a canary", "Raise the pool"]
    assert lines(result) == [f"{PATH}#L{line_of(text, b)}" for b in bad]
    assert result.message.startswith("3 of 4 action items lack an owner or a due date: ")
    assert f"#2 (line {line_of(text, 'Document rollback')}) has no owner" in result.message
    assert "#3 (line" in result.message and ") has no due date" in result.message
    assert "#4 (line" in result.message and "has no owner and no due date" in result.message


@pytest.mark.rule("postmortem.action_items", "edge")
def test_owner_and_due_date_by_each_spelling() -> None:
    table = (
        "| Action | Owner | Due | Status |\n|---|---|---|---|\n"
        "| Add an alert | Pat | 2026-11-20 | open |"
    )
    assert items_of(table).status == "pass"
    assert items_of("- Add an alert (owner: Pat) due 2026-11-20").status == "pass"
    assert items_of("- Add an alert @pat due 2026-11-20").status == "pass"
    no_cell = "| Action | Owner | Due |\n|---|---|---|\n| Add an alert | - | 2026-11-20 |"
    assert items_of(no_cell).status == "violation"
    assert items_of("- Add an alert (owner: TBD) due 2026-11-20").status == "violation"


@pytest.mark.rule("postmortem.action_items", "edge")
def test_a_date_that_does_not_exist_is_no_due_date() -> None:
    assert items_of("- Add an alert @pat due 2026-02-28").status == "pass"
    result = items_of("- Add an alert @pat due 2026-02-30")
    assert result.status == "violation"
    assert result.message.endswith("has no due date.")


@pytest.mark.rule("postmortem.action_items", "other")
def test_an_action_items_section_without_items_passes_and_no_section_gives_nothing() -> None:
    empty = items_of("Nothing to follow up.")
    assert empty.status == "pass"
    assert empty.message == "The Action items section has no action items."
    assert run("postmortem.action_items", ctx_of(document(actions=None))) == []


@pytest.mark.rule("postmortem.action_items", "other")
def test_alias_heading_and_nested_items_are_read() -> None:
    text = document(actions="- Add an alert @pat\n  - due 2026-11-20, see the dashboard").replace(
        "## Action items", "## Follow-ups"
    )
    assert only("postmortem.action_items", ctx_of(text)).status == "pass"


# ----------------------------------------------------------------- postmortem.blameless


def blame_of(text: str, **kwargs: Any) -> Result:
    return only("postmortem.blameless", ctx_of(text, **kwargs))


@pytest.mark.rule("postmortem.blameless", "pass")
def test_blame_words_inside_the_blameless_framing_section_are_fine() -> None:
    result = blame_of(document())  # its Blameless framing says "to blame" and "human error"
    assert result.status == "pass"
    assert result.message == (
        "No blame wording outside the Blameless framing section (14 phrases checked)."
    )


@pytest.mark.rule("postmortem.blameless", "violation")
def test_blame_words_elsewhere_are_listed_by_line() -> None:
    text = document(
        cause="It was Sam\u2019s fault: a careless push.",
        timeline="- 14:05 UTC paged\n- 14:09 UTC human error suspected",
    )
    result = blame_of(text)
    assert result.status == "violation"
    assert lines(result) == [
        f"{PATH}#L{line_of(text, 'human error suspected')}",
        f"{PATH}#L{line_of(text, 'careless')}",
    ]
    assert result.message == (
        "Blame wording outside the Blameless framing section: "
        f"'human error' (line {line_of(text, 'human error suspected')}), "
        f'"\'s fault" (line {line_of(text, "careless")}), '
        f"'careless' (line {line_of(text, 'careless')})."
    )


@pytest.mark.rule("postmortem.blameless", "edge")
def test_whole_words_only_any_case() -> None:
    assert blame_of(document(cause="This is a blameless review.")).status == "pass"
    assert blame_of(document(cause="The blame game is over.")).status == "pass"
    assert blame_of(document(cause="Nobody is To Blame here.")).status == "violation"
    assert blame_of(document(cause="Our deploys are not sloppy-proof.")).status == "violation"
    assert blame_of(document(cause="The operator errored out.")).status == "pass"


@pytest.mark.rule("postmortem.blameless", "edge")
def test_typographic_apostrophes_are_folded() -> None:
    assert blame_of(document(cause="It was the vendor\u2019s fault.")).status == "violation"
    assert blame_of(document(cause="It was the vendor's fault.")).status == "violation"


@pytest.mark.rule("postmortem.blameless", "other")
def test_without_the_section_in_the_policy_the_whole_file_is_read() -> None:
    policy = {"postmortem": {"sections": {"Blameless framing": None}}}
    result = blame_of(document(), policy=policy)
    assert result.status == "violation"
    assert result.message.startswith("Blame wording: 'to blame' (line")


@pytest.mark.rule("postmortem.blameless", "other")
def test_blameless_is_unknown_without_a_lexicon() -> None:
    result = blame_of(document(cause="human error"), policy={"postmortem": {"blame_lexicon": None}})
    assert result.status == "unknown"
    assert "postmortem.blame_lexicon" in result.message


@pytest.mark.rule("postmortem.blameless", "other")
def test_the_policys_lexicon_is_used() -> None:
    policy = {"postmortem": {"blame_lexicon": ["dropped the ball"]}}
    assert blame_of(document(cause="Ops dropped the ball."), policy=policy).status == "violation"
    assert blame_of(document(cause="A careless push."), policy=policy).status == "pass"


# ------------------------------------------------------------------------ robustness

MALFORMED = [
    "",
    "## Timeline\n| Time |\n|---|\n| 14:05 | extra | cells |\n|",
    "## Timeline\n- \n- [x]\n-   \n## Action items\n- [ ]\n|a|\n|-|\n||",
    "## Action items\n| Owner | Due |\n|---|---|\n| @x | 2026-99-99 |\n<!-- unclosed",
    "---\nincident: [\n---\n## Timeline\n- 25:61 UTC\n- 2026-02-30 10:00 UTC",
    "> ## Timeline\n> - 14:05\n```\n## Action items\n- @pat due 2026-11-20\n",
    "#" * 7 + " Timeline\n" + "- " * 500,
]


@pytest.mark.rule("postmortem.timeline", "other")
@pytest.mark.parametrize("text", MALFORMED)
def test_malformed_markdown_never_crashes(text: str) -> None:
    ctx = ctx_of(text)
    for rule in ("postmortem.timeline", "postmortem.action_items", "postmortem.blameless"):
        for result in run(rule, ctx):
            assert result.status in ("pass", "violation", "unknown")


@given(
    st.text(alphabet=st.sampled_from(list("#-|*[]x: \n0123456789UTCdue@<>!`\u2019'")), max_size=300)
)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_text_gives_results_not_errors(text: str) -> None:
    ctx = ctx_of("## Timeline\n" + text + "\n## Action items\n" + text)
    for rule in ("postmortem.timeline", "postmortem.action_items", "postmortem.blameless"):
        run(rule, ctx)
