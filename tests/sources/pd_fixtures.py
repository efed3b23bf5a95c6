"""A small builder of PagerDuty worlds for the PagerDuty source's tests.

Objects are stored as ``GET /<collection>`` returns them (references are
``{"id", "type": "..._reference", "summary", "self", "html_url"}``), see the OpenAPI
description in /work/shared/vendor/pagerduty/.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from opsaudit.sandbox.server import Faults, Sandbox
from opsaudit.sandbox.state import World
from opsaudit.sources.base import Endpoint, RetryPolicy, Window

SINCE = datetime(2026, 10, 1, tzinfo=UTC)
UNTIL = datetime(2026, 11, 1, tzinfo=UTC)
WINDOW = Window(since=SINCE, until=UNTIL)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
FAST = RetryPolicy(attempts=4, backoff=0.001, max_wait=0.01)
API = "https://api.pagerduty.com"
WEB = "https://sandbox.pagerduty.com"


def z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def ref(kind: str, obj_id: str, summary: str = "") -> dict[str, Any]:
    path = {
        "user": "users",
        "service": "services",
        "incident": "incidents",
        "escalation_policy": "escalation_policies",
        "priority": "priorities",
    }[kind]
    return {
        "id": obj_id,
        "type": f"{kind}_reference",
        "summary": summary,
        "self": f"{API}/{path}/{obj_id}",
        "html_url": f"{WEB}/{path}/{obj_id}",
    }


class PagerDutyWorldBuilder:
    """Adds PagerDuty objects to ``world.pagerduty``; returns their ids."""

    def __init__(self, world: World | None = None) -> None:
        self.world = world if world is not None else World()
        self.pd = self.world.pagerduty
        self._seq = 0

    def _id(self, prefix: str) -> str:
        self._seq += 1
        return f"{prefix}{self._seq:06d}"

    def service(self, name: str) -> str:
        sid = self._id("PS")
        self.pd.services.append(
            {
                "id": sid,
                "type": "service",
                "name": name,
                "summary": name,
                "html_url": f"{WEB}/services/{sid}",
                "teams": [],
            }
        )
        return sid

    def user(self, name: str) -> str:
        uid = self._id("PU")
        email = name.lower().replace(" ", ".") + "@example.com"
        self.pd.users.append(
            {
                "id": uid,
                "type": "user",
                "name": name,
                "summary": name,
                "email": email,
                "html_url": f"{WEB}/users/{uid}",
            }
        )
        return uid

    def priority(self, name: str) -> str:
        pid = self._id("PP")
        self.pd.priorities.append(
            {"id": pid, "type": "priority", "name": name, "summary": name, "description": ""}
        )
        return pid

    def escalation_policy(self, name: str) -> str:
        eid = self._id("PE")
        self.pd.escalation_policies.append(
            {"id": eid, "type": "escalation_policy", "name": name, "summary": name}
        )
        return eid

    def _name(self, items: list[dict[str, Any]], obj_id: str) -> str:
        return next(str(i["name"]) for i in items if i["id"] == obj_id)

    def incident(
        self,
        *,
        created: datetime,
        service: str,
        priority: str | None = None,
        assignees: Sequence[str] = (),
        title: str = "Something broke",
        log: bool = True,
    ) -> str:
        """A triggered incident; with ``log``, its trigger (and assign) log entries."""
        iid = self._id("Q")
        number = len(self.pd.incidents) + 1
        self.pd.incidents.append(
            {
                "id": iid,
                "type": "incident",
                "incident_number": number,
                "title": title,
                "summary": f"[#{number}] {title}",
                "status": "triggered",
                "urgency": "high",
                "created_at": z(created),
                "updated_at": z(created),
                "last_status_change_at": z(created),
                "resolved_at": None,
                "service": ref("service", service, self._name(self.pd.services, service)),
                "escalation_policy": None,
                "teams": [],
                "assignments": [{"at": z(created), "assignee": ref("user", u)} for u in assignees],
                "acknowledgements": [],
                "priority": (
                    ref("priority", priority, self._name(self.pd.priorities, priority))
                    | {"type": "priority_reference"}
                )
                if priority
                else None,
                "resolve_reason": None,
                "responder_requests": [],
                "html_url": f"{WEB}/incidents/{iid}",
                "self": f"{API}/incidents/{iid}",
            }
        )
        if log:
            self.entry(iid, "trigger_log_entry", created, agent=ref("service", service))
            if assignees:
                self.entry(iid, "assign_log_entry", created, assignees=assignees)
        return iid

    def get(self, incident_id: str) -> dict[str, Any]:
        return next(i for i in self.pd.incidents if i["id"] == incident_id)

    def entry(
        self,
        incident_id: str,
        kind: str,
        at: datetime,
        *,
        agent: dict[str, Any] | None = None,
        assignees: Sequence[str] = (),
        user: str | None = None,
        escalation_policy: str | None = None,
        channel: str = "auto",
    ) -> str:
        """A log entry of ``kind`` (``acknowledge_log_entry`` ...) on the incident."""
        eid = self._id("R")
        entry: dict[str, Any] = {
            "id": eid,
            "type": kind,
            "summary": kind,
            "created_at": z(at),
            "agent": agent,
            "channel": {"type": channel},
            "incident": ref("incident", incident_id),
            "service": self.get(incident_id)["service"],
            "teams": [],
        }
        if assignees:
            entry["assignees"] = [ref("user", u) for u in assignees]
        if user:
            entry["user"] = ref("user", user)
        if escalation_policy:
            entry["escalation_policy"] = ref("escalation_policy", escalation_policy)
        self.pd.log_entries.append(entry)
        return eid

    def acknowledge(self, incident_id: str, at: datetime, user: str) -> str:
        incident = self.get(incident_id)
        incident.update(
            status="acknowledged",
            updated_at=z(at),
            last_status_change_at=z(at),
            acknowledgements=[{"at": z(at), "acknowledger": ref("user", user)}],
        )
        return self.entry(
            incident_id, "acknowledge_log_entry", at, agent=ref("user", user), channel="website"
        )

    def resolve(
        self,
        incident_id: str,
        at: datetime,
        *,
        merged_into: str | None = None,
        api_time: bool = True,
    ) -> str:
        """Resolve (by a merge into ``merged_into`` if given); ``api_time=False`` leaves
        ``resolved_at`` out, as older payloads do."""
        incident = self.get(incident_id)
        incident.update(
            status="resolved",
            updated_at=z(at),
            last_status_change_at=z(at),
            assignments=[],
            resolved_at=z(at) if api_time else None,
        )
        if merged_into:
            incident["resolve_reason"] = {
                "type": "merge_resolve_reason",
                "incident": ref("incident", merged_into),
            }
        return self.entry(
            incident_id, "resolve_log_entry", at, agent=ref("user", "PU000000"), channel="website"
        )

    def request_responders(
        self,
        incident_id: str,
        at: datetime,
        *,
        requester: str,
        users: Sequence[str] = (),
        policies: Sequence[str] = (),
    ) -> None:
        targets = [{"responder_request_target": {"type": "user", "id": u}} for u in users]
        targets += [
            {"responder_request_target": {"type": "escalation_policy", "id": p}} for p in policies
        ]
        self.get(incident_id)["responder_requests"].append(
            {
                "incident": ref("incident", incident_id),
                "requester": ref("user", requester),
                "requested_at": z(at),
                "message": "Please help",
                "responder_request_targets": targets,
            }
        )


def small_world(n: int = 20) -> tuple[PagerDutyWorldBuilder, list[str]]:
    """4 services, 5 users, 4 priorities and ``n`` incidents a day apart from SINCE + 1h,
    each triggered, assigned, notified and acknowledged; returns the incident ids."""
    b = PagerDutyWorldBuilder()
    services = [b.service(f"Service {k}") for k in range(4)]
    users = [b.user(f"User {k}") for k in range(5)]
    priorities = [b.priority(f"P{k + 1}") for k in range(4)]
    ids = []
    for k in range(n):
        created = SINCE + timedelta(days=k % 30, hours=1 + k // 30)
        iid = b.incident(
            created=created,
            service=services[k % 4],
            priority=priorities[k % 4],
            assignees=[users[k % 5]],
        )
        b.entry(
            iid,
            "notify_log_entry",
            created + timedelta(minutes=1),
            user=users[k % 5],
            channel="sms",
        )
        b.acknowledge(iid, created + timedelta(minutes=5), users[k % 5])
        ids.append(iid)
    return b, ids


@contextmanager
def serve(b: PagerDutyWorldBuilder, faults: Faults | None = None) -> Iterator[Sandbox]:
    with Sandbox(b.world, faults=faults) as sb:
        yield sb


def endpoint(sb: Sandbox, token: str | None = None) -> Endpoint:
    return Endpoint(
        api_url=sb.pagerduty_url, token=token or sb.world.tokens.pagerduty, ca_file=sb.ca_file
    )
