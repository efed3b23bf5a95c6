"""Who responded to an incident (``rules.md``, "Real-world data, settled": Who responded).

An acknowledgement is a response only when a person made it: one by an integration, the
Events API or any automation is not. A resolution ends the obligation whoever made it
(a monitoring tool whose condition cleared counts), except one by the service's own
auto-resolve timeout. ``response.ack`` and the "resolved by" branches of
``escalation.*`` read these rules from here, and say who or what acted with
:func:`by_whom`.

An event whose maker the source did not record (no actor kind) is given the benefit
of the doubt: missing data never turns into a violation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from opsaudit.checks.context import Context, IncidentView
from opsaudit.checks.model import Evidence, minutes
from opsaudit.records import TIMEOUT, IncidentEvent

ACK = "acknowledged"
RESOLVE = "resolved"


@dataclass(frozen=True)
class Act:
    """An acknowledgement or a resolution: when, what it was, and whether it counts."""

    at: datetime
    kind: str  # ACK or RESOLVE
    by: str  # "by Jane Doe", "by integration Datadog", "" when unknown
    counts: bool
    evidence: Evidence

    @property
    def what(self) -> str:
        """``Acknowledged by Jane Doe``, ``Resolved by integration Datadog``."""
        verb = "Acknowledged" if self.kind == ACK else "Resolved"
        return f"{verb} {self.by}".rstrip()

    def said(self, view: IncidentView) -> str:
        """``Acknowledged by Jane Doe 4 min after trigger``."""
        return f"{self.what} {minutes((self.at - view.triggered_at).total_seconds())} after trigger"

    def not_counted(self, view: IncidentView) -> str:
        """Why this act was no response, for a message's tail."""
        why = "not a person" if self.kind == ACK else "not a response"
        said = self.said(view)
        return f"{said[:1].lower()}{said[1:]}, {why}"


def by_timeout(event: IncidentEvent) -> bool:
    """A resolution by the service's auto-resolve timeout."""
    return event.kind == RESOLVE and event.channel == TIMEOUT


def counts(event: IncidentEvent) -> bool:
    """Whether an acknowledgement or resolution is a response."""
    if event.kind == ACK:
        return event.actor_kind in (None, "person")
    return event.kind == RESOLVE and not by_timeout(event)


def by_whom(ctx: Context, event: IncidentEvent) -> str:
    """Who or what made ``event``: ``by Jane Doe``, ``by integration Datadog``,
    ``by the service's auto-resolve timeout``; empty when nothing names them."""
    if by_timeout(event):
        return "by the service's auto-resolve timeout"
    name = event.actor_name
    if event.actor_kind in (None, "person"):
        user = ctx.snapshot.users.get(event.actor_id or "")
        who = user.name if user is not None and user.name else name
        return f"by {who}" if who else ""
    if event.actor_kind == "integration":
        return f"by integration {name}" if name else "by an integration"
    if event.actor_kind == "service":
        return f"by service {name}" if name else "by the service"
    return f"by automation {name}" if name else "by an automation"


def acts(ctx: Context, view: IncidentView) -> list[Act]:
    """Every acknowledgement and the resolution, in time order, up to the resolution;
    an incident resolved with no resolve entry (only the API's ``resolved_at``) ends
    with that resolution, counted."""
    found: list[Act] = []
    resolved = view.resolved_at
    for event in view.events:
        if event.kind not in (ACK, RESOLVE):
            continue
        if resolved is not None and event.created_at > resolved:
            break
        evidence = ctx.links.log(view, event)
        found.append(
            Act(event.created_at, event.kind, by_whom(ctx, event), counts(event), evidence)
        )
        if event.kind == RESOLVE:
            return found
    if resolved is not None:
        found.append(Act(resolved, RESOLVE, "", True, ctx.links.incident(view)))
    return found


def resolution(ctx: Context, view: IncidentView) -> Act | None:
    """The incident's resolution (counted or not), None while open at as-of."""
    return next((a for a in acts(ctx, view) if a.kind == RESOLVE), None)
