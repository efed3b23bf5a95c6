"""Who responded (rules.md, "Real-world data, settled"): a person's acknowledgement, a
resolution by anyone but the auto-resolve timeout; the primary is the first assignment,
whenever it came. Each message says who or what acknowledged or resolved."""

from __future__ import annotations

import pytest

from check_builders import PRIMARY, SECONDARY, at, context, event, incident, only
from opsaudit.records import TIMEOUT, IncidentEvent


def person_ack(minute: float) -> IncidentEvent:
    return event("acknowledge", minute, agent=PRIMARY.id)


def integration_ack(minute: float, name: str = "Datadog") -> IncidentEvent:
    return event("acknowledge", minute, actor="integration", actor_name=name, channel="api")


def timeout_resolve(minute: float) -> IncidentEvent:
    return event("resolve", minute, actor="service", actor_name="Checkout API", channel=TIMEOUT)


# ------------------------------------------------------------------------ response.ack


@pytest.mark.rule("response.ack", "pass")
def test_a_persons_acknowledgement_names_them() -> None:
    result = only("response.ack", context(incidents=[incident()], events=[person_ack(4)]))
    assert result.status == "pass"
    assert result.message == "Acknowledged by Pat Primary 4 min after trigger (limit 15 min)"


@pytest.mark.rule("response.ack", "violation")
def test_an_integrations_acknowledgement_is_no_response() -> None:
    ctx = context(incidents=[incident()], events=[integration_ack(1), person_ack(22)])
    result = only("response.ack", ctx)
    assert result.status == "violation"
    assert result.observed == at(22)
    assert result.message == (
        "Acknowledged by Pat Primary 22 min after trigger (limit 15 min); "
        "acknowledged by integration Datadog 1 min after trigger, not a person"
    )
    assert len(result.evidence) == 2  # the person's ack and the integration's


@pytest.mark.rule("response.ack", "violation")
def test_only_an_integration_acknowledged() -> None:
    ctx = context(incidents=[incident()], events=[integration_ack(1)], as_of=at(120))
    result = only("response.ack", ctx)
    assert (result.status, result.observed) == ("violation", None)
    assert result.message == (
        "Neither acknowledged by a person nor resolved by the deadline (limit 15 min); "
        "acknowledged by integration Datadog 1 min after trigger, not a person"
    )


@pytest.mark.rule("response.ack", "pending")
def test_an_integration_ack_leaves_the_check_pending_until_the_deadline() -> None:
    ctx = context(incidents=[incident()], events=[integration_ack(1)], as_of=at(5))
    result = only("response.ack", ctx)
    assert result.status == "pending"
    assert "not a person" in result.message


@pytest.mark.rule("response.ack", "pass")
def test_a_monitoring_tools_resolution_counts() -> None:
    resolve = event("resolve", 50, actor="integration", actor_name="Datadog", channel="api")
    ctx = context(incidents=[incident(priority="P3", resolved=50)], events=[resolve])
    result = only("response.ack", ctx)
    assert result.status == "pass"
    assert (
        result.message == "Resolved by integration Datadog 50 min after trigger (limit 4 h 00 min)"
    )


@pytest.mark.rule("response.ack", "violation")
def test_a_resolution_by_the_auto_resolve_timeout_is_no_response() -> None:
    # Sev4: the deadline is the end of the next business day, long after the 4 h timeout
    ctx = context(incidents=[incident(priority="P4", resolved=240)], events=[timeout_resolve(240)])
    result = only("response.ack", ctx)
    assert result.status == "violation"
    assert result.message.startswith(
        "Neither acknowledged by a person nor resolved by the deadline (limit end of next"
    )
    assert result.message.endswith(
        "resolved by the service's auto-resolve timeout 4 h 00 min after trigger, not a response"
    )


@pytest.mark.rule("response.ack", "pass")
def test_an_ack_whose_maker_was_not_recorded_gets_the_benefit_of_the_doubt() -> None:
    result = only("response.ack", context(incidents=[incident()], events=[event("acknowledge", 3)]))
    assert (result.status, result.message) == (
        "pass",
        "Acknowledged 3 min after trigger (limit 15 min)",
    )


# ------------------------------------------------------------------------ escalation.*


def primary_assigned(minute: float) -> IncidentEvent:
    return event("assign", minute, users=[PRIMARY.id])


@pytest.mark.rule("escalation.secondary", "violation")
def test_a_delayed_first_assignment_is_the_primarys_not_an_escalation() -> None:
    events = [primary_assigned(12), event("resolve", 45, agent=PRIMARY.id)]
    ctx = context(incidents=[incident(resolved=45)], events=events)
    result = only("escalation.secondary", ctx)
    assert result.status == "violation"
    assert result.message == "Neither escalated to a further responder nor resolved within 30 min"


@pytest.mark.rule("escalation.secondary", "pass")
def test_after_a_delayed_primary_a_new_user_is_an_escalation() -> None:
    events = [primary_assigned(12), event("assign", 20, users=[SECONDARY.id])]
    result = only("escalation.secondary", context(incidents=[incident()], events=events))
    assert result.status == "pass"
    assert result.message == "Escalated to Sam Second 20 min after trigger (limit 30 min)"


@pytest.mark.rule("escalation.secondary", "pass")
def test_a_delegation_counts_as_an_escalation_even_as_the_first_move() -> None:
    events = [primary_assigned(0), event("delegate", 10, users=[SECONDARY.id])]
    result = only("escalation.secondary", context(incidents=[incident()], events=events))
    assert result.status == "pass"
    assert result.message.startswith("Delegated to another escalation policy (Sam Second)")


@pytest.mark.rule("escalation.secondary", "pass")
def test_resolved_in_time_names_who_resolved() -> None:
    events = [primary_assigned(0), event("resolve", 20, agent=PRIMARY.id)]
    result = only("escalation.secondary", context(incidents=[incident(resolved=20)], events=events))
    assert result.message == "Resolved by Pat Primary 20 min after trigger (limit 30 min)"


@pytest.mark.rule("escalation.secondary", "violation")
def test_a_timeout_resolution_within_the_limit_is_no_pass() -> None:
    events = [primary_assigned(0), timeout_resolve(25)]
    ctx = context(incidents=[incident(resolved=25)], events=events, as_of=at(26))
    result = only("escalation.secondary", ctx)
    assert result.status == "violation"  # over: nothing more can come, and it was no response
    assert result.message == (
        "Neither escalated to a further responder nor resolved within 30 min; "
        "resolved by the service's auto-resolve timeout 25 min after trigger, not a response"
    )


@pytest.mark.rule("escalation.leadership", "violation")
def test_leadership_is_not_excused_by_a_timeout_resolution() -> None:
    events = [primary_assigned(0), timeout_resolve(50)]
    result = only(
        "escalation.leadership", context(incidents=[incident(resolved=50)], events=events)
    )
    assert result.status == "violation"
    assert result.message == (
        "CTO Casey CTO and owner Olive Owner not reached within 60 min; "
        "resolved by the service's auto-resolve timeout 50 min after trigger, not a response"
    )


@pytest.mark.rule("escalation.leadership", "pass")
def test_leadership_passes_on_a_monitoring_resolution() -> None:
    resolve = event("resolve", 50, actor="integration", actor_name="Datadog")
    ctx = context(incidents=[incident(resolved=50)], events=[primary_assigned(0), resolve])
    result = only("escalation.leadership", ctx)
    assert result.status == "pass"
    assert result.message == "Resolved by integration Datadog 50 min after trigger (limit 60 min)"
