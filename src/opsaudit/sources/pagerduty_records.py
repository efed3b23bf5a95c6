"""PagerDuty's JSON as our records: services, users, incidents and incident events.

The vendor's vocabulary stops here: log entry types, agent types and resolve reasons
become :data:`~opsaudit.records.EventKind`, :data:`~opsaudit.records.ActorKind` and
:data:`~opsaudit.records.MERGED`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from opsaudit.records import (
    MERGED,
    ActorKind,
    EventKind,
    Incident,
    IncidentEvent,
    ResponderRequest,
    Service,
    User,
)
from opsaudit.sources.base import SourceError, utc
from opsaudit.sources.pagerduty_client import JSON, SOURCE

_ASSIGNING = ("assign_log_entry", "escalate_log_entry", "delegate_log_entry")
# PagerDuty's log entry types in our words; any other type is "other"
EVENT_KINDS: dict[str, EventKind] = {
    "trigger_log_entry": "triggered",
    "assign_log_entry": "assigned",
    "acknowledge_log_entry": "acknowledged",
    "escalate_log_entry": "escalated",
    "delegate_log_entry": "delegated",
    "notify_log_entry": "notified",
    "resolve_log_entry": "resolved",
}
# PagerDuty's agent reference types in our words; every ``*_integration_reference``
# (``events_api_v2_inbound_integration_reference``, ``generic_email_...``: the spec's
# InboundIntegrationReference types) is an integration; any other agent is "automation"
ACTOR_KINDS: dict[str, ActorKind] = {
    "user_reference": "person",
    "service_reference": "service",
    "integration_reference": "integration",
    "inbound_integration_reference": "integration",
}
_INTEGRATION = "_integration_reference"
# PagerDuty's resolve reason types in our words; any other one is "other"
RESOLVE_REASONS = {"merge_resolve_reason": MERGED}


def at(value: str) -> datetime:
    moment = utc(value)
    if moment is None:
        raise SourceError(SOURCE, f"a record lacks a timestamp ({value!r})")
    return moment


def _id(ref: Any) -> str | None:
    return ref.get("id") if isinstance(ref, dict) else None


def _ids(refs: Any) -> tuple[str, ...]:
    return tuple(i for i in (_id(r) for r in refs or ()) if i)


def to_service(raw: JSON) -> Service:
    """A service as ``GET /services`` lists it."""
    return Service(
        id=raw["id"],
        name=raw.get("name") or raw.get("summary", ""),
        html_url=raw.get("html_url") or "",
        team_ids=_ids(raw.get("teams")),
    )


def to_user(raw: JSON) -> User:
    """A user as ``GET /users`` lists it."""
    return User(
        id=raw["id"], name=raw.get("name") or raw.get("summary", ""), email=raw.get("email") or ""
    )


def to_responder_request(raw: JSON) -> ResponderRequest:
    """An entry of ``Incident.responder_requests``; targets come bare or wrapped."""
    users: list[str] = []
    policies: list[str] = []
    for item in raw.get("responder_request_targets") or ():
        target = item.get("responder_request_target", item)
        kind, target_id = str(target.get("type", "")), target.get("id")
        if target_id and kind.startswith("user"):
            users.append(target_id)
        elif target_id and kind.startswith("escalation_policy"):
            policies.append(target_id)
    return ResponderRequest(
        requested_at=at(raw["requested_at"]),
        requester_id=_id(raw.get("requester")),
        user_ids=tuple(users),
        escalation_policy_ids=tuple(policies),
    )


def to_incident(
    raw: JSON, *, resolved: datetime | None = None, priority_names: dict[str, str] | None = None
) -> Incident:
    """An incident; ``resolved`` is its resolve log entry's time, used when the API
    gives no ``resolved_at``."""
    priority = raw.get("priority") or {}
    reason = raw.get("resolve_reason") or {}
    resolved_at = utc(raw.get("resolved_at"))
    if resolved_at is None and raw.get("status") == "resolved":
        resolved_at = resolved
    name = priority.get("name") or priority.get("summary")
    return Incident(
        id=raw["id"],
        number=int(raw["incident_number"]),
        title=raw.get("title") or "",
        status=raw["status"],
        urgency=raw.get("urgency") or "high",
        created_at=at(raw["created_at"]),
        service_id=_id(raw.get("service")) or "",
        html_url=raw.get("html_url") or "",
        priority_id=_id(priority),
        priority_name=name or (priority_names or {}).get(_id(priority) or ""),
        resolved_at=resolved_at,
        resolve_reason=resolve_reason(reason.get("type")),
        merged_into_id=_id(reason.get("incident")),
        escalation_policy_id=_id(raw.get("escalation_policy")),
        assignee_ids=_ids(a.get("assignee") for a in raw.get("assignments") or ()),
        responder_requests=tuple(
            to_responder_request(r) for r in raw.get("responder_requests") or ()
        ),
        updated_at=utc(raw.get("updated_at")),
    )


def event_kind(log_entry_type: str) -> EventKind:
    """A log entry type in our words (``acknowledge_log_entry`` -> ``acknowledged``)."""
    return EVENT_KINDS.get(log_entry_type, "other")


def actor_kind(agent_type: str | None) -> ActorKind | None:
    """An agent reference type in our words; None when the entry names no agent."""
    if not agent_type:
        return None
    if agent_type in ACTOR_KINDS:
        return ACTOR_KINDS[agent_type]
    return "integration" if agent_type.endswith(_INTEGRATION) else "automation"


def resolve_reason(reason_type: str | None) -> str | None:
    """A resolve reason type in our words (``merge_resolve_reason`` -> ``merged``)."""
    if not reason_type:
        return None
    return RESOLVE_REASONS.get(reason_type, "other")


def to_log_event(raw: JSON) -> IncidentEvent:
    """A log entry: who it assigns (assign/escalate/delegate) or notifies (notify)."""
    kind = raw["type"]
    agent = raw.get("agent") or {}
    users: tuple[str, ...] = ()
    if kind in _ASSIGNING:
        users = _ids(raw.get("assignees"))
    elif kind == "notify_log_entry":
        users = _ids([raw.get("user")])
    policy = _id(raw.get("escalation_policy")) if kind == "delegate_log_entry" else None
    return IncidentEvent(
        id=raw["id"],
        incident_id=raw["incident"]["id"],
        kind=event_kind(kind),
        created_at=at(raw["created_at"]),
        actor_kind=actor_kind(agent.get("type")),
        actor_id=agent.get("id"),
        user_ids=users,
        escalation_policy_id=policy,
        channel=(raw.get("channel") or {}).get("type"),
        actor_name=_name(agent),
    )


def _name(ref: Any) -> str | None:
    """A reference's name: its ``summary`` (``name`` when expanded), None when blank."""
    if not isinstance(ref, dict):
        return None
    name = ref.get("summary") or ref.get("name")
    return str(name) if name else None
