"""comms.initial, comms.template and comms.next_update: summary posts in #incidents.

The incident (number 1234, PagerDuty id QINC0001) triggers at ``at(0)``, Monday
2026-11-02 10:00 UTC. ``summary_text()`` is a complete post in the runbook's template
naming ``<#CROOM|incident-1234>`` and promising the next update by 10:35 UTC.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from check_builders import (
    INCIDENTS_CHANNEL,
    PD_WEB,
    SLACK_BASE,
    at,
    channel,
    context,
    incident,
    only,
    post,
    run,
    summary_text,
    ts_of,
)
from opsaudit.checks.context import Context
from opsaudit.records import IncidentsPost

ROOM_ID = "CROOM1234"


def post_at(text: str, moment: datetime) -> IncidentsPost:
    """A post at an exact instant (Slack's fractional seconds included)."""
    ts = ts_of(moment)
    return IncidentsPost(
        channel_id=INCIDENTS_CHANNEL,
        ts=ts,
        posted_at=moment,
        text=text,
        permalink=f"{SLACK_BASE}/archives/{INCIDENTS_CHANNEL}/p{ts.replace('.', '')}",
    )


def sev(
    level: int = 1, *, resolved: float | None = None, posts: list[IncidentsPost], **kw: Any
) -> Context:
    """A context with incident 1234 at severity ``level`` and its war room."""
    made = incident(priority=f"P{level}", resolved=resolved)
    rooms = [channel("incident-1234", created=2, id=ROOM_ID)]
    return context(incidents=[made], channels=rooms, posts=posts, **kw)


# --------------------------------------------------------------------- comms.initial


@pytest.mark.rule("comms.initial", "pass")
def test_initial_passes_with_a_summary_post_within_15_min() -> None:
    first = post(summary_text(), 10)
    result = only("comms.initial", sev(posts=[first, post(summary_text(), 30)]))
    assert result.status == "pass"
    assert result.observed == at(10)
    assert result.deadline == at(15)
    assert "10 min after the trigger (limit 15 min)" in result.message
    assert result.evidence[0].ref == f"{INCIDENTS_CHANNEL}/{first.ts}"
    assert result.evidence[0].url == first.permalink


@pytest.mark.rule("comms.initial", "violation")
def test_initial_late_post_is_a_violation() -> None:
    result = only("comms.initial", sev(posts=[post(summary_text(), 22)]))
    assert result.status == "violation"
    assert result.observed == at(22)
    assert "22 min after the trigger (limit 15 min)" in result.message


@pytest.mark.rule("comms.initial", "edge")
def test_initial_exactly_at_15_min_passes_and_at_16_fails() -> None:
    assert only("comms.initial", sev(posts=[post(summary_text(), 15)])).status == "pass"
    assert only("comms.initial", sev(posts=[post(summary_text(), 16)])).status == "violation"


@pytest.mark.rule("comms.initial", "edge")
def test_initial_a_microsecond_late_is_late() -> None:
    late = post_at(summary_text(), at(15) + timedelta(microseconds=1))
    result = only("comms.initial", sev(posts=[late]))
    assert result.status == "violation"
    assert "10:15:00.000001 UTC" in result.message


@pytest.mark.rule("comms.initial", "violation")
def test_initial_none_by_the_deadline_is_a_violation_and_before_it_pending() -> None:
    missed = only("comms.initial", sev(posts=[], as_of=at(15)))
    assert missed.status == "violation"
    assert missed.observed is None
    waiting = only("comms.initial", sev(posts=[], as_of=at(14)))
    assert waiting.status == "pending"
    assert waiting.deadline == at(15)


@pytest.mark.rule("comms.initial", "other")
def test_initial_counts_any_summary_post_whatever_its_status_or_gaps() -> None:
    sloppy = post("*Incident summary*\nStatus: fixing\nsee incident-1234", 5)
    assert only("comms.initial", sev(posts=[sloppy])).status == "pass"


@pytest.mark.rule("comms.initial", "other")
@pytest.mark.parametrize(
    "naming",
    [
        "<#CROOM1234|incident-1234>",
        "<#CROOM1234>",
        "#incident-1234",
        "incident-1234",
        "QINC0001",
        f"{PD_WEB}/incidents/QINC0001",
    ],
)
def test_a_post_belongs_by_room_mention_name_id_or_url(naming: str) -> None:
    text = f"*Incident summary*\nWhat: checkout down ({naming})"
    assert only("comms.initial", sev(posts=[post(text, 5)])).status == "pass"


@pytest.mark.rule("comms.initial", "other")
def test_posts_naming_another_incident_or_chatting_do_not_count() -> None:
    other = post(summary_text(room="incident-12345"), 5)
    chatty = post("Incident summary: checkout is down, see incident-1234", 6)
    result = only("comms.initial", sev(posts=[other, chatty]))
    assert result.status == "violation"


@pytest.mark.rule("comms.initial", "other")
def test_initial_applies_to_sev1_only_and_is_unknown_when_slack_failed() -> None:
    assert run("comms.initial", sev(2, posts=[])) == []
    failed = only("comms.initial", sev(posts=[post(summary_text(), 5)], failed=["slack"]))
    assert failed.status == "unknown"


# -------------------------------------------------------------------- comms.template


@pytest.mark.rule("comms.template", "pass")
def test_template_passes_when_every_post_is_complete() -> None:
    posts = [post(summary_text(), 5), post(summary_text(status="resolved", next_by=None), 40)]
    result = only("comms.template", sev(resolved=40, posts=posts))
    assert result.status == "pass"
    assert result.message == "All 2 summary posts follow the template."
    assert len(result.evidence) == 2


@pytest.mark.rule("comms.template", "violation")
def test_template_violation_names_the_post_time_and_its_problems() -> None:
    broken = summary_text(status="fixing").replace("Brand(s): shop\n", "")
    posts = [post(summary_text(), 5), post(broken, 35), post(broken, 50)]
    result = only("comms.template", sev(2, posts=posts))
    assert result.status == "violation"
    assert "2 of 3 summary posts break the template" in result.message
    assert "10:35 UTC" in result.message
    assert "Status 'fixing'" in result.message and "Brand(s) missing" in result.message
    assert [e.ref for e in result.evidence] == [
        f"{INCIDENTS_CHANNEL}/{posts[1].ts}",
        f"{INCIDENTS_CHANNEL}/{posts[2].ts}",
    ]
    assert result.observed == at(35)


@pytest.mark.rule("comms.template", "edge")
def test_template_next_update_is_needed_until_resolved_and_must_say_utc() -> None:
    resolved = summary_text(status="resolved", next_by=None)
    assert only("comms.template", sev(posts=[post(resolved, 5)])).status == "pass"
    unpromised = summary_text(next_by=None)
    failing = only("comms.template", sev(posts=[post(unpromised, 5)]))
    assert failing.status == "violation"
    assert "Next update by missing" in failing.message
    zoneless = summary_text(next_by="10:35")
    assert only("comms.template", sev(posts=[post(zoneless, 5)])).status == "violation"


@pytest.mark.rule("comms.template", "violation")
def test_template_resolved_with_no_summary_post_is_a_violation() -> None:
    result = only("comms.template", sev(2, resolved=50, posts=[]))
    assert result.status == "violation"
    assert "no summary post" in result.message
    assert result.evidence[0].source == "pagerduty"


@pytest.mark.rule("comms.template", "other")
def test_template_open_with_no_summary_post_is_pending() -> None:
    assert only("comms.template", sev(2, posts=[])).status == "pending"


@pytest.mark.rule("comms.template", "other")
def test_template_applies_to_sev1_and_sev2_only() -> None:
    assert run("comms.template", sev(3, resolved=50, posts=[])) == []
    assert only("comms.template", sev(1, resolved=50, posts=[])).status == "violation"


# ----------------------------------------------------------------- comms.next_update


def promising(at_minutes: float, by: str | None, *, status: str = "investigating") -> IncidentsPost:
    return post(summary_text(status=status, next_by=by), at_minutes)


@pytest.mark.rule("comms.next_update", "pass")
def test_next_update_kept_then_resolved_passes() -> None:
    posts = [promising(5, "10:35 UTC"), promising(30, None, status="resolved")]
    result = only("comms.next_update", sev(resolved=30, posts=posts))
    assert result.status == "pass"
    assert "1 next-update promise kept; the last, by 10:35 UTC, by the post of 10:30 UTC" in (
        result.message
    )


@pytest.mark.rule("comms.next_update", "violation")
def test_next_update_broken_names_the_promise_and_the_late_post() -> None:
    posts = [promising(5, "10:35 UTC"), promising(52, "11:20 UTC")]
    result = only("comms.next_update", sev(2, posts=posts, as_of=at(60)))
    assert result.status == "violation"
    assert result.deadline == at(35)
    assert result.observed == at(52)
    assert "promised by 10:35 UTC" in result.message and "came at 10:52 UTC" in result.message
    assert [e.ref for e in result.evidence] == [f"{INCIDENTS_CHANNEL}/{posts[0].ts}"]


@pytest.mark.rule("comms.next_update", "edge")
def test_next_update_exactly_at_the_promise_passes_and_a_minute_later_fails() -> None:
    kept = [promising(5, "10:35 UTC"), promising(35, None, status="resolved")]
    assert only("comms.next_update", sev(posts=kept)).status == "pass"
    late = [promising(5, "10:35 UTC"), promising(36, None, status="resolved")]
    assert only("comms.next_update", sev(posts=late)).status == "violation"


@pytest.mark.rule("comms.next_update", "edge")
def test_next_update_a_microsecond_after_the_promise_is_late() -> None:
    resolved = summary_text(status="resolved", next_by=None)
    late = [promising(5, "10:35 UTC"), post_at(resolved, at(35) + timedelta(microseconds=1))]
    assert only("comms.next_update", sev(posts=late)).status == "violation"


@pytest.mark.rule("comms.next_update", "other")
def test_next_update_none_came_is_a_violation_at_the_promise_and_pending_before() -> None:
    posts = [promising(5, "10:35 UTC")]
    missed = only("comms.next_update", sev(posts=posts, as_of=at(35)))
    assert missed.status == "violation"
    assert missed.observed is None
    assert "no post came" in missed.message
    waiting = only("comms.next_update", sev(posts=posts, as_of=at(34)))
    assert waiting.status == "pending"
    assert waiting.deadline == at(35)


@pytest.mark.rule("comms.next_update", "other")
def test_next_update_an_earlier_broken_promise_outweighs_a_pending_one() -> None:
    posts = [promising(5, "10:35 UTC"), promising(40, "11:10 UTC")]
    assert only("comms.next_update", sev(posts=posts, as_of=at(45))).status == "violation"


@pytest.mark.rule("comms.next_update", "other")
def test_next_update_without_a_zone_is_read_as_utc() -> None:
    posts = [promising(5, "10:35"), promising(36, None, status="resolved")]
    assert only("comms.next_update", sev(posts=posts)).status == "violation"


@pytest.mark.rule("comms.next_update", "other")
def test_a_resolved_post_promises_nothing() -> None:
    # "resolved" with a stray Next update by line: no later post is owed
    posts = [promising(5, "10:35 UTC", status="resolved")]
    result = only("comms.next_update", sev(resolved=5, posts=posts))
    assert result.status == "pass"
    assert result.message == "No summary post promised a next update."


@pytest.mark.rule("comms.next_update", "other")
def test_next_update_needs_a_summary_post_and_slack() -> None:
    assert run("comms.next_update", sev(posts=[])) == []
    failed = sev(posts=[promising(5, "10:35 UTC")], failed=["slack"])
    assert only("comms.next_update", failed).status == "unknown"
