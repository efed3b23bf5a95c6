"""PagerDuty JSON for the generated organisation: incidents and their log entries."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from opsaudit.sandbox.org_common import PD_API, PD_WEB, Ids, Person, Plan, pd_ref
from opsaudit.sandbox.org_pagerduty_cases import (
    ASSIGN_DELAY,
    INTEGRATION_ACK_AFTER,
    UNACKNOWLEDGED,
    integration_ref,
)
from opsaudit.sandbox.org_pagerduty_directory import team_ref
from opsaudit.sandbox.org_people import Directory
from opsaudit.sandbox.state import JSON
from opsaudit.sources.base import iso


class _Log:
    """Collects one incident's log entries in the API's shape."""

    def __init__(self, ids: Ids, plan: Plan, d: Directory, now: datetime) -> None:
        self.ids, self.plan, self.now = ids, plan, now
        self.incident_ref = plan.ref()
        self.service_ref = plan.service.ref()
        self.teams = [team_ref(d, plan.service.team)]
        self.entries: list[JSON] = []

    def add(
        self,
        kind: str,
        at: datetime,
        agent: JSON,
        channel: JSON,
        summary: str,
        eid: str | None = None,
        **extra: object,
    ) -> JSON | None:
        if at > self.now:  # the world is seen at ``now``: later events have not happened
            return None
        eid = eid or self.ids.log_entry()
        entry: JSON = {
            "id": eid,
            "type": f"{kind}_log_entry",
            "summary": summary,
            "self": f"{PD_API}/log_entries/{eid}?incident_id={self.plan.id}",
            "html_url": f"{PD_WEB}/incidents/{self.plan.id}/log_entries/{eid}",
            "created_at": iso(at),
            "agent": agent,
            "channel": channel,
            "service": self.service_ref,
            "incident": self.incident_ref,
            "teams": self.teams,
            "contexts": [],
        }
        entry.update(extra)
        self.entries.append(entry)
        return entry

    def notify(self, at: datetime, person: Person, how: str) -> None:
        note = {
            "type": f"{how}_notification",
            "started_at": iso(at),
            "status": "success",
            "address": None if how == "push" else person.email,
            "user": person.ref(),
        }
        self.add(
            "notify",
            at,
            self.service_ref,
            {"type": "auto", "notification": note},
            f"Notified {person.name} by {how}.",
            user=person.ref(),
        )


def render_incident(
    *, rng: random.Random, ids: Ids, d: Directory, plan: Plan, now: datetime
) -> tuple[JSON, list[JSON]]:
    """The incident as ``GET /incidents`` returns it, and all of its log entries."""
    log = _Log(ids, plan, d, now)
    t0, svc = plan.created, log.service_ref
    trigger = log.add(
        "trigger",
        t0,
        svc,
        {"type": "api", "summary": plan.title, "description": plan.title},
        "Triggered through the API",
        event_details={"description": plan.title},
    )
    assigned = [plan.primary]
    assign_at = t0 + ASSIGN_DELAY if plan.pd_case == "delayed_assign" else t0
    log.add(
        "assign",
        assign_at,
        svc,
        {"type": "auto"},
        f"Assigned to {plan.primary.name}.",
        assignees=[plan.primary.ref()],
    )
    log.notify(assign_at + timedelta(seconds=rng.randint(5, 40)), plan.primary, "sms")
    ack = None if plan.ack_after is None else t0 + plan.ack_after
    resolved = plan.resolved
    if plan.pd_case in ("integration_ack", "integration_ack_ok"):
        log.add(
            "acknowledge",
            t0 + INTEGRATION_ACK_AFTER,
            integration_ref(plan.service),
            {"type": "api", "summary": plan.title},
            "Acknowledged through the API.",
            eid=f"R{plan.id[1:]}",  # not drawn: the seed's other ids stay as they were
        )
    if ack is not None and (resolved is None or ack < resolved) and ack <= now:
        how = rng.choice(["sms", "website"])
        if plan.pd_case in UNACKNOWLEDGED:  # dropped, its draws made all the same
            log.ids.log_entry()
            ack = None
        else:
            log.add(
                "acknowledge",
                ack,
                plan.primary.ref(),
                {"type": how},
                f"Acknowledged by {plan.primary.name}.",
                acknowledgement_timeout=1800,
            )
    else:
        ack = None
    requests: list[JSON] = []
    for step in plan.steps:
        if step.at > now:
            continue
        user = plan.primary.ref()
        refs = [p.ref() for p in step.who]
        if step.kind == "repeat":
            log.add(
                "repeat_escalation_path",
                step.at,
                svc,
                {"type": "timeout"},
                "Repeated escalation path.",
            )
        if step.kind in ("escalate", "repeat"):
            log.add(
                "escalate",
                step.at,
                svc,
                {"type": "timeout"},
                "Escalated to the next level.",
                assignees=refs,
            )
        elif step.kind == "assign":
            log.add(
                "assign",
                step.at,
                user,
                {"type": "website"},
                f"Reassigned to {step.who[0].name}.",
                assignees=refs,
            )
        elif step.kind == "delegate":
            ep = pd_ref("escalation_policy", d.policy_ids[step.who[0].team], "on-call")
            log.add(
                "delegate",
                step.at,
                user,
                {"type": "website"},
                "Reassigned to another escalation policy.",
                assignees=refs,
                escalation_policy=ep,
            )
        elif step.kind == "annotate":
            log.add(
                "annotate",
                step.at,
                user,
                {"type": "note", "summary": step.note},
                f"Note added: {step.note}",
            )
            continue
        elif step.kind == "responder":
            requests.append(_responder_request(plan, step.at, step.who))
        if step.kind in ("escalate", "assign", "delegate"):
            assigned.extend(p for p in step.who if p not in assigned)
        for i, person in enumerate(step.who):
            log.notify(step.at + timedelta(seconds=10 + i), person, "phone")
    if resolved is not None and resolved <= now:
        if plan.merged_into is not None:
            log.add(
                "resolve",
                resolved,
                plan.primary.ref(),
                {"type": "website"},
                f"Resolved by merging into #{plan.merged_into.number}.",
            )
        elif plan.pd_case == "timeout_resolve":
            log.add("resolve", resolved, svc, {"type": "timeout"}, "Resolved by timeout.")
        elif plan.pd_case == "monitor_resolve":
            resolver = integration_ref(plan.service)
            log.add("resolve", resolved, resolver, {"type": "api"}, "Resolved through the API.")
        elif ack is None and plan.sev in (3, 4) and rng.random() < 0.5:
            log.add("resolve", resolved, svc, {"type": "auto"}, "Resolved automatically.")
        else:
            log.add(
                "resolve",
                resolved,
                plan.primary.ref(),
                {"type": "website"},
                f"Resolved by {plan.primary.name}.",
            )
    else:
        resolved = None
    status = "resolved" if resolved else "acknowledged" if ack else "triggered"
    last_change = resolved or ack or t0
    incident = plan.ref() | {
        "type": "incident",
        "incident_number": plan.number,
        "title": plan.title,
        "description": plan.title,
        "created_at": iso(t0),
        "updated_at": max((e["created_at"] for e in log.entries), default=iso(t0)),
        "status": status,
        "incident_key": f"{rng.getrandbits(128):032x}",
        "service": svc,
        "urgency": "high" if plan.sev in (1, 2) else "low",
        "assignments": [] if resolved else [{"at": iso(t0), "assignee": p.ref()} for p in assigned],
        "assigned_via": "escalation_policy",
        "acknowledgements": [{"at": iso(ack), "acknowledger": plan.primary.ref()}]
        if ack and not resolved
        else [],
        "last_status_change_at": iso(last_change),
        "last_status_change_by": plan.primary.ref() if last_change != t0 else svc,
        "resolved_at": iso(resolved) if resolved else None,
        "first_trigger_log_entry": _entry_ref(trigger) if trigger else None,
        "alert_counts": {
            "all": 1,
            "triggered": 0 if resolved else 1,
            "resolved": 1 if resolved else 0,
        },
        "is_mergeable": True,
        "incident_type": {"name": "incident_default"},
        "escalation_policy": pd_ref("escalation_policy", plan.service.policy_id, "on-call"),
        "teams": log.teams,
        "pending_actions": [],
        "priority": plan.priority,
        "resolve_reason": {"type": "merge_resolve_reason", "incident": plan.merged_into.ref()}
        if plan.merged_into
        else None,
        "responder_requests": requests,
        "incidents_responders": [
            t["responder_request_target"]["incidents_responders"][0]
            for r in requests
            for t in r["responder_request_targets"]
        ],
        "alert_grouping": None,
        "conference_bridge": None,
    }
    log.entries.sort(key=lambda e: str(e["created_at"]))
    return incident, log.entries


def _entry_ref(entry: JSON) -> JSON:
    return {
        "id": entry["id"],
        "type": "trigger_log_entry_reference",
        "summary": entry["summary"],
        "self": entry["self"],
        "html_url": entry["html_url"],
    }


def _responder_request(plan: Plan, at: datetime, who: tuple[Person, ...]) -> JSON:
    message = "Please join the incident bridge."
    targets = []
    for person in who:
        responder = {
            "state": "pending",
            "user": person.ref(),
            "incident": plan.ref(),
            "updated_at": iso(at),
            "message": message,
            "requester": plan.primary.ref(),
            "requested_at": iso(at),
        }
        targets.append(
            {
                "responder_request_target": {
                    "type": "user",
                    "id": person.pd_id,
                    "summary": person.name,
                    "incidents_responders": [responder],
                }
            }
        )
    return {
        "incident": plan.ref(),
        "requester": plan.primary.ref(),
        "requested_at": iso(at),
        "message": message,
        "responder_request_targets": targets,
    }
