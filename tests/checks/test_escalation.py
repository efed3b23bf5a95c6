"""escalation.secondary and escalation.leadership (rules.md: "Escalation to a further
responder", "Reached", the settled edge cases on assignments)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from check_builders import CTO, OWNER, PRIMARY, SECONDARY, at, context, event, incident, only, run
from opsaudit.checks.context import Context
from opsaudit.config import Person
from opsaudit.records import Incident, IncidentEvent, ResponderRequest

SECONDARY_RULE = "escalation.secondary"
LEADERSHIP = "escalation.leadership"


def primary_paged() -> IncidentEvent:
    """The primary's assignment, logged at the trigger."""
    return event("assign", 0, users=[PRIMARY.id])


def request(minute: float, *users: str) -> ResponderRequest:
    return ResponderRequest(requested_at=at(minute), requester_id=PRIMARY.id, user_ids=users)


def audit(*events: IncidentEvent, inc: Incident | None = None, **options: Any) -> Context:
    return context(incidents=[inc or incident()], events=[primary_paged(), *events], **options)


# ---------------------------------------------------------------- escalation.secondary


@pytest.mark.rule("escalation.secondary", "pass")
def test_escalated_to_the_secondary_in_time() -> None:
    escalate = event("escalate", 12, users=[SECONDARY.id])
    result = only(SECONDARY_RULE, audit(escalate))
    assert result.status == "pass"
    assert result.message == "Escalated to Sam Second 12 min after trigger (limit 30 min)"
    assert (result.deadline, result.observed) == (at(30), at(12))
    assert [e.ref for e in result.evidence] == [escalate.id]


@pytest.mark.rule("escalation.secondary", "pass")
def test_resolved_before_escalating_was_needed() -> None:
    result = only(SECONDARY_RULE, audit(event("resolve", 20), inc=incident(resolved=20)))
    assert (result.status, result.observed) == ("pass", at(20))
    assert result.message.startswith("Resolved 20 min")


@pytest.mark.rule("escalation.secondary", "violation")
def test_neither_escalated_nor_resolved() -> None:
    result = only(SECONDARY_RULE, audit(event("resolve", 45), inc=incident(resolved=45)))
    assert (result.status, result.deadline) == ("violation", at(30))


@pytest.mark.rule("escalation.secondary", "edge")
@pytest.mark.parametrize("kind", ["escalate", "assign"])
def test_escalation_at_the_limit_passes_one_minute_over_fails(kind: str) -> None:
    def found(minute: int) -> tuple[str, object]:
        result = only(SECONDARY_RULE, audit(event(kind, minute, users=[SECONDARY.id])))
        return result.status, result.observed

    assert found(30) == ("pass", at(30))
    assert found(31) == ("violation", at(31))  # the late escalation is what was observed


@pytest.mark.rule("escalation.secondary", "edge")
def test_resolution_at_the_limit_passes_one_minute_over_fails() -> None:
    def status(minute: int) -> str:
        ctx = audit(event("resolve", minute), inc=incident(resolved=minute))
        return only(SECONDARY_RULE, ctx).status

    assert status(30) == "pass"
    assert status(31) == "violation"


@pytest.mark.rule("escalation.secondary", "violation")
def test_primary_assignment_and_re_paging_the_primary_are_no_escalation() -> None:
    repeats = [
        event("escalate", 15, users=[PRIMARY.id]),
        event("assign", 20, users=[PRIMARY.id]),
        event("resolve", 50),
    ]
    result = only(SECONDARY_RULE, audit(*repeats, inc=incident(resolved=50)))
    assert result.status == "violation"


@pytest.mark.rule("escalation.secondary", "pass")
def test_delegation_counts_even_without_a_named_assignee() -> None:
    result = only(SECONDARY_RULE, audit(event("delegate", 20)))
    assert (result.status, result.observed) == ("pass", at(20))
    assert result.message.startswith("Delegated to another escalation policy")


@pytest.mark.rule("escalation.secondary", "pass")
def test_responder_request_counts() -> None:
    inc = incident(responder_requests=[request(25, SECONDARY.id)])
    result = only(SECONDARY_RULE, audit(inc=inc))
    assert result.status == "pass"
    assert result.message == "Responders requested (Sam Second) 25 min after trigger (limit 30 min)"


@pytest.mark.rule("escalation.secondary", "other")
def test_pending_while_open_before_the_deadline() -> None:
    # the request comes after as-of: the audit must not see it yet
    inc = incident(responder_requests=[request(25, SECONDARY.id)])
    result = only(SECONDARY_RULE, audit(inc=inc, as_of=at(20)))
    assert (result.status, result.deadline) == ("pending", at(30))


@pytest.mark.rule("escalation.secondary", "other")
def test_sev3_and_sev4_are_not_in_scope() -> None:
    ctx = context(
        incidents=[incident(priority="P3"), incident(id="QINC0002", number=2, priority="P4")]
    )
    assert run(SECONDARY_RULE, ctx) == []
    assert run(LEADERSHIP, ctx) == []


@pytest.mark.rule("escalation.secondary", "other")
@pytest.mark.parametrize(
    ("rule", "key"), [(SECONDARY_RULE, "secondary_within"), (LEADERSHIP, "leadership_within")]
)
def test_policy_key_removed_is_unknown(rule: str, key: str) -> None:
    result = only(rule, audit(policy={"escalation": {key: None}}))
    assert result.status == "unknown"
    assert f"escalation.{key}" in result.message


@pytest.mark.rule("escalation.leadership", "other")
@pytest.mark.parametrize("rule", [SECONDARY_RULE, LEADERSHIP])
def test_failed_pagerduty_source_is_unknown(rule: str) -> None:
    assert only(rule, audit(failed=("pagerduty",))).status == "unknown"


# --------------------------------------------------------------- escalation.leadership


@pytest.mark.rule("escalation.leadership", "pass")
def test_cto_notified_and_owner_requested_in_time() -> None:
    notify = event("notify", 40, users=[CTO.id])
    inc = incident(responder_requests=[request(50, OWNER.id)])
    result = only(LEADERSHIP, audit(notify, inc=inc))
    assert result.status == "pass"
    assert result.message == (
        "CTO Casey CTO and owner Olive Owner reached by 50 min after trigger (limit 60 min)"
    )
    assert (result.deadline, result.observed) == (at(60), at(50))
    assert notify.id in [e.ref for e in result.evidence]


@pytest.mark.rule("escalation.leadership", "pass")
def test_resolved_within_the_hour_needs_no_leadership() -> None:
    result = only(LEADERSHIP, audit(event("resolve", 55), inc=incident(resolved=55)))
    assert (result.status, result.observed) == ("pass", at(55))


@pytest.mark.rule("escalation.leadership", "pass")
def test_assigning_the_cto_reaches_the_cto() -> None:
    steps = [event("escalate", 30, users=[CTO.id]), event("notify", 45, users=[OWNER.id])]
    assert only(LEADERSHIP, audit(*steps)).status == "pass"


@pytest.mark.rule("escalation.leadership", "violation")
def test_violation_names_everyone_missed() -> None:
    result = only(LEADERSHIP, audit(event("escalate", 20, users=[SECONDARY.id])))
    assert result.status == "violation"
    assert result.message == "CTO Casey CTO and owner Olive Owner not reached within 60 min"


@pytest.mark.rule("escalation.leadership", "violation")
def test_violation_names_only_the_owner_when_the_cto_was_reached() -> None:
    result = only(LEADERSHIP, audit(event("notify", 40, users=[CTO.id])))
    assert (result.status, result.message) == (
        "violation",
        "owner Olive Owner not reached within 60 min",
    )


@pytest.mark.rule("escalation.leadership", "edge")
def test_reached_at_the_limit_passes_one_minute_over_fails() -> None:
    def found(owner_minute: int) -> tuple[str, str]:
        steps = [
            event("notify", 40, users=[CTO.id]),
            event("notify", owner_minute, users=[OWNER.id]),
        ]
        result = only(LEADERSHIP, audit(*steps))
        return result.status, result.message

    assert found(60)[0] == "pass"
    assert found(61) == ("violation", "owner Olive Owner not reached within 60 min")


@pytest.mark.rule("escalation.leadership", "edge")
def test_resolved_at_the_limit_passes_one_minute_over_fails() -> None:
    def status(minute: int) -> str:
        return only(
            LEADERSHIP, audit(event("resolve", minute), inc=incident(resolved=minute))
        ).status

    assert status(60) == "pass"
    assert status(61) == "violation"


@pytest.mark.rule("escalation.leadership", "other")
def test_owner_not_configured_is_unknown_once_the_cto_was_reached() -> None:
    result = only(LEADERSHIP, audit(event("notify", 40, users=[CTO.id]), owner=False))
    assert result.status == "unknown"
    assert "Checkout API has no owner" in result.message


@pytest.mark.rule("escalation.leadership", "violation")
def test_owner_not_configured_and_cto_missed_is_a_violation() -> None:
    result = only(LEADERSHIP, audit(owner=False))
    assert (result.status, result.message) == (
        "violation",
        "CTO Casey CTO not reached within 60 min",
    )


@pytest.mark.rule("escalation.leadership", "other")
def test_no_cto_configured_is_unknown() -> None:
    result = only(LEADERSHIP, audit(event("notify", 40, users=[OWNER.id]), cto=False))
    assert result.status == "unknown"
    assert "no CTO is configured" in result.message


@pytest.mark.rule("escalation.leadership", "pass")
def test_cto_configured_by_email_only_is_matched_through_the_users() -> None:
    ctx = audit(event("notify", 40, users=[CTO.id]), event("notify", 41, users=[OWNER.id]))
    ctx.settings = replace(ctx.settings, cto=Person(email="CTO@Example.com"))
    result = only(LEADERSHIP, ctx)
    assert result.status == "pass"
    assert "CTO Casey CTO" in result.message


@pytest.mark.rule("escalation.leadership", "other")
def test_pending_while_open_before_the_hour() -> None:
    result = only(LEADERSHIP, audit(event("notify", 40, users=[CTO.id]), as_of=at(45)))
    assert (result.status, result.deadline) == ("pending", at(60))
