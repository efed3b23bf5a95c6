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
from datetime import UTC, datetime

from opsaudit.checks.context import Context, IncidentView
from opsaudit.checks.model import Evidence, Result, Status, minutes
from opsaudit.checks.registry import check
from opsaudit.snapshot import PostMortemFile

RUNBOOK = "Within 5 business days of resolution. Required for Sev1 and Sev2."
POLICY = ("postmortem.severities", "postmortem.due_business_days")
NO_DAYS = "Cannot be judged: the policy has no postmortem.due_business_days."


@check(
    "postmortem.missing",
    title="Sev1/Sev2 incidents get a post-mortem within the due time",
    subject="incident",
    runbook=RUNBOOK,
    needs=("pagerduty", "github"),
    policy=POLICY,
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
            evidence = tuple(ctx.github_evidence(f) for f in files)
            yield view.result(
                rule, "pass", message, deadline=due, observed=first.landed_at, evidence=evidence
            )
        elif due is None:
            yield view.result(rule, "unknown", NO_DAYS)
        elif due <= ctx.as_of:
            message = f"No post-mortem links to the incident; it was due {_by(ctx, view, due)}."
            evidence = (ctx.incident_evidence(view),)
            yield view.result(rule, "violation", message, deadline=due, evidence=evidence)
        else:
            message = f"No post-mortem yet; it is due {_by(ctx, view, due)}."
            yield view.result(rule, "pending", message, deadline=due)


@check(
    "postmortem.late",
    title="A post-mortem lands within the due time",
    subject="incident",
    runbook=RUNBOOK,
    needs=("pagerduty", "github"),
    policy=POLICY,
)
def postmortem_late(ctx: Context) -> Iterator[Result]:
    """Applies to resolved incidents of the severities in ``postmortem.severities`` that
    have a linked post-mortem. Pass: the earliest landing of its linked post-mortems
    (committer date of the commit that added the file at its path) is at or before the
    due time, the end of the Nth business day after the resolution. Violation: it landed
    later. Unknown without ``postmortem.due_business_days``."""
    rule = "postmortem.late"
    for view in _owing(ctx):
        files = ctx.postmortems_of(view.incident)
        if not files:
            continue
        due = _due(ctx, view)
        if due is None:
            yield view.result(rule, "unknown", NO_DAYS)
            continue
        first = _earliest(files)
        landed = first.landed_at
        evidence = (ctx.github_evidence(first), _commit_evidence(ctx, first))
        status: Status = "pass" if landed <= due else "violation"
        gap = minutes(abs((due - landed).total_seconds()))
        how = f"{gap} before" if landed <= due else f"{gap} after"
        message = (
            f"Post-mortem {first.path} landed {_utc(landed)}, {how} its due time "
            f"({_by(ctx, view, due)})."
        )
        yield view.result(rule, status, message, deadline=due, observed=landed, evidence=evidence)


def _owing(ctx: Context) -> Iterator[IncidentView]:
    """Audited incidents of the window that owe a post-mortem: severity listed, resolved."""
    severities = ctx.policy.postmortem.severities
    for view in ctx.incidents:
        if view.severity in severities and view.resolved_at is not None:
            yield view


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
    landed = f"landed {_utc(first.landed_at)}"
    return f"{landed}, and {others} more" if others else landed


def _by(ctx: Context, view: IncidentView, due: datetime) -> str:
    days = ctx.policy.postmortem.due_business_days
    resolved = _utc(view.resolved_at) if view.resolved_at else "?"
    return f"by {_utc(due)}, {days} business days after the resolution at {resolved}"


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _commit_evidence(ctx: Context, file: PostMortemFile) -> Evidence:
    """The commit that landed the file (candidate for a shared Context helper)."""
    repo = ctx.settings.github_repo
    sha = file.landing_commit
    if repo is None:
        return Evidence("github", sha)
    return Evidence("github", sha, f"{ctx.settings.github_web.rstrip('/')}/{repo}/commit/{sha}")
