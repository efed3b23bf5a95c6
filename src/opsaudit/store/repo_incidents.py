"""Incident records in the store: save a batch, load services, users, incidents, events."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsaudit.records import (
    ActorKind,
    EventKind,
    Incident,
    IncidentBatch,
    IncidentEvent,
    Priority,
    ResponderRequest,
    Service,
    User,
)
from opsaudit.store._sql import in_chunks, upsert
from opsaudit.store.schema import IncidentRow, LogEventRow, PriorityRow, ServiceRow, UserRow

_FRESH = {"populate_existing": True}  # rows may have changed under the identity map


def save_incidents(*, session: Session, batch: IncidentBatch) -> None:
    """Upsert every record of ``batch`` by its vendor id (the caller commits)."""
    upsert(session, ServiceRow, (_service_row(s) for s in batch.services), keys=["id"])
    upsert(
        session,
        UserRow,
        ({"id": u.id, "name": u.name, "email": u.email} for u in batch.users),
        keys=["id"],
    )
    upsert(
        session,
        PriorityRow,
        ({"id": p.id, "name": p.name, "sort_order": p.order} for p in batch.priorities),
        keys=["id"],
    )
    upsert(session, IncidentRow, (_incident_row(i) for i in batch.incidents), keys=["id"])
    upsert(session, LogEventRow, (_log_event_row(e) for e in batch.log_events), keys=["id"])


def load_services(*, session: Session) -> list[Service]:
    """Every stored service, by id."""
    rows = session.scalars(select(ServiceRow).order_by(ServiceRow.id).execution_options(**_FRESH))
    return [
        Service(id=r.id, name=r.name, html_url=r.html_url, team_ids=tuple(r.team_ids)) for r in rows
    ]


def load_users(*, session: Session) -> list[User]:
    """Every stored user, by id."""
    rows = session.scalars(select(UserRow).order_by(UserRow.id).execution_options(**_FRESH))
    return [User(id=r.id, name=r.name, email=r.email) for r in rows]


def load_priorities(*, session: Session) -> list[Priority]:
    """Every stored priority in the account's order, most severe first."""
    query = select(PriorityRow).order_by(PriorityRow.sort_order, PriorityRow.id)
    rows = session.scalars(query.execution_options(**_FRESH))
    return [Priority(id=r.id, name=r.name, order=r.sort_order) for r in rows]


def load_incidents(
    *,
    session: Session,
    since: datetime | None = None,
    until: datetime | None = None,
    ids: Collection[str] | None = None,
) -> list[Incident]:
    """Incidents triggered in ``[since, until)`` (either bound optional), and, when
    ``ids`` is given, only those; ordered by trigger time, then id."""
    query = select(IncidentRow)
    if since is not None:
        query = query.where(IncidentRow.created_at >= since)
    if until is not None:
        query = query.where(IncidentRow.created_at < until)
    if ids is None:
        found = list(session.scalars(query.execution_options(**_FRESH)))
    else:
        found = [
            row
            for chunk in in_chunks(ids)
            for row in session.scalars(
                query.where(IncidentRow.id.in_(chunk)).execution_options(**_FRESH)
            )
        ]
    found.sort(key=lambda r: (r.created_at, r.id))
    return [_incident(r) for r in found]


def load_log_events(*, session: Session, incident_ids: Collection[str]) -> list[IncidentEvent]:
    """The events of these incidents, ordered by time, then id."""
    found = [
        row
        for chunk in in_chunks(incident_ids)
        for row in session.scalars(
            select(LogEventRow)
            .where(LogEventRow.incident_id.in_(chunk))
            .execution_options(**_FRESH)
        )
    ]
    found.sort(key=lambda r: (r.created_at, r.id))
    return [
        IncidentEvent(
            id=r.id,
            incident_id=r.incident_id,
            kind=cast(EventKind, r.type),
            created_at=r.created_at,
            actor_kind=cast(ActorKind | None, r.agent_type),
            actor_id=r.agent_id,
            user_ids=tuple(r.user_ids),
            escalation_policy_id=r.escalation_policy_id,
            channel=r.channel_type,
            actor_name=r.agent_name,
        )
        for r in found
    ]


def _service_row(s: Service) -> dict[str, Any]:
    return {"id": s.id, "name": s.name, "html_url": s.html_url, "team_ids": list(s.team_ids)}


def _incident_row(i: Incident) -> dict[str, Any]:
    return {
        "id": i.id,
        "number": i.number,
        "title": i.title,
        "status": i.status,
        "urgency": i.urgency,
        "created_at": i.created_at,
        "service_id": i.service_id,
        "html_url": i.html_url,
        "priority_id": i.priority_id,
        "priority_name": i.priority_name,
        "resolved_at": i.resolved_at,
        "resolve_reason": i.resolve_reason,
        "merged_into_id": i.merged_into_id,
        "escalation_policy_id": i.escalation_policy_id,
        "assignee_ids": list(i.assignee_ids),
        "responder_requests": [_request_json(r) for r in i.responder_requests],
        "updated_at": i.updated_at,
    }


def _incident(r: IncidentRow) -> Incident:
    return Incident(
        id=r.id,
        number=r.number,
        title=r.title,
        status=r.status,
        urgency=r.urgency,
        created_at=r.created_at,
        service_id=r.service_id,
        html_url=r.html_url,
        priority_id=r.priority_id,
        priority_name=r.priority_name,
        resolved_at=r.resolved_at,
        resolve_reason=r.resolve_reason,
        merged_into_id=r.merged_into_id,
        escalation_policy_id=r.escalation_policy_id,
        assignee_ids=tuple(r.assignee_ids),
        responder_requests=tuple(_request(j) for j in r.responder_requests),
        updated_at=r.updated_at,
    )


def _log_event_row(e: IncidentEvent) -> dict[str, Any]:
    # the columns keep their first names (type, agent_*, channel_type): renaming them
    # would rebuild the largest table of a store for no gain; the values are our kinds
    return {
        "id": e.id,
        "incident_id": e.incident_id,
        "type": e.kind,
        "created_at": e.created_at,
        "agent_type": e.actor_kind,
        "agent_id": e.actor_id,
        "user_ids": list(e.user_ids),
        "escalation_policy_id": e.escalation_policy_id,
        "channel_type": e.channel,
        "agent_name": e.actor_name,
    }


def _request_json(r: ResponderRequest) -> dict[str, Any]:
    if r.requested_at.tzinfo is None:
        raise ValueError(f"naive requested_at {r.requested_at.isoformat()} cannot be stored")
    return {
        "requested_at": r.requested_at.astimezone(UTC).isoformat(),
        "requester_id": r.requester_id,
        "user_ids": list(r.user_ids),
        "escalation_policy_ids": list(r.escalation_policy_ids),
    }


def _request(j: dict[str, Any]) -> ResponderRequest:
    return ResponderRequest(
        requested_at=datetime.fromisoformat(j["requested_at"]).astimezone(UTC),
        requester_id=j["requester_id"],
        user_ids=tuple(j["user_ids"]),
        escalation_policy_ids=tuple(j["escalation_policy_ids"]),
    )
