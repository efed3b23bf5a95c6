"""Post-mortem deadlines, judged per incident (``rules.md``: ``postmortem.missing``,
``postmortem.late``).

A Sev1/Sev2 incident resolved at the as-of time owes a post-mortem within N business
days of its resolution: by the end of the Nth business day after the resolution's local
date (policy ``timezone`` and ``holidays``). A post-mortem counts for it when it links to
the incident (front matter, PagerDuty URL or ``incident-<ticket-id>`` mention), wherever
in time the file landed; with several, the earliest landing is the one judged.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from opsaudit.checks.context import Context, IncidentView
from opsaudit.checks.model import Result, Status, minutes
from opsaudit.checks.spec import check, unset_message
from opsaudit.checks.text import utc_minute
from opsaudit.snapshot import PostMortemFile

RUNBOOK = "Within 5 business days of resolution. Required for Sev1 and Sev2."
POLICY = ("postmortem.severities", "postmortem.due_business_days")
DAYS = "postmortem.due_business_days"
DAYS_ARE = "post-mortem due time in business days"


def _owing(ctx: Context) -> Iterator[IncidentView]:
    """Audited incidents of the window that owe a post-mortem: severity listed, resolved."""
    severities = ctx.policy.postmortem.severities
    for view in ctx.incidents:
        if view.severity in severities and view.resolved_at is not None:
            yield view


def _owing_with_postmortem(ctx: Context) -> Iterator[IncidentView]:
    return (v for v in _owing(ctx) if ctx.postmortems_of(v.incident))


@check(
    "postmortem.missing",
    title="{postmortem.severities} incidents get a post-mortem within the due time",
    subject="incident",
    group="postmortem",
    runbook=RUNBOOK,
    needs=("incidents", "documents"),
    policy=POLICY,
    deadline=True,
)
def postmortem_missing(ctx: Context) -> Iterator[Result]:
    """Applies to resolved incidents of the severities in ``postmortem.severities``.
    Pass: a post-mortem in the repository at the as-of time links to the incident (also
    one that landed late: ``postmortem.late`` judges that). Violation: none does and the
    due time (the end of the Nth business day after the resolution) is at or before
    as-of. Pending: none yet and the due time is later. Unknown without
    ``postmortem.due_business_days``."""
    rule = "postmortem.missing"
    for view in _owing(ctx):
        due = _due(ctx, view)
        files = ctx.postmortems_of(view.incident)
        if files:
            first = _earliest(files)
            message = f"Post-mortem {first.path} links to the incident ({_also(files)})."
            evidence = tuple(ctx.links.document(f) for f in files)
            yield view.result(
                rule, "pass", message, deadline=due, observed=first.landed_at, evidence=evidence
            )
        elif due is None:
            # a linked post-mortem passes without the due time; judging its absence needs it
            yield view.result(rule, "unknown", unset_message(DAYS, DAYS_ARE))
        elif due <= ctx.as_of:
            message = f"No post-mortem links to the incident; it was due {_by(ctx, view, due)}."
            evidence = (ctx.links.incident(view),)
            yield view.result(rule, "violation", message, deadline=due, evidence=evidence)
        else:
            message = f"No post-mortem yet; it is due {_by(ctx, view, due)}."
            yield view.result(rule, "pending", message, deadline=due)


@check(
    "postmortem.late",
    title="A post-mortem lands within the due time",
    subject="incident",
    group="postmortem",
    runbook=RUNBOOK,
    needs=("incidents", "documents"),
    policy=POLICY,
    deadline=True,
    requires={DAYS: DAYS_ARE},
    scope=_owing_with_postmortem,
)
def postmortem_late(ctx: Context) -> Iterator[Result]:
    """Applies to resolved incidents of the severities in ``postmortem.severities`` that
    have a linked post-mortem. Pass: the earliest landing of its linked post-mortems
    (committer date of the commit that added the file at its path) is at or before the
    due time, the end of the Nth business day after the resolution. Violation: it landed
    later. Unknown without ``postmortem.due_business_days``."""
    rule = "postmortem.late"
    for view in _owing_with_postmortem(ctx):
        files = ctx.postmortems_of(view.incident)
        due = _due(ctx, view)
        if due is None:
            continue  # the engine answers unknown (requires)
        first = _earliest(files)
        landed = first.landed_at
        evidence = (ctx.links.document(first), ctx.links.commit(first))
        status: Status = "pass" if landed <= due else "violation"
        gap = minutes(abs((due - landed).total_seconds()))
        how = f"{gap} before" if landed <= due else f"{gap} after"
        message = (
            f"Post-mortem {first.path} landed {utc_minute(landed)}, {how} its due time "
            f"({_by(ctx, view, due)})."
        )
        yield view.result(rule, status, message, deadline=due, observed=landed, evidence=evidence)


def _due(ctx: Context, view: IncidentView) -> datetime | None:
    days = ctx.policy.postmortem.due_business_days
    if days is None or view.resolved_at is None:
        return None
    return ctx.calendar.add_business_days(view.resolved_at, days)


def _earliest(files: Sequence[PostMortemFile]) -> PostMortemFile:
    # ties broken by path so that the result does not depend on the snapshot's order
    return min(files, key=lambda f: (f.landed_at, f.path))


def _also(files: Sequence[PostMortemFile]) -> str:
    first = _earliest(files)
    others = len(files) - 1
    landed = f"landed {utc_minute(first.landed_at)}"
    return f"{landed}, and {others} more" if others else landed


def _by(ctx: Context, view: IncidentView, due: datetime) -> str:
    days = ctx.policy.postmortem.due_business_days
    resolved = utc_minute(view.resolved_at) if view.resolved_at else "?"
    return f"by {utc_minute(due)}, {days} business days after the resolution at {resolved}"
