"""Severity and first response: ``incident.severity`` and ``response.ack``.

The runbook's Sev table gives each severity a response time; the severity itself comes
from the incident's PagerDuty priority (``rules.md``, "Severity"). An incident whose
priority maps to nothing gets ``incident.severity`` and no severity-based result.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Final

from opsaudit.checks.context import Context, IncidentView
from opsaudit.checks.model import Evidence, Result, minutes, zulu
from opsaudit.checks.spec import check
from opsaudit.policy import NEXT_BUSINESS_DAY

_ACK: Final = "acknowledged"
_RESOLVE: Final = "resolved"


@check(
    "incident.severity",
    title="Every incident has a priority that maps to a severity",
    subject="incident",
    group="incident",
    runbook="## Sev levels",
    needs=("incidents",),
    policy=("severity_map",),
)
def incident_severity(ctx: Context) -> Iterator[Result]:
    """Every audited incident passes when its PagerDuty priority maps to Sev1-Sev4,
    through the policy's severity_map or a name like SEV2, Sev 2 or sev-2.
    An incident with no priority, or with a priority that maps to nothing, is a
    violation, and no severity-based check judges it."""
    for view in ctx.incidents:
        priority = view.incident.priority_name
        evidence = (ctx.links.incident(view),)
        if view.severity is not None:
            message = f"Priority {priority} maps to {view.severity}"
            yield view.result("incident.severity", "pass", message, evidence=evidence)
        elif not priority:
            message = "No priority is set, so the incident has no severity"
            yield view.result("incident.severity", "violation", message, evidence=evidence)
        else:
            message = f"Priority {priority!r} maps to no severity"
            yield view.result("incident.severity", "violation", message, evidence=evidence)


def _with_severity(ctx: Context) -> Iterator[IncidentView]:
    return (v for v in ctx.incidents if v.severity is not None)


@check(
    "response.ack",
    title="Acknowledged within the severity's response time",
    subject="incident",
    group="response",
    runbook="| Sev | Definition | Response |",
    needs=("incidents",),
    policy=("response",),
    requires={"response.{severity}": "response time for {severity}"},
    scope=_with_severity,
)
def response_ack(ctx: Context) -> Iterator[Result]:
    """Sev1-Sev4 incidents pass when an acknowledge or resolve log entry comes by the
    trigger plus the severity's response time (Sev4: by the end of the next business day
    after the trigger's local date). A violation when none came by then, pending when
    none came yet and the deadline is after the as-of time, and unknown when the
    policy has no response time for the severity."""
    for view in _with_severity(ctx):
        assert view.severity is not None
        limit = ctx.policy.response.get(view.severity)
        if limit is None:
            continue  # the engine answers unknown (requires)
        if limit == NEXT_BUSINESS_DAY:
            deadline = ctx.calendar.end_of_next_business_day(view.triggered_at)
            said = f"limit end of next business day, {zulu(deadline)}"
        else:
            assert not isinstance(limit, str)  # the policy admits one word only
            deadline = view.triggered_at + limit
            said = f"limit {minutes(limit.total_seconds())}"
        yield _judge_ack(ctx, view, deadline=deadline, said=said)


def _judge_ack(ctx: Context, view: IncidentView, *, deadline: datetime, said: str) -> Result:
    first, evidence = _first_response(ctx, view)
    if first is not None and first[0] <= deadline:
        moment, what = first
        after = minutes((moment - view.triggered_at).total_seconds())
        message = f"{what} {after} after trigger ({said})"
        return view.result(
            "response.ack", "pass", message, deadline=deadline, observed=moment, evidence=evidence
        )
    if first is None and deadline > ctx.as_of:
        message = f"Not acknowledged yet; due by {zulu(deadline)} ({said})"
        return view.result("response.ack", "pending", message, deadline=deadline)
    if first is None:
        message = f"Neither acknowledged nor resolved by the deadline ({said})"
        evidence = (ctx.links.incident(view),)
        return view.result(
            "response.ack", "violation", message, deadline=deadline, evidence=evidence
        )
    moment, what = first
    after = minutes((moment - view.triggered_at).total_seconds())
    return view.result(
        "response.ack",
        "violation",
        f"{what} {after} after trigger ({said})",
        deadline=deadline,
        observed=moment,
        evidence=evidence,
    )


def _first_response(
    ctx: Context, view: IncidentView
) -> tuple[tuple[datetime, str] | None, tuple[Evidence, ...]]:
    """The first acknowledge or resolution (the first one counts, whatever follows)."""
    entry = view.first(_ACK, _RESOLVE)
    resolved = view.resolved_at
    if entry is not None and (resolved is None or entry.created_at <= resolved):
        what = "Acknowledged" if entry.kind == _ACK else "Resolved"
        return (entry.created_at, what), (ctx.links.log(view, entry),)
    if resolved is not None:
        # no log entry before it: the API's resolved_at is the only trace
        return (resolved, "Resolved"), (ctx.links.incident(view),)
    return None, ()
