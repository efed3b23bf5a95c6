"""incident.severity and response.ack (rules.md: "Severity", the incident checks table)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from check_builders import at, context, evaluate_all, event, incident, only, run
from opsaudit.records import MERGED, Incident, IncidentEvent

FRIDAY_EVENING = datetime(2026, 11, 6, 18, 0, tzinfo=UTC)
MONDAY_END = datetime(2026, 11, 9, 23, 59, 59, 999999, tzinfo=UTC)
MY_RULES = ("incident.severity", "response.ack", "escalation.secondary", "escalation.leadership")


def ack_at(moment: datetime) -> IncidentEvent:
    """An acknowledgement at an exact instant (``event`` takes minutes after T0)."""
    return replace(event("acknowledge", 0), created_at=moment)


# ---------------------------------------------------------------- incident.severity


@pytest.mark.rule("incident.severity", "pass")
def test_p1_maps_to_sev1() -> None:
    result = only("incident.severity", context(incidents=[incident(priority="P1")]))
    assert (result.status, result.severity) == ("pass", "Sev1")
    assert result.message == "Priority P1 maps to Sev1"


@pytest.mark.rule("incident.severity", "violation")
def test_no_priority_is_a_violation() -> None:
    result = only("incident.severity", context(incidents=[incident(priority=None)]))
    assert result.status == "violation"
    assert "No priority" in result.message


@pytest.mark.rule("incident.severity", "violation")
def test_unmapped_priority_is_named_and_gets_no_other_result() -> None:
    ctx = context(incidents=[incident(priority="Urgent")], events=[event("acknowledge", 50)])
    results = evaluate_all(ctx)  # the whole catalogue
    assert [(r.rule, r.status) for r in results] == [("incident.severity", "violation")]
    assert "'Urgent'" in results[0].message


@pytest.mark.rule("incident.severity", "edge")
@pytest.mark.parametrize(
    ("name", "expected"),
    [("SEV-2", "Sev2"), ("sev 2", "Sev2"), ("Sev2", "Sev2"), ("sev4", "Sev4"), ("Sev5", None)],
)
def test_sev_names_map_up_to_sev4(name: str, expected: str | None) -> None:
    result = only("incident.severity", context(incidents=[incident(priority=name)]))
    assert result.severity == expected
    assert result.status == ("pass" if expected else "violation")


@pytest.mark.rule("incident.severity", "other")
def test_custom_severity_map_adds_to_the_defaults() -> None:
    ctx = context(
        incidents=[incident(priority="Critical"), incident(id="QINC0002", number=2, priority="P2")],
        policy={"severity_map": {"Critical": "Sev1"}},
    )
    assert [(r.status, r.severity) for r in run("incident.severity", ctx)] == [
        ("pass", "Sev1"),
        ("pass", "Sev2"),
    ]


@pytest.mark.rule("incident.severity", "other")
@pytest.mark.parametrize(
    "audited_out",
    [
        incident(title="[DRILL] Checkout 5xx", priority=None),
        incident(resolve_reason=MERGED, resolved=5, priority=None),
    ],
)
def test_drills_and_merged_incidents_give_nothing(audited_out: Incident) -> None:
    ctx = context(incidents=[audited_out], events=[event("resolve", 5)])
    assert [r for rule in MY_RULES for r in run(rule, ctx)] == []


# ------------------------------------------------------------------------ response.ack


@pytest.mark.rule("response.ack", "pass")
def test_acknowledged_in_time() -> None:
    ack = event("acknowledge", 4)
    result = only("response.ack", context(incidents=[incident()], events=[ack]))
    assert result.status == "pass"
    assert result.message == "Acknowledged 4 min after trigger (limit 15 min)"
    assert (result.deadline, result.observed) == (at(15), at(4))
    assert [e.ref for e in result.evidence] == [ack.id]


@pytest.mark.rule("response.ack", "violation")
def test_acknowledged_late() -> None:
    ctx = context(incidents=[incident(priority="P2")], events=[event("acknowledge", 45)])
    result = only("response.ack", ctx)
    assert result.status == "violation"
    assert result.message == "Acknowledged 45 min after trigger (limit 30 min)"
    assert result.observed == at(45)


@pytest.mark.rule("response.ack", "violation")
def test_never_acknowledged() -> None:
    result = only("response.ack", context(incidents=[incident()], as_of=at(120)))
    assert (result.status, result.observed, result.deadline) == ("violation", None, at(15))


@pytest.mark.rule("response.ack", "edge")
@pytest.mark.parametrize(("priority", "limit"), [("P1", 15), ("P2", 30), ("P3", 240)])
def test_ack_exactly_at_the_limit_passes_one_minute_over_fails(priority: str, limit: int) -> None:
    def status(minute: int) -> str:
        ctx = context(
            incidents=[incident(priority=priority)], events=[event("acknowledge", minute)]
        )
        return only("response.ack", ctx).status

    assert status(limit) == "pass"
    assert status(limit + 1) == "violation"


@pytest.mark.rule("response.ack", "pass")
def test_resolve_counts_as_acknowledgement() -> None:
    ctx = context(incidents=[incident(resolved=10)], events=[event("resolve", 10)])
    result = only("response.ack", ctx)
    assert result.status == "pass"
    assert result.message.startswith("Resolved 10 min")


@pytest.mark.rule("response.ack", "other")
def test_the_first_acknowledgement_counts() -> None:
    events = [event("acknowledge", 5), event("unacknowledge", 8), event("acknowledge", 40)]
    result = only("response.ack", context(incidents=[incident()], events=events))
    assert (result.status, result.observed) == ("pass", at(5))


@pytest.mark.rule("response.ack", "other")
def test_pending_before_the_deadline() -> None:
    result = only("response.ack", context(incidents=[incident()], as_of=at(10)))
    assert (result.status, result.deadline) == ("pending", at(15))


@pytest.mark.rule("response.ack", "edge")
def test_sev4_next_business_day_skips_the_weekend() -> None:
    def status(ack: datetime) -> str:
        sev4 = incident(priority="P5", created=FRIDAY_EVENING)
        return only("response.ack", context(incidents=[sev4], events=[ack_at(ack)])).status

    assert status(MONDAY_END) == "pass"
    assert status(MONDAY_END + timedelta(minutes=1)) == "violation"


@pytest.mark.rule("response.ack", "other")
def test_sev4_deadline_moves_past_a_policy_holiday() -> None:
    tuesday_noon = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)

    def result(policy: dict[str, object] | None) -> tuple[str, datetime | None]:
        sev4 = incident(priority="P4", created=FRIDAY_EVENING)
        ctx = context(incidents=[sev4], events=[ack_at(tuesday_noon)], policy=policy)
        found = only("response.ack", ctx)
        return found.status, found.deadline

    assert result(None) == ("violation", MONDAY_END)
    assert result({"holidays": {"dates": ["2026-11-09"]}}) == (
        "pass",
        MONDAY_END + timedelta(days=1),
    )


@pytest.mark.rule("response.ack", "other")
def test_response_time_removed_from_policy_is_unknown() -> None:
    ctx = context(incidents=[incident()], policy={"response": {"Sev1": None}})
    result = only("response.ack", ctx)
    assert result.status == "unknown"
    assert "response.Sev1" in result.message


@pytest.mark.rule("response.ack", "other")
def test_failed_pagerduty_source_is_unknown() -> None:
    ctx = context(incidents=[incident()], events=[event("acknowledge", 40)], failed=("pagerduty",))
    assert {r.status for rule in MY_RULES for r in run(rule, ctx)} == {"unknown"}


@pytest.mark.rule("response.ack", "other")
def test_no_ack_result_without_severity() -> None:
    ctx = context(incidents=[incident(priority=None)], events=[event("acknowledge", 4)])
    assert run("response.ack", ctx) == []
