"""Communication checks: summary posts in ``#incidents`` (the runbook's template).

``rules.md``: ``comms.initial`` (a Sev1's first summary post by trigger + 15 min),
``comms.template`` (every summary post of a Sev1/Sev2 has the template's fields) and
``comms.next_update`` (each "Next update by T" is kept by the incident's next post).
A summary post "came" at its Slack ``ts``, compared at full precision.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from opsaudit.checks.context import Context, IncidentView, ParsedPost
from opsaudit.checks.model import Result, Status, minutes
from opsaudit.checks.spec import check
from opsaudit.checks.text import clock, span
from opsaudit.policy import Severity


def _initial_scope(ctx: Context) -> Iterator[IncidentView]:
    return _in_scope(ctx, ctx.policy.comms.initial.severities)


@check(
    "comms.initial",
    title="A {comms.initial.severities}'s first summary post comes within "
    "{comms.initial.within} of the trigger",
    subject="incident",
    group="comms",
    runbook='Update status page — set to "investigating".',
    needs=("incidents", "chat"),
    policy=("comms.initial.severities", "comms.initial.within"),
    requires={"comms.initial.within": "time for the first summary post"},
    scope=_initial_scope,
)
def comms_initial(ctx: Context) -> Iterator[Result]:
    """A Sev1 needs a summary post in ``#incidents`` naming it by trigger + 15 min, the
    trace of setting the status page to "investigating"; any summary post counts, whatever
    its status or completeness. Violation: none by then. Pending: none yet and the
    deadline is after as-of. Unknown: the policy has no ``comms.initial.within``."""
    rule, policy = "comms.initial", ctx.policy.comms.initial
    if policy.within is None:
        return  # the engine answers unknown (requires)
    for view in _initial_scope(ctx):
        limit = f"(limit {minutes(policy.within.total_seconds())})"
        deadline = view.triggered_at + policy.within
        posts = _summary_posts(ctx, view)
        first = posts[0] if posts else None
        if first is None:
            status: Status = "violation" if deadline <= ctx.as_of else "pending"
            when = "by" if status == "violation" else "yet; due by"
            message = f"No summary post {when} {_at(view, deadline)} {limit}."
            yield view.result(rule, status, message, deadline=deadline)
            continue
        came = first.post.posted_at
        delay = (came - view.triggered_at).total_seconds()
        after = f"{span(delay)} after" if delay >= 0 else f"{span(-delay)} before"
        yield view.result(
            rule,
            "pass" if came <= deadline else "violation",
            f"First summary post at {_at(view, came)}, {after} the trigger {limit}.",
            deadline=deadline,
            observed=came,
            evidence=(ctx.links.post(first),),
        )


@check(
    "comms.template",
    title="Summary posts follow the communications template",
    subject="incident",
    group="comms",
    runbook="Post this to: #incidents Slack, status page, war room channel.",
    needs=("incidents", "chat"),
    policy=("comms.template.severities", "comms.statuses"),
)
def comms_template(ctx: Context) -> Iterator[Result]:
    """Every summary post of a Sev1 or Sev2 needs What, When (a UTC time), Status (one of
    ``comms.statuses``), Service(s), Brand(s), Latest update (a UTC time and text) and
    Next update by (a UTC time; not when resolved). Violation: some post lacks a field or
    has a bad value, or the incident is resolved with no summary post at all. Pending:
    open with no summary post yet. Pass otherwise."""
    rule, statuses = "comms.template", ctx.policy.comms.statuses
    for view in _in_scope(ctx, ctx.policy.comms.template.severities):
        posts = _summary_posts(ctx, view)
        if not posts:
            if view.resolved_at is None:
                yield view.result(rule, "pending", "No summary post yet for this open incident.")
            else:
                message = f"Resolved at {_at(view, view.resolved_at)} with no summary post."
                yield view.result(rule, "violation", message, evidence=(ctx.links.incident(view),))
            continue
        bad = [(p, found) for p in posts if (found := p.summary.problems(statuses=statuses))]
        if not bad:
            message = (
                f"All {len(posts)} summary posts follow the template."
                if len(posts) > 1
                else "The summary post follows the template."
            )
            yield view.result(rule, "pass", message, evidence=tuple(map(ctx.links.post, posts)))
            continue
        first, problems = bad[0]
        yield view.result(
            rule,
            "violation",
            f"{len(bad)} of {_count(len(posts), 'summary post')} break the template; the one of "
            f"{_at(view, first.post.posted_at)}: {'; '.join(problems[:3])}.",
            observed=first.post.posted_at,
            evidence=tuple(ctx.links.post(p) for p, _ in bad),
        )


@check(
    "comms.next_update",
    title='Each "Next update by" promise is kept by the next summary post',
    subject="incident",
    group="comms",
    runbook="**Next update by** <timestamp>",
    needs=("incidents", "chat"),
    policy=("comms.template.severities",),
)
def comms_next_update(ctx: Context) -> Iterator[Result]:
    """For a Sev1 or Sev2 with summary posts, each post's "Next update by T" (read as UTC
    without a zone) must be followed by the incident's next summary post at or before T.
    Violation: the next post came after T, or none came and T is at or before as-of.
    Pending: the last promise is after as-of and nothing came since. A post saying
    resolved promises nothing. Pass otherwise."""
    rule = "comms.next_update"
    for view in _in_scope(ctx, ctx.policy.comms.template.severities):
        posts = _summary_posts(ctx, view)
        if not posts:
            continue
        promises = [(i, t) for i, p in enumerate(posts) if (t := _promise(p)) is not None]
        broken = [
            (i, t)
            for i, t in promises
            if (posts[i + 1].post.posted_at > t if i + 1 < len(posts) else t <= ctx.as_of)
        ]
        if broken:
            index, promised = broken[0]
            following = posts[index + 1] if index + 1 < len(posts) else None
            came = following.post.posted_at if following else None
            yield view.result(
                rule,
                "violation",
                _broken(view, len(broken), promised, came),
                deadline=promised,
                observed=came,
                evidence=tuple(ctx.links.post(posts[i]) for i, _ in broken),
            )
        elif promises and promises[-1][0] == len(posts) - 1:
            promised = promises[-1][1]
            message = f"Next update promised by {_at(view, promised)}; none yet."
            yield view.result(
                rule, "pending", message, deadline=promised, evidence=(ctx.links.post(posts[-1]),)
            )
        else:
            yield view.result(rule, "pass", _kept(view, posts, promises))


def _in_scope(ctx: Context, severities: tuple[Severity, ...]) -> Iterator[IncidentView]:
    return (v for v in ctx.incidents if v.severity is not None and v.severity in severities)


def _summary_posts(ctx: Context, view: IncidentView) -> list[ParsedPost]:
    """The incident's summary posts by time."""
    return sorted(ctx.summary_posts(view.incident), key=lambda p: (p.post.posted_at, p.post.ts))


def _promise(parsed: ParsedPost) -> datetime | None:
    return parsed.summary.promise(posted_at=parsed.post.posted_at)


def _broken(view: IncidentView, count: int, promised: datetime, came: datetime | None) -> str:
    then = f"the next summary post came at {_at(view, came)}" if came else "no post came"
    more = f" ({count} promises broken)" if count > 1 else ""
    return f"Next update promised by {_at(view, promised)}, but {then}{more}."


def _kept(view: IncidentView, posts: list[ParsedPost], promises: list[tuple[int, datetime]]) -> str:
    if not promises:
        return "No summary post promised a next update."
    index, promised = promises[-1]
    came = _at(view, posts[index + 1].post.posted_at)
    kept = _count(len(promises), "next-update promise")
    return f"{kept} kept; the last, by {_at(view, promised)}, by the post of {came}."


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _at(view: IncidentView, moment: datetime) -> str:
    return clock(moment, day=view.triggered_at.astimezone(UTC).date())
