"""PagerDuty records: round trips, the trigger-time window, upserts, big batches."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import Engine
from store_builders import at, commit, datetimes, incident, log_event, read, service

from opsaudit.records import MERGED, Incident, IncidentBatch, Priority, ResponderRequest, User
from opsaudit.store import (
    load_incidents,
    load_log_events,
    load_priorities,
    load_services,
    load_users,
    save_incidents,
)


def _full_incident() -> Incident:
    return incident(
        "Q2FULL",
        number=77,
        title="Zahlung fehlgeschlagen \u2013 \u201ccheckout\u201d \u2615 \U0001f6a8 \u65e5\u672c",
        status="resolved",
        urgency="low",
        html_url="https://example.pagerduty.com/incidents/Q2FULL",
        priority_id="PPRIO1",
        priority_name="P1",
        resolved_at=at(42.5),
        resolve_reason=MERGED,
        merged_into_id="Q1ABCDEF",
        escalation_policy_id="PEP1",
        assignee_ids=("PUSER1", "PUSER2"),
        responder_requests=(
            ResponderRequest(
                requested_at=at(3) + timedelta(microseconds=1),
                requester_id="PUSER1",
                user_ids=("PCTO",),
                escalation_policy_ids=("PEP9",),
            ),
            ResponderRequest(requested_at=at(4), requester_id=None, user_ids=()),
        ),
        updated_at=at(43),
    )


def test_every_pagerduty_record_round_trips(engine: Engine) -> None:
    batch = IncidentBatch(
        services=[service(team_ids=("PT1", "PT2"), html_url="https://x/services/PSVC001")],
        users=[User(id="PUSER1", name="Zoë Ødegård", email="zoe@example.com")],
        priorities=[Priority(id="PPRIO2", name="P2", order=2), Priority(id="PPRIO1", name="P1")],
        incidents=[_full_incident()],
        log_events=[
            log_event(
                "R1",
                "Q2FULL",
                minutes=1,
                kind="assigned",
                actor_kind="service",
                actor_id="PSVC001",
                user_ids=("PUSER1",),
                escalation_policy_id="PEP1",
                channel="auto",
            )
        ],
    )
    commit(engine, save_incidents, batch)

    assert read(engine, load_services) == batch.services
    assert read(engine, load_users) == batch.users
    assert read(engine, load_priorities) == list(reversed(batch.priorities))  # by order
    assert read(engine, load_incidents) == batch.incidents
    assert read(engine, load_log_events, incident_ids=["Q2FULL"]) == batch.log_events


def test_times_come_back_aware_utc_to_the_microsecond(engine: Engine) -> None:
    kolkata = timezone(timedelta(hours=5, minutes=30))
    sent = incident(created_at=datetime(2026, 10, 3, 19, 30, 0, 999999, tzinfo=kolkata))
    commit(engine, save_incidents, IncidentBatch(incidents=[sent, _full_incident()]))

    loaded = read(engine, load_incidents, ids=[sent.id])
    assert loaded[0].created_at == datetime(2026, 10, 3, 14, 0, 0, 999999, tzinfo=UTC)
    all_times = list(datetimes(read(engine, load_incidents)))
    assert len(all_times) == 6  # two triggers, resolved, updated, two responder requests
    assert all(moment.tzinfo is UTC for moment in all_times)


def test_window_is_trigger_time_since_inclusive_until_exclusive(engine: Engine) -> None:
    incidents = [incident(f"Q{n}", number=n, minutes=n * 10) for n in range(5)]
    commit(engine, save_incidents, IncidentBatch(incidents=incidents))

    found = read(engine, load_incidents, since=at(10), until=at(30))
    assert [i.id for i in found] == ["Q1", "Q2"]
    assert [i.id for i in read(engine, load_incidents, since=at(30))] == ["Q3", "Q4"]
    assert [i.id for i in read(engine, load_incidents, until=at(10))] == ["Q0"]
    chosen = read(engine, load_incidents, since=at(10), ids=["Q0", "Q4", "QNONE"])
    assert [i.id for i in chosen] == ["Q4"]
    assert read(engine, load_incidents, ids=[]) == []


def test_saving_twice_leaves_the_same_rows_and_later_saves_update(engine: Engine) -> None:
    batch = IncidentBatch(
        services=[service()],
        incidents=[incident("Q1"), incident("Q2", minutes=5)],
        log_events=[log_event("R1", "Q1"), log_event("R2", "Q1", minutes=2)],
    )
    commit(engine, save_incidents, batch)
    commit(engine, save_incidents, batch)
    assert read(engine, load_incidents) == batch.incidents
    assert read(engine, load_log_events, incident_ids=["Q1"]) == batch.log_events

    resolved = replace(batch.incidents[0], status="resolved", resolved_at=at(30), priority_id=None)
    renamed = service(name="Checkout API (EU)")
    commit(engine, save_incidents, IncidentBatch(services=[renamed], incidents=[resolved]))

    assert read(engine, load_incidents) == [resolved, batch.incidents[1]]
    assert read(engine, load_services) == [renamed]


def test_a_batch_naming_one_incident_twice_keeps_the_last(engine: Engine) -> None:
    first, last = incident(title="first"), incident(title="last")
    commit(engine, save_incidents, IncidentBatch(incidents=[first, last]))
    assert read(engine, load_incidents) == [last]


def test_log_events_are_selected_by_incident_and_ordered_by_time(engine: Engine) -> None:
    events = [
        log_event("R3", "Q1", minutes=9),
        log_event("R1", "Q1", minutes=1),
        log_event("R2", "Q2", minutes=5),
    ]
    commit(engine, save_incidents, IncidentBatch(log_events=events))
    assert [e.id for e in read(engine, load_log_events, incident_ids=["Q1"])] == ["R1", "R3"]
    assert read(engine, load_log_events, incident_ids=[]) == []


def test_five_thousand_incidents_upsert_in_chunks(engine: Engine) -> None:
    many = [incident(f"Q{n:05d}", number=n, minutes=n) for n in range(5_000)]
    events = [log_event(f"R{n:05d}", f"Q{n:05d}", minutes=n) for n in range(5_000)]
    commit(engine, save_incidents, IncidentBatch(incidents=many, log_events=events))
    renamed = [replace(i, title=f"renamed {i.number}") for i in many]
    commit(engine, save_incidents, IncidentBatch(incidents=renamed, log_events=events))

    assert read(engine, load_incidents) == renamed
    ids = [i.id for i in many]
    assert len(read(engine, load_incidents, ids=ids)) == 5_000
    assert read(engine, load_log_events, incident_ids=ids) == events
