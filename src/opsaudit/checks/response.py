"""Severity and first response: ``incident.severity`` and ``response.ack``.

The runbook's Sev table gives each severity a response time; the severity itself comes
from the incident's PagerDuty priority (``rules.md``, "Severity"). An incident whose
priority maps to nothing gets ``incident.severity`` and no severity-based result.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from opsaudit.checks.context import Context, IncidentView
from opsaudit.checks.model import Result, Status, minutes, zulu
from opsaudit.checks.responders import acts
from opsaudit.checks.spec import check
from opsaudit.policy import NEXT_BUSINESS_DAY


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
    after the trigger's local date). Only a person's acknowledgement counts (not an
    integration's, the Events API's or an automation's); a resolution counts whoever
    made it, except the service's auto-resolve timeout. A violation when none came by
    then, pending when none came yet and the deadline is after the as-of time, and
    unknown when the policy has no response time for the severity. The message says
    who or what acknowledged or resolved."""
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
    done = acts(ctx, view)
    first = next((a for a in done if a.counts), None)
    # acts before the response that were none (an integration's ack, a timeout)
    ignored = [a for a in done if not a.counts and (first is None or a.at < first.at)]
    tail = "".join(f"; {a.not_counted(view)}" for a in ignored[:1])
    if first is not None:
        status: Status = "pass" if first.at <= deadline else "violation"
        return view.result(
            "response.ack",
            status,
            f"{first.said(view)} ({said}){tail}",
            deadline=deadline,
            observed=first.at,
            evidence=(first.evidence, *(a.evidence for a in ignored[:1])),
        )
    evidence = tuple(a.evidence for a in ignored[:1])
    if deadline > ctx.as_of and view.resolved_at is None:
        message = f"Not acknowledged by a person yet; due by {zulu(deadline)} ({said}){tail}"
        return view.result("response.ack", "pending", message, deadline=deadline, evidence=evidence)
    message = f"Neither acknowledged by a person nor resolved by the deadline ({said}){tail}"
    return view.result(
        "response.ack",
        "violation",
        message,
        deadline=deadline,
        evidence=evidence or (ctx.links.incident(view),),
    )
