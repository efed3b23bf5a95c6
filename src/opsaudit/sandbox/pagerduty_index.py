"""Indexes over ``world.pagerduty`` so that a page costs a bisect, not a scan.

Rebuilt when a list of the world is replaced or changes length (a test adding an
incident); edits made in place to an existing object are served as they are.
Call every method with ``world.lock`` held.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from opsaudit.sandbox.state import JSON, PagerDutyWorld
from opsaudit.sandbox.web import parse_time

_COLLECTIONS = ("services", "users", "priorities", "escalation_policies", "teams")
_CACHE_SIZE = 64
_URGENCY_RANK = {"high": 0, "low": 1}


class PagerDutyIndex:
    """Sorted incidents and log entries, objects by id, and recent query results."""

    def __init__(self, world: PagerDutyWorld) -> None:
        self.world = world
        self._fingerprint: tuple[tuple[int, int], ...] = ()
        self._cache: dict[tuple[Any, ...], list[JSON]] = {}
        self.refresh()

    def refresh(self) -> None:
        """Rebuild the indexes if the world's lists changed since the last request."""
        lists = [getattr(self.world, name) for name in (*_COLLECTIONS, "incidents", "log_entries")]
        fingerprint = tuple((id(items), len(items)) for items in lists)
        if fingerprint == self._fingerprint:
            return
        self._fingerprint = fingerprint
        self._cache = {}
        self._by_id = {
            name: {str(obj["id"]): obj for obj in getattr(self.world, name)}
            for name in _COLLECTIONS
        }
        self.incidents = sorted(
            self.world.incidents,
            key=lambda i: (parse_time(i["created_at"]), i.get("incident_number", 0)),
        )
        self._incident_times = [parse_time(i["created_at"]) for i in self.incidents]
        self._incident_by_id = {str(i["id"]): i for i in self.incidents}
        self._incident_by_number = {str(i.get("incident_number")): i for i in self.incidents}
        self.entries = sorted(self.world.log_entries, key=lambda e: parse_time(e["created_at"]))
        self._entry_times = [parse_time(e["created_at"]) for e in self.entries]
        self._entry_by_id = {str(e["id"]): e for e in self.entries}
        self._entries_by_incident: dict[str, list[JSON]] = {}
        for entry in self.entries:
            self._entries_by_incident.setdefault(str(entry["incident"]["id"]), []).append(entry)

    # -- lookups ---------------------------------------------------------------------

    def by_id(self, collection: str, object_id: str) -> JSON | None:
        """A service, user, priority, escalation policy or team by id."""
        return self._by_id[collection].get(object_id)

    def incident(self, id_or_number: str) -> JSON | None:
        """An incident by id or, as PagerDuty also accepts, by incident number."""
        return self._incident_by_id.get(id_or_number) or self._incident_by_number.get(id_or_number)

    def find_incidents(
        self,
        *,
        since: datetime | None,
        until: datetime | None,
        statuses: set[str],
        service_ids: set[str],
        team_ids: set[str],
        user_ids: set[str],
        urgencies: set[str],
        incident_key: str | None,
        sort_by: str | None,
    ) -> list[JSON]:
        """Incidents created in ``[since, until)`` matching every filter given."""
        key = (
            "incidents",
            since,
            until,
            *map(frozenset, (statuses, service_ids, team_ids)),
            frozenset(user_ids),
            frozenset(urgencies),
            incident_key,
            sort_by,
        )
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        window = self.incidents[self._span(self._incident_times, since, until)]
        found = [
            incident
            for incident in window
            if (not statuses or incident.get("status") in statuses)
            and (not service_ids or incident["service"]["id"] in service_ids)
            and (not urgencies or incident.get("urgency") in urgencies)
            and (not team_ids or {t["id"] for t in incident.get("teams", [])} & team_ids)
            and (not user_ids or _assignee_ids(incident) & user_ids)
            and (incident_key is None or incident.get("incident_key") == incident_key)
        ]
        if sort_by:
            found = _sorted_incidents(found, sort_by)
        return self._remember(key, found)

    def find_log_entries(
        self,
        *,
        incident_id: str | None,
        since: datetime | None,
        until: datetime | None,
        overview: bool,
        excluded: frozenset[str],
    ) -> list[JSON]:
        """Log entries in ``[since, until)``, newest first, as PagerDuty lists them."""
        key = ("log_entries", incident_id, since, until, overview)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        if incident_id is None:
            window = self.entries[self._span(self._entry_times, since, until)]
        else:
            window = [
                entry
                for entry in self._entries_by_incident.get(incident_id, [])
                if (since is None or parse_time(entry["created_at"]) >= since)
                and (until is None or parse_time(entry["created_at"]) < until)
            ]
        found = [e for e in reversed(window) if not (overview and e.get("type") in excluded)]
        return self._remember(key, found)

    # -- include[] -------------------------------------------------------------------

    def expand_incident(self, incident: JSON, includes: set[str]) -> JSON:
        """A copy of the incident with the included references replaced by full objects."""
        out = dict(incident)
        if "services" in includes:
            out["service"] = self._full("services", out.get("service"))
        if "escalation_policies" in includes:
            out["escalation_policy"] = self._full(
                "escalation_policies", out.get("escalation_policy")
            )
        if "teams" in includes:
            out["teams"] = [self._full("teams", t) for t in out.get("teams", [])]
        if "priorities" in includes and out.get("priority"):
            out["priority"] = self._full("priorities", out["priority"])
        if includes & {"assignees", "users"}:
            out["assignments"] = [
                {**a, "assignee": self._full("users", a["assignee"])}
                for a in out.get("assignments", [])
            ]
        if includes & {"acknowledgers", "users"}:
            out["acknowledgements"] = [
                {**a, "acknowledger": self._acknowledger(a["acknowledger"])}
                for a in out.get("acknowledgements", [])
            ]
        first = out.get("first_trigger_log_entry")
        if "first_trigger_log_entries" in includes and first:
            out["first_trigger_log_entry"] = self._entry_by_id.get(str(first["id"]), first)
        return out

    def expand_log_entry(self, entry: JSON, includes: set[str]) -> JSON:
        """A copy of the log entry with included incident, service and teams in full."""
        out = dict(entry)
        if "incidents" in includes:
            ref = out["incident"]
            out["incident"] = self._incident_by_id.get(str(ref["id"]), ref)
        if "services" in includes and out.get("service"):
            out["service"] = self._full("services", out["service"])
        if "teams" in includes:
            out["teams"] = [self._full("teams", t) for t in out.get("teams", [])]
        return out

    # -- helpers ---------------------------------------------------------------------

    def _full(self, collection: str, ref: Any) -> Any:
        if not isinstance(ref, dict) or "id" not in ref:
            return ref
        return self._by_id[collection].get(str(ref["id"]), ref)

    def _acknowledger(self, ref: JSON) -> JSON:
        kind = "services" if str(ref.get("type", "")).startswith("service") else "users"
        full: JSON = self._full(kind, ref)
        return full

    @staticmethod
    def _span(times: Sequence[datetime], since: datetime | None, until: datetime | None) -> slice:
        lo = 0 if since is None else bisect_left(times, since)
        hi = len(times) if until is None else bisect_left(times, until)
        return slice(lo, max(lo, hi))

    def _remember(self, key: tuple[Any, ...], found: list[JSON]) -> list[JSON]:
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.pop(next(iter(self._cache)))
        self._cache[key] = found
        return found


def _assignee_ids(incident: JSON) -> set[str]:
    return {str(a["assignee"]["id"]) for a in incident.get("assignments", [])}


def _sorted_incidents(incidents: list[JSON], sort_by: str) -> list[JSON]:
    """``sort_by=created_at:desc,incident_number`` -- applied last field first (stable)."""
    out = list(incidents)
    for part in reversed([p for p in sort_by.split(",") if p]):
        field, _, direction = part.partition(":")

        def sort_key(incident: JSON, field: str = field) -> tuple[int, Any]:
            value = incident.get(field)
            if field == "urgency":
                value = _URGENCY_RANK.get(str(value), 2)
            elif field in {"created_at", "resolved_at"} and value is not None:
                value = parse_time(str(value))
            return (value is None, value if value is not None else 0)

        out.sort(key=sort_key, reverse=direction == "desc")
    return out
