"""action_item.overdue: every dated action item of every post-mortem, done by its due date."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from check_builders import REPO, T0, at, context, issue, only, postmortem, run
from opsaudit.checks.context import Context
from opsaudit.checks.model import Result

RULE = "action_item.overdue"
PATH = "docs/incidents/2026-11-02-checkout-5xx.md"
DUE = "2026-11-10"
# the last instant of 2026-11-10 in UTC, and in Berlin (UTC+1 in November)
END_UTC = datetime(2026, 11, 10, 23, 59, 59, 999999, tzinfo=UTC)
END_BERLIN = datetime(2026, 11, 10, 22, 59, 59, 999999, tzinfo=UTC)
AFTER = datetime(2026, 11, 20, tzinfo=UTC)
BEFORE = datetime(2026, 11, 5, tzinfo=UTC)


def document(actions: str) -> str:
    head = "# Post-mortem: Checkout 5xx\n\n## Timeline\n\n- 10:00 UTC paged\n\n"
    return f"{head}## Action items\n\n{actions}\n"


def ctx_of(actions: str, *, as_of: datetime = AFTER, path: str = PATH, **kwargs: Any) -> Context:
    file = postmortem(path, document(actions), landed=T0 + timedelta(days=1))
    return context(postmortems=[file], as_of=as_of, **kwargs)


def overdue_of(actions: str, **kwargs: Any) -> Result:
    return only(RULE, ctx_of(actions, **kwargs))


def pr(number: int, *, merged: datetime | None, closed: datetime | None = None) -> Any:
    return replace(
        issue(number, closed=closed or merged),
        html_url=f"https://github.com/{REPO}/pull/{number}",
        is_pull_request=True,
        merged_at=merged,
    )


@pytest.mark.rule("action_item.overdue", "pass")
def test_a_checked_item_is_done() -> None:
    result = overdue_of(f"- [x] Add an alert — @pat, due {DUE}")
    assert result.status == "pass"
    assert result.message == f"Done (checked); it was due {DUE}."
    assert result.subject.kind == "action_item"
    assert result.subject.key == f"{PATH}#1"
    assert result.subject.title == "Add an alert — @pat, due 2026-11-10"
    assert result.subject.url is not None and result.subject.url.endswith(f"{PATH}#L9")


@pytest.mark.rule("action_item.overdue", "pass")
def test_a_status_of_done_closed_or_complete_is_done() -> None:
    rows = "\n".join(f"| Task {s} | @pat | {DUE} | {s} |" for s in ("done", "Closed", "complete"))
    table = f"| Action | Owner | Due | Status |\n|---|---|---|---|\n{rows}"
    results = run(RULE, ctx_of(table))
    assert [r.status for r in results] == ["pass", "pass", "pass"]
    assert results[1].message == f"Done (Status closed); it was due {DUE}."


@pytest.mark.rule("action_item.overdue", "violation")
def test_an_item_not_done_after_its_due_day_is_overdue() -> None:
    result = overdue_of(f"- [ ] Add an alert — @pat, due {DUE}")
    assert result.status == "violation"
    assert result.message == f"Due {DUE} and not done."
    assert result.deadline == END_UTC
    assert [e.ref for e in result.evidence] == [f"{PATH}#L9"]


@pytest.mark.rule("action_item.overdue", "edge")
def test_the_due_day_ends_at_its_last_microsecond_in_utc() -> None:
    item = f"- [ ] Add an alert — @pat, due {DUE}"
    assert overdue_of(item, as_of=END_UTC - timedelta(microseconds=1)).status == "pending"
    assert overdue_of(item, as_of=END_UTC).status == "violation"


@pytest.mark.rule("action_item.overdue", "edge")
def test_the_due_day_ends_in_the_policy_timezone() -> None:
    item = f"- [ ] Add an alert — @pat, due {DUE}"
    berlin = {"timezone": "Europe/Berlin"}
    before = overdue_of(item, as_of=END_BERLIN - timedelta(microseconds=1), policy=berlin)
    assert before.status == "pending"
    assert before.deadline == END_BERLIN
    assert overdue_of(item, as_of=END_BERLIN, policy=berlin).status == "violation"


@pytest.mark.rule("action_item.overdue", "other")
def test_an_item_due_later_and_not_done_is_pending() -> None:
    result = overdue_of(f"- [ ] Add an alert — @pat, due {DUE}", as_of=BEFORE)
    assert result.status == "pending"
    assert result.message == f"Due {DUE}, not done yet."
    linked = overdue_of(f"- [ ] Add an alert @pat due {DUE} #12", as_of=BEFORE, issues=[issue(12)])
    assert linked.message == f"Due {DUE}, not done yet ({REPO}#12 still open)."


@pytest.mark.rule("action_item.overdue", "other")
def test_unknown_when_the_policy_has_no_timezone_unless_done() -> None:
    policy = {"timezone": None}
    result = overdue_of(f"- [ ] Add an alert @pat due {DUE}", policy=policy)
    assert result.status == "unknown"
    assert "timezone" in result.message
    assert overdue_of(f"- [x] Add an alert @pat due {DUE}", policy=policy).status == "pass"


@pytest.mark.rule("action_item.overdue", "other")
def test_every_linked_issue_must_be_closed() -> None:
    item = f"- [ ] Add an alert @pat due {DUE} (#12, acme/platform#7)"
    one_open = [issue(12, closed=at(60)), issue(7, repo="acme/platform")]
    result = overdue_of(item, issues=one_open)
    assert result.status == "violation"
    assert result.message == f"Due {DUE} and not done (acme/platform#7 still open)."
    assert [(e.ref, e.url) for e in result.evidence[1:]] == [
        (f"{REPO}#12", f"https://github.com/{REPO}/issues/12"),
        ("acme/platform#7", "https://github.com/acme/platform/issues/7"),
    ]
    both = [issue(12, closed=at(60)), issue(7, repo="acme/platform", closed=at(90))]
    done = overdue_of(item, issues=both)
    assert done.status == "pass"
    assert done.message == f"Done: all 2 linked issues are closed; it was due {DUE}."


@pytest.mark.rule("action_item.overdue", "other")
def test_a_linked_pull_request_counts_when_merged_or_closed() -> None:
    item = f"- [ ] Add an alert @pat due {DUE} https://github.com/{REPO}/pull/40"
    assert overdue_of(item, issues=[pr(40, merged=at(60))]).status == "pass"
    assert overdue_of(item, issues=[pr(40, merged=None, closed=at(60))]).status == "pass"
    assert overdue_of(item, issues=[pr(40, merged=None)]).status == "violation"


@pytest.mark.rule("action_item.overdue", "other")
def test_an_issue_closed_after_as_of_is_still_open() -> None:
    item = f"- [ ] Add an alert @pat due {DUE} #12"
    late = issue(12, closed=AFTER + timedelta(days=1))
    assert overdue_of(item, issues=[late]).status == "violation"


@pytest.mark.rule("action_item.overdue", "other")
def test_an_unreadable_linked_issue_makes_it_unknown_unless_checked() -> None:
    result = overdue_of(f"- [ ] Add an alert @pat due {DUE} #12", issues=[])
    assert result.status == "unknown"
    assert result.message == f"Cannot tell whether it is done: {REPO}#12 could not be read."
    assert overdue_of(f"- [x] Add an alert @pat due {DUE} #12", issues=[]).status == "pass"


@pytest.mark.rule("action_item.overdue", "other")
def test_unknown_when_the_github_sync_failed() -> None:
    result = overdue_of(f"- [ ] Add an alert @pat due {DUE}", failed=["github"])
    assert result.status == "unknown"


@pytest.mark.rule("action_item.overdue", "other")
def test_items_without_a_due_date_give_no_result_but_keep_their_number() -> None:
    items = (
        f"- [ ] No date yet @pat\n- [ ] Bad date @pat due 2026-02-30\n- [ ] Dated @pat due {DUE}"
    )
    results = run(RULE, ctx_of(items))
    assert [r.subject.key for r in results] == [f"{PATH}#3"]


@pytest.mark.rule("action_item.overdue", "other")
def test_items_of_post_mortems_outside_the_audit_window_are_judged() -> None:
    old = "docs/incidents/2025-01-06-old-outage.md"
    file = postmortem(old, document("- [ ] Rotate keys @pat due 2025-02-01"), landed=at(-600_000))
    result = only(RULE, context(postmortems=[file], as_of=AFTER))
    assert result.status == "violation"
    assert result.subject.key == f"{old}#1"


@pytest.mark.rule("action_item.overdue", "other")
def test_a_long_item_text_is_shortened_for_the_title() -> None:
    result = overdue_of(f"- [ ] {'word ' * 40}@pat due {DUE}")
    assert result.subject.title is not None
    assert len(result.subject.title) == 80 and result.subject.title.endswith("…")


@pytest.mark.rule("action_item.overdue", "other")
def test_no_results_without_action_items_in_the_policy() -> None:
    policy = {"postmortem": {"sections": {"Action items": None}}}
    assert run(RULE, ctx_of(f"- [ ] Add an alert @pat due {DUE}", policy=policy)) == []


@given(st.text(max_size=200))
@settings(max_examples=40, deadline=None)
def test_any_item_text_gives_results_not_errors(text: str) -> None:
    for result in run(
        RULE, ctx_of(f"- {text} due {DUE}\n| a | Due |\n|---|---|\n| {text} | {DUE} |")
    ):
        assert result.status in ("pass", "violation", "pending", "unknown")
