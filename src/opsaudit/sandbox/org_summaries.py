"""``#incidents`` summary posts, following the runbook's communications template.

Every promise (``Next update by T``) is kept with a margin unless a comms fault is
planted; times name their date whenever it differs from the post's own date.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from opsaudit.sandbox.org_common import Plan, floor_minute, minutes

if TYPE_CHECKING:
    from opsaudit.sandbox.org_slack import Channel

STATUSES = ("investigating", "identified", "mitigating")
IMPACT = (
    "Some customers cannot complete checkout",
    "Pages load slowly for a share of users",
    "Users see errors when signing in",
    "Search results are missing new products",
    "Order confirmations are delayed",
)
HEADINGS = ("*Incident summary*", "**Incident summary**", "Incident summary")
PROMISE = timedelta(minutes=30)


def _stamp(moment: datetime, post_at: datetime, *, full: bool = False) -> str:
    if full or moment.date() != post_at.date():
        return moment.strftime("%Y-%m-%d %H:%M UTC")
    return moment.strftime("%H:%M UTC")


def _reference(plan: Plan) -> str:
    """How a post names its incident: the war room, the PagerDuty id or the URL."""
    style = plan.variant % 4
    if style == 0 and plan.warroom_id is not None:
        return f"War room: <#{plan.warroom_id}|incident-{plan.number}>."
    if style == 1:
        return f"Coordinating in #incident-{plan.number}."
    if style == 2:
        return f"PagerDuty: {plan.url}"
    return f"PagerDuty incident {plan.id}."


def _times(rng: random.Random, plan: Plan, end: datetime) -> list[datetime]:
    t0 = plan.created
    short = plan.duration is not None and plan.duration < timedelta(minutes=15)
    first = t0 + (
        minutes(rng, 17, 25)
        if plan.fault == "comms.initial"
        else minutes(rng, 2, 5)
        if short
        else minutes(rng, 3, 12)
    )
    times = [first]
    if plan.fault == "comms.next_update":
        if plan.variant % 2 == 1:
            return times  # a promise nobody kept, long before now
        times.append(floor_minute(first) + PROMISE + minutes(rng, 4, 10))
    while True:
        nxt = times[-1] + minutes(rng, 15, 25)
        if nxt >= end:
            return times
        times.append(nxt)


def post_summaries(*, rng: random.Random, plan: Plan, channel: Channel) -> None:
    """The incident's summary posts (Sev1/Sev2; a few sloppy ones for Sev3, which no rule
    checks)."""
    if plan.sev == 3 and rng.random() < 0.1:
        text = (
            f"{rng.choice(HEADINGS)}\nWhat: {rng.choice(IMPACT)}\nStatus: investigating\n"
            f"{_reference(plan)}"
        )
        channel.post(plan.created + minutes(rng, 10, 60), text, user=plan.primary.slack_id)
        return
    if plan.sev not in (1, 2):
        return
    template_fault = plan.fault == "comms.template"
    if template_fault and plan.sev == 2 and plan.variant % 4 == 3:
        return  # resolved without any summary post
    end = min(plan.resolved or channel.now, channel.now)
    times = _times(rng, plan, end)
    impact, heading = rng.choice(IMPACT), rng.choice(HEADINGS)
    threaded = plan.variant % 3 == 0
    first: dict[str, object] | None = None
    bad_post = rng.randrange(len(times))
    for i, at in enumerate(times):
        status = STATUSES[min(i, 2)]
        fault = plan.variant % 4 if template_fault and i == bad_post else None
        text = _text(plan, at, heading, impact, status, fault)
        msg = channel.post(
            at,
            text,
            user=plan.primary.slack_id,
            parent=first if threaded and first else None,
            subtype="thread_broadcast" if threaded and first and i == 1 else None,
        )
        first = first or msg
    if plan.resolved is not None and not (
        plan.fault == "comms.next_update" and plan.variant % 2 == 1
    ):
        at = plan.resolved + timedelta(seconds=rng.randint(30, 180))
        text = _text(plan, at, heading, impact, "resolved", None)
        channel.post(
            at, text, user=plan.primary.slack_id, parent=first if threaded and first else None
        )


def _text(
    plan: Plan, at: datetime, heading: str, impact: str, status: str, fault: int | None
) -> str:
    """One post; ``fault`` picks a planted template defect (0-3) or None."""
    when = plan.created.strftime("%Y-%m-%d %H:%M UTC")
    if fault == 2:
        when = plan.created.strftime("%H:%M")  # no zone: not a UTC time
    lines = [
        heading,
        f"What: {impact}",
        f"When: {when}",
        f"Status: {'fixing' if fault == 1 else status}",
        f"Service(s): {plan.service.name}",
    ]
    if fault != 0:
        lines.append(f"Brand(s): {plan.service.brand}")
    update = {
        "investigating": "We are looking at dashboards and recent deploys.",
        "identified": "Cause identified; a rollback is in progress.",
        "mitigating": "Rollback done, error rates are recovering.",
        "resolved": "Service is back to normal. A post-mortem will follow.",
    }[status]
    lines += [
        "",
        f"*Latest update* ({_stamp(floor_minute(at), at)})",
        f"{update} {_reference(plan)}",
    ]
    if status != "resolved" and fault != 3:
        promise = floor_minute(at) + PROMISE
        lines += ["", f"*Next update by* {_stamp(promise, at)}"]
    return "\n".join(lines)
