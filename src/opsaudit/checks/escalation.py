"""Escalation: ``escalation.secondary`` and ``escalation.leadership``.

Both read the incident's PagerDuty log (assignments, escalations, delegations,
notifications) and its responder requests, cut at the as-of time. ``rules.md`` settles
what counts: the first assignment is the primary's, whenever it came; every later
assignment of a user not assigned before, every delegation and every responder request
is an escalation to a further responder; a person is reached by a notification, an
assignment or a responder request naming them. A resolution passes either check whoever
made it, except the service's auto-resolve timeout (:mod:`.responders`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from opsaudit.checks.context import Context, IncidentView
from opsaudit.checks.model import Evidence, Result, minutes, zulu
from opsaudit.checks.responders import resolution
from opsaudit.checks.spec import check
from opsaudit.config import Person
from opsaudit.records import ResponderRequest

_ASSIGNING = ("assigned", "escalated", "delegated")
_NOTIFY = "notified"


@dataclass(frozen=True)
class _Step:
    """One escalation or contact: when, whom it names, how to say it, where it is."""

    at: datetime
    users: tuple[str, ...]
    what: str
    evidence: Evidence


def _in_scope(ctx: Context) -> Iterator[IncidentView]:
    severities = ctx.policy.escalation.severities
    return (v for v in ctx.incidents if v.severity is not None and v.severity in severities)


@check(
    "escalation.secondary",
    title="Escalated to a further responder or resolved within {escalation.secondary_within}",
    subject="incident",
    group="escalation",
    runbook="If primary on-call can't resolve in 30 min: escalate to secondary.",
    needs=("incidents",),
    policy=("escalation.severities", "escalation.secondary_within"),
    requires={"escalation.secondary_within": "time to escalate to a further responder"},
    scope=_in_scope,
)
def escalation_secondary(ctx: Context) -> Iterator[Result]:
    """Sev1 and Sev2 incidents pass when resolved by the trigger plus secondary_within
    (default 30 min), or when escalated to a further responder by then: a later
    assignment of a user not assigned before, a delegation to another escalation
    policy, or a responder request. The primary's assignment (the first one, whenever
    it came), and re-paging someone already assigned, do not count; nor does a
    resolution by the service's auto-resolve timeout. A violation when neither
    happened; pending while open and not escalated with the deadline after as-of."""
    rule, within = "escalation.secondary", ctx.policy.escalation.secondary_within
    if within is None:
        return  # the engine answers unknown (requires)
    for view in _in_scope(ctx):
        deadline, limit = view.triggered_at + within, minutes(within.total_seconds())
        steps = _escalations(ctx, view)
        step = next((s for s in steps if s.at <= deadline), None)
        end = resolution(ctx, view)
        if (
            end is not None
            and end.counts
            and end.at <= deadline
            and (step is None or end.at < step.at)
        ):
            message = f"{end.said(view)} (limit {limit})"
            yield view.result(
                rule, "pass", message, deadline=deadline, observed=end.at, evidence=(end.evidence,)
            )
        elif step is not None:
            message = f"{step.what} {_after(view, step.at)} after trigger (limit {limit})"
            evidence = (step.evidence,)
            yield view.result(
                rule, "pass", message, deadline=deadline, observed=step.at, evidence=evidence
            )
        elif end is None and deadline > ctx.as_of:
            message = f"Not escalated yet; due by {zulu(deadline)} (limit {limit})"
            yield view.result(rule, "pending", message, deadline=deadline)
        else:
            late = steps[0] if steps else None
            message = f"Neither escalated to a further responder nor resolved within {limit}"
            if late is not None:
                message += f" ({late.what} {_after(view, late.at)} after trigger)"
            if end is not None and not end.counts and end.at <= deadline:
                message += f"; {end.not_counted(view)}"
            yield view.result(
                rule,
                "violation",
                message,
                deadline=deadline,
                observed=late.at if late else None,
                evidence=(late.evidence,) if late else (ctx.links.incident(view),),
            )


@check(
    "escalation.leadership",
    title="CTO and service owner reached, or resolved, within {escalation.leadership_within}",
    subject="incident",
    group="escalation",
    runbook="If both stuck after 60 min: page CTO + relevant service owner.",
    needs=("incidents",),
    policy=("escalation.severities", "escalation.leadership_within"),
    requires={"escalation.leadership_within": "time to reach the CTO and service owner"},
    scope=_in_scope,
)
def escalation_leadership(ctx: Context) -> Iterator[Result]:
    """Sev1 and Sev2 incidents pass when resolved by the trigger plus leadership_within
    (default 60 min; not by the service's auto-resolve timeout), or when both the CTO
    (people.cto) and the service's owner were reached by then: notified, assigned or
    asked in a responder request. A violation when still unresolved then and someone
    configured was not reached (the message names who); unknown when everyone
    configured was reached but the CTO or the service's owner is not configured;
    pending while open with the deadline after as-of."""
    rule, within = "escalation.leadership", ctx.policy.escalation.leadership_within
    if within is None:
        return  # the engine answers unknown (requires)
    for view in _in_scope(ctx):
        deadline, limit = view.triggered_at + within, minutes(within.total_seconds())
        end = resolution(ctx, view)
        if end is not None and end.counts and end.at <= deadline:
            message = f"{end.said(view)} (limit {limit})"
            yield view.result(
                rule, "pass", message, deadline=deadline, observed=end.at, evidence=(end.evidence,)
            )
            continue
        reached, missed, unconfigured = _leaders(ctx, view, deadline=deadline)
        evidence = tuple(step.evidence for _, step in reached)
        if not missed and not unconfigured:
            last = max(step.at for _, step in reached)
            names = " and ".join(who for who, _ in reached)
            message = f"{names} reached by {_after(view, last)} after trigger (limit {limit})"
            yield view.result(
                rule, "pass", message, deadline=deadline, observed=last, evidence=evidence
            )
        elif end is None and deadline > ctx.as_of:
            message = f"Open, leadership not all reached yet; due by {zulu(deadline)}"
            yield view.result(rule, "pending", message, deadline=deadline, evidence=evidence)
        elif missed:
            message = f"{' and '.join(missed)} not reached within {limit}"
            if end is not None and not end.counts and end.at <= deadline:
                message += f"; {end.not_counted(view)}"
            yield view.result(rule, "violation", message, deadline=deadline, evidence=evidence)
        else:
            message = _unjudged(view, unconfigured=unconfigured, reached=reached)
            yield view.result(rule, "unknown", message, deadline=deadline, evidence=evidence)


def _leaders(
    ctx: Context, view: IncidentView, *, deadline: datetime
) -> tuple[list[tuple[str, _Step]], list[str], list[str]]:
    """The CTO and the service owner: (who was reached and how, who was missed, which
    roles are not configured)."""
    reached: list[tuple[str, _Step]] = []
    missed: list[str] = []
    unconfigured: list[str] = []
    contacts = [s for s in _contacts(ctx, view) if s.at <= deadline]
    for role, person in (("CTO", ctx.settings.cto), ("owner", view.owner)):
        ids = _person_ids(ctx, person)
        if person is None or (not ids and not person.email):
            unconfigured.append(role)
            continue
        who = f"{role} {_person_name(ctx, person, ids)}"
        step = next((s for s in contacts if ids & set(s.users)), None)
        if step is not None:
            reached.append((who, step))
        else:
            missed.append(who)
    return reached, missed, unconfigured


def _unjudged(
    view: IncidentView, *, unconfigured: list[str], reached: list[tuple[str, _Step]]
) -> str:
    absent = " and ".join(
        "no CTO is configured (people.cto)"
        if role == "CTO"
        else f"service {view.service_name} has no owner configured"
        for role in unconfigured
    )
    found = " and ".join(who for who, _ in reached)
    return f"Cannot judge: {absent}" + (f" ({found} reached)" if found else "")


def _after(view: IncidentView, moment: datetime) -> str:
    return minutes((moment - view.triggered_at).total_seconds())


def _escalations(ctx: Context, view: IncidentView) -> list[_Step]:
    """Escalations to a further responder after the trigger, in time order. The first
    assignment names the primary whenever it came (assignment can lag the trigger under
    urgency rules, support hours or alert grouping): it is no escalation."""
    assigned: set[str] = set()
    steps: list[_Step] = []
    primary_named = False
    for entry in view.events:
        if entry.kind not in _ASSIGNING:
            continue
        new = tuple(u for u in entry.user_ids if u not in assigned)
        assigned.update(entry.user_ids)
        first_assignment = entry.kind == "assigned" and not primary_named
        primary_named = primary_named or entry.kind == "assigned"
        if first_assignment or entry.created_at <= view.triggered_at:
            continue  # the primary's assignment
        if entry.kind == "delegated":
            what = "Delegated to another escalation policy"
            if entry.user_ids:
                what += f" ({_names(ctx, entry.user_ids)})"
        elif new:
            what = f"Escalated to {_names(ctx, new)}"
        else:
            continue  # re-paging someone already assigned brings no one new
        steps.append(_Step(entry.created_at, new, what, ctx.links.log(view, entry)))
    for request in _requests(ctx, view):
        named = f" ({_names(ctx, request.user_ids)})" if request.user_ids else ""
        steps.append(
            _Step(
                request.requested_at,
                request.user_ids,
                f"Responders requested{named}",
                ctx.links.incident(view),
            )
        )
    return sorted(steps, key=lambda s: s.at)


def _contacts(ctx: Context, view: IncidentView) -> list[_Step]:
    """Every notification, assignment and responder request, in time order."""
    steps = [
        _Step(e.created_at, e.user_ids, e.kind, ctx.links.log(view, e))
        for e in view.events
        if e.kind == _NOTIFY or e.kind in _ASSIGNING
    ]
    steps += [
        _Step(r.requested_at, r.user_ids, "responder request", ctx.links.incident(view))
        for r in _requests(ctx, view)
    ]
    return sorted(steps, key=lambda s: s.at)


def _requests(ctx: Context, view: IncidentView) -> Iterable[ResponderRequest]:
    # responder requests are an incident attribute: the snapshot does not cut them
    return sorted(
        (r for r in view.incident.responder_requests if r.requested_at <= ctx.as_of),
        key=lambda r: r.requested_at,
    )


def _person_ids(ctx: Context, person: Person | None) -> set[str]:
    """The PagerDuty user ids of a configured person (by id, or by e-mail address)."""
    if person is None:
        return set()
    ids = {person.pagerduty_id} if person.pagerduty_id else set()
    if person.email:
        email = person.email.casefold()
        ids |= {u.id for u in ctx.snapshot.users.values() if (u.email or "").casefold() == email}
    return ids


def _person_name(ctx: Context, person: Person, ids: set[str]) -> str:
    for user_id in sorted(ids):
        user = ctx.snapshot.users.get(user_id)
        if user is not None and user.name:
            return user.name
    return person.email or person.pagerduty_id or "?"


def _names(ctx: Context, user_ids: Iterable[str]) -> str:
    users = ctx.snapshot.users
    return ", ".join(users[u].name if u in users and users[u].name else u for u in user_ids)
