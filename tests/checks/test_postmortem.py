"""postmortem.missing and postmortem.late: a Sev1/Sev2 post-mortem within 5 business days.

The incident is resolved at ``at(60)``, Monday 2026-11-02 11:00 UTC, so with the default
policy the post-mortem is due by the end of Monday 2026-11-09 (23:59:59.999999 UTC).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from check_builders import (
    PD_WEB,
    WINDOW,
    at,
    context,
    incident,
    only,
    postmortem,
    run,
)
from opsaudit.records import MERGED
from opsaudit.snapshot import PostMortemFile

DUE = datetime(2026, 11, 9, 23, 59, 59, 999999, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
PATH = "docs/incidents/2026-11-02-checkout-5xx.md"


def pm_text(link: str = "incident: 1234") -> str:
    return f"---\n{link}\n---\n# Checkout 5xx\n\n## Timeline\n\n- 10:00 UTC paged\n"


def pm(
    landed: datetime, *, path: str = PATH, link: str = "incident: 1234", commit: str = "a" * 40
) -> PostMortemFile:
    return postmortem(path, pm_text(link), landed=landed, commit=commit)


# ------------------------------------------------------------------ postmortem.missing


@pytest.mark.rule("postmortem.missing", "pass")
def test_missing_passes_with_a_linked_postmortem() -> None:
    ctx = context(incidents=[incident(resolved=60)], postmortems=[pm(at(60 * 24))])
    result = only("postmortem.missing", ctx)
    assert result.status == "pass"
    assert PATH in result.message
    assert result.deadline == DUE
    assert result.observed == at(60 * 24)
    assert result.evidence[0].ref == PATH


@pytest.mark.rule("postmortem.missing", "violation")
def test_missing_is_a_violation_once_the_due_time_has_passed() -> None:
    ctx = context(incidents=[incident(resolved=60)], as_of=DUE + timedelta(days=1))
    result = only("postmortem.missing", ctx)
    assert result.status == "violation"
    assert result.deadline == DUE
    assert result.observed is None
    assert "2026-11-09 23:59 UTC" in result.message
    assert result.evidence[0].source == "pagerduty"


@pytest.mark.rule("postmortem.missing", "edge")
def test_missing_at_the_due_time_itself() -> None:
    incidents = [incident(resolved=60)]
    landed_at_due = context(incidents=incidents, postmortems=[pm(DUE)], as_of=DUE)
    assert only("postmortem.missing", landed_at_due).status == "pass"
    assert only("postmortem.missing", context(incidents=incidents, as_of=DUE)).status == (
        "violation"
    )
    before = context(incidents=incidents, as_of=DUE - MINUTE)
    assert only("postmortem.missing", before).status == "pending"


@pytest.mark.rule("postmortem.missing", "other")
def test_missing_is_pending_before_the_due_time_and_a_later_file_is_not_seen() -> None:
    # The file lands on Tuesday, after the as-of time: the snapshot (read at as-of) does
    # not hold it, so the context is built without it.
    ctx = context(incidents=[incident(resolved=60)], as_of=at(60 * 20))
    result = only("postmortem.missing", ctx)
    assert result.status == "pending"
    assert result.deadline == DUE


@pytest.mark.rule("postmortem.missing", "edge")
def test_missing_resolved_on_a_friday_is_due_the_next_friday() -> None:
    friday = 4 * 24 * 60 + 60  # Friday 2026-11-06 11:00 UTC
    due = datetime(2026, 11, 13, 23, 59, 59, 999999, tzinfo=UTC)
    incidents = [incident(created=at(4 * 24 * 60), resolved=friday)]
    assert only("postmortem.missing", context(incidents=incidents, as_of=due)).status == (
        "violation"
    )
    result = only("postmortem.missing", context(incidents=incidents, as_of=due - MINUTE))
    assert (result.status, result.deadline) == ("pending", due)


@pytest.mark.rule("postmortem.missing", "edge")
def test_missing_skips_a_holiday_from_the_policy() -> None:
    policy = {"holidays": {"dates": ["2026-11-04"]}}
    due = DUE + timedelta(days=1)  # Tuesday 2026-11-10: Wednesday 4th is not counted
    ctx = context(incidents=[incident(resolved=60)], policy=policy, as_of=DUE)
    result = only("postmortem.missing", ctx)
    assert (result.status, result.deadline) == ("pending", due)
    later = context(incidents=[incident(resolved=60)], policy=policy, as_of=due)
    assert only("postmortem.missing", later).status == "violation"


@pytest.mark.rule("postmortem.missing", "other")
@pytest.mark.parametrize(
    ("link", "body"),
    [
        ("incident: 1234", ""),
        ("incident: '#1234'", ""),
        ("incident: QINC0001", ""),
        (f"incident: {PD_WEB}/incidents/QINC0001", ""),
        ("incident: [999, 1234]", ""),
        ("title: x", f"See {PD_WEB}/incidents/QINC0001 for the log."),
        ("title: x", "War room: #incident-1234."),
    ],
)
def test_missing_links_by_front_matter_url_or_mention(link: str, body: str) -> None:
    text = f"---\n{link}\n---\n# Checkout 5xx\n\n{body}\n"
    file = postmortem(PATH, text, landed=at(60 * 24))
    ctx = context(incidents=[incident(resolved=60)], postmortems=[file])
    assert only("postmortem.missing", ctx).status == "pass"


@pytest.mark.rule("postmortem.missing", "other")
def test_missing_counts_a_postmortem_that_landed_after_the_window() -> None:
    landed = WINDOW.until + timedelta(days=2)
    ctx = context(incidents=[incident(resolved=60)], postmortems=[pm(landed)], as_of=landed)
    assert only("postmortem.missing", ctx).status == "pass"


@pytest.mark.rule("postmortem.missing", "other")
def test_missing_ignores_other_severities_open_merged_and_excluded_incidents() -> None:
    incidents = [
        incident(id="QSEV3", number=1, priority="P3", resolved=60),
        incident(id="QOPEN", number=2),
        incident(id="QMERGED", number=3, resolved=60, resolve_reason=MERGED),
        incident(id="QDRILL", number=4, resolved=60, title="[DRILL] checkout"),
        incident(id="QSEV2", number=5, priority="P2", resolved=60),
    ]
    results = run("postmortem.missing", context(incidents=incidents))
    assert [r.subject.key for r in results] == ["QSEV2"]


@pytest.mark.rule("postmortem.missing", "other")
def test_missing_is_unknown_when_github_failed_or_the_policy_lacks_the_days() -> None:
    failed = context(incidents=[incident(resolved=60)], failed=["github"])
    assert only("postmortem.missing", failed).status == "unknown"
    removed = context(
        incidents=[incident(resolved=60)], policy={"postmortem": {"due_business_days": None}}
    )
    result = only("postmortem.missing", removed)
    assert result.status == "unknown"
    assert "postmortem.due_business_days" in result.message


# --------------------------------------------------------------------- postmortem.late


@pytest.mark.rule("postmortem.late", "pass")
def test_late_passes_when_it_landed_in_time() -> None:
    ctx = context(incidents=[incident(resolved=60)], postmortems=[pm(at(60 * 24 * 3))])
    result = only("postmortem.late", ctx)
    assert result.status == "pass"
    assert (result.deadline, result.observed) == (DUE, at(60 * 24 * 3))


@pytest.mark.rule("postmortem.late", "violation")
def test_late_is_a_violation_when_it_landed_after_the_due_time() -> None:
    landed = DUE + timedelta(days=2)
    ctx = context(incidents=[incident(resolved=60)], postmortems=[pm(landed, commit="b" * 40)])
    result = only("postmortem.late", ctx)
    assert result.status == "violation"
    assert (result.deadline, result.observed) == (DUE, landed)
    assert "2 d 0 h after" in result.message
    refs = [e.ref for e in result.evidence]
    assert refs == [PATH, "b" * 40]
    assert result.evidence[1].url == f"https://github.com/acme/ops-docs/commit/{'b' * 40}"


@pytest.mark.rule("postmortem.late", "edge")
def test_late_at_the_end_of_the_fifth_business_day() -> None:
    on_time = context(incidents=[incident(resolved=60)], postmortems=[pm(DUE)])
    assert only("postmortem.late", on_time).status == "pass"
    late = context(incidents=[incident(resolved=60)], postmortems=[pm(DUE + MINUTE)])
    result = only("postmortem.late", late)
    assert result.status == "violation"
    assert "1 min after" in result.message


@pytest.mark.rule("postmortem.late", "edge")
def test_late_resolved_on_a_friday_with_a_holiday() -> None:
    friday = 4 * 24 * 60 + 60  # Friday 2026-11-06 11:00 UTC
    policy = {"holidays": {"dates": ["2026-11-11"]}}
    due = datetime(2026, 11, 16, 23, 59, 59, 999999, tzinfo=UTC)  # Mon: Wed 11th skipped
    incidents = [incident(created=at(4 * 24 * 60), resolved=friday)]
    on_time = context(incidents=incidents, postmortems=[pm(due)], policy=policy)
    assert (only("postmortem.late", on_time).status, only("postmortem.late", on_time).deadline) == (
        "pass",
        due,
    )
    late = context(incidents=incidents, postmortems=[pm(due + MINUTE)], policy=policy)
    assert only("postmortem.late", late).status == "violation"


@pytest.mark.rule("postmortem.late", "other")
def test_late_uses_the_earliest_of_two_postmortems() -> None:
    early = pm(at(60 * 24), path="docs/incidents/2026-11-02-checkout.md", commit="1" * 40)
    late = pm(DUE + timedelta(days=3), commit="2" * 40)
    ctx = context(incidents=[incident(resolved=60)], postmortems=[late, early])
    result = only("postmortem.late", ctx)
    assert result.status == "pass"
    assert result.observed == at(60 * 24)
    assert result.evidence[0].ref == "docs/incidents/2026-11-02-checkout.md"
    missing = only("postmortem.missing", ctx)
    assert (missing.status, len(missing.evidence)) == ("pass", 2)


@pytest.mark.rule("postmortem.late", "other")
def test_late_gives_no_result_without_a_linked_postmortem() -> None:
    other = pm(at(60), link="incident: 999")
    ctx = context(incidents=[incident(resolved=60)], postmortems=[other])
    assert run("postmortem.late", ctx) == []


@pytest.mark.rule("postmortem.late", "other")
def test_late_is_unknown_when_github_failed() -> None:
    ctx = context(
        incidents=[incident(resolved=60)], postmortems=[pm(DUE + MINUTE)], failed=["github"]
    )
    result = only("postmortem.late", ctx)
    assert (result.status, result.evidence) == ("unknown", ())
