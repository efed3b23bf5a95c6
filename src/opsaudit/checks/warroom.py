"""War-room checks: the Sev1 channel is opened in time and kept talking.

``rules.md``: ``warroom.opened`` (a channel named exactly ``incident-<ticket-id>``,
archived ones too, created by trigger + 15 min) and ``warroom.cadence`` (no stretch
longer than 15 min without a human message, from the channel's start to the
resolution, or to as-of while open).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from opsaudit.checks.context import Context, IncidentView
from opsaudit.checks.model import Evidence, Result, Status, minutes
from opsaudit.checks.spec import check
from opsaudit.checks.text import clock, span
from opsaudit.records import Channel


def _in_scope(ctx: Context) -> Iterator[IncidentView]:
    severities = ctx.policy.warroom.severities
    return (v for v in ctx.incidents if v.severity is not None and v.severity in severities)


def _with_room(ctx: Context) -> Iterator[IncidentView]:
    return (v for v in _in_scope(ctx) if ctx.war_room(v.incident) is not None)


@check(
    "warroom.opened",
    title="A {warroom.severities} war room is opened within {warroom.open_within} of the trigger",
    subject="incident",
    group="warroom",
    runbook="Page primary immediately; war room within 15 min",
    needs=("incidents", "chat"),
    policy=("warroom.severities", "warroom.prefix", "warroom.open_within"),
    requires={
        "warroom.open_within": "time to open the war room",
        "warroom.prefix": "war-room channel prefix",
    },
    scope=_in_scope,
)
def warroom_opened(ctx: Context) -> Iterator[Result]:
    """Every Sev1, even one resolved sooner, needs a channel named exactly
    ``incident-<ticket-id>`` (archived channels count). Pass: it was created by trigger +
    15 min (before the trigger too). Violation: it was created later, or there is none and
    the deadline has passed. Pending: none yet and the deadline is after as-of. Unknown:
    the policy has no war-room prefix or opening time."""
    rule, policy = "warroom.opened", ctx.policy.warroom
    if policy.open_within is None or policy.prefix is None:
        return  # the engine answers unknown (requires)
    for view in _in_scope(ctx):
        name = f"#{policy.prefix}{ctx.ticket(view.incident)}"
        limit = f"(limit {minutes(policy.open_within.total_seconds())})"
        deadline = view.triggered_at + policy.open_within
        room = ctx.war_room(view.incident)
        if room is None:
            status: Status = "violation" if deadline <= ctx.as_of else "pending"
            when = "by" if status == "violation" else "yet; due by"
            day = view.triggered_at.astimezone(UTC).date()
            message = f"No war room {name} {when} {clock(deadline, day=day)} {limit}."
            if status == "violation":
                message += _INVISIBLE
            evidence = (ctx.links.incident(view),)
            yield view.result(rule, status, message, deadline=deadline, evidence=evidence)
            continue
        delay = (room.created - view.triggered_at).total_seconds()
        when = f"{span(delay)} after" if delay >= 0 else f"{span(-delay)} before"
        yield view.result(
            rule,
            "pass" if room.created <= deadline else "violation",
            f"War room {name} opened {when} the trigger {limit}.",
            deadline=deadline,
            observed=room.created,
            evidence=(ctx.links.channel(room),),
        )


# a private channel the bot is not in is never listed: it looks like no war room at all
_INVISIBLE = " Private channels are only seen when the bot is a member: invite it if there is one."


@dataclass(frozen=True)
class _Gap:
    start: datetime
    end: datetime
    ref: str  # the ts of the message that ends the gap (or starts it, for the last one)

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


@check(
    "warroom.cadence",
    title="A {warroom.severities} war room hears from a person at least every "
    "{warroom.update_every}",
    subject="incident",
    group="warroom",
    runbook="Communicate every 15 min in the war room even if there's no progress.",
    needs=("incidents", "chat"),
    policy=("warroom.severities", "warroom.update_every", "warroom.update_bots"),
    requires={"warroom.update_every": "longest silence allowed in a war room"},
    scope=_with_room,
)
def warroom_cadence(ctx: Context) -> Iterator[Result]:
    """For a Sev1 with a war room, the stretches between the later of the channel's
    creation and the trigger, each human message (thread replies count; bots only when
    listed in ``warroom.update_bots``), and the resolution (as-of while open) must each
    be at most 15 min. Violation: some stretch is longer; the evidence lists every such
    gap and the message the longest. Pass otherwise. Unknown: the policy has no
    ``warroom.update_every``, or the channel could not be read (the bot is not in it, a
    missing scope): the message says why and how to fix it."""
    rule, every = "warroom.cadence", ctx.policy.warroom.update_every
    if every is None:
        return  # the engine answers unknown (requires)
    for view in _with_room(ctx):
        room = ctx.war_room(view.incident)
        assert room is not None
        if room.unreadable is not None:
            message = f"Cadence of war room #{room.name} unknown: {room.unreadable}."
            evidence = (ctx.links.channel(room),)
            yield view.result(rule, "unknown", message, evidence=evidence)
            continue
        gaps = _gaps(ctx, view, room)
        long = [g for g in gaps if g.end - g.start > every]
        name, limit = f"#{room.name}", minutes(every.total_seconds())
        if not long:
            widest = span(max((g.seconds for g in gaps), default=0.0))
            message = f"War room {name} never went silent over {limit} (longest {widest})."
            yield view.result(rule, "pass", message)
            continue
        worst = max(long, key=lambda g: g.seconds)
        yield view.result(
            rule,
            "violation",
            _silences(name, limit, long, worst, day=view.triggered_at.astimezone(UTC).date()),
            deadline=worst.start + every,
            observed=worst.end,
            evidence=tuple(_gap_evidence(ctx, room, g) for g in long),
        )


def _silences(name: str, limit: str, long: list[_Gap], worst: _Gap, *, day: date) -> str:
    count = f"{len(long)} gap{'s' if len(long) > 1 else ''}"
    between = f"{clock(worst.start, day=day)} to {clock(worst.end, day=day)}"
    return (
        f"War room {name} had {count} over {limit} without a human message, "
        f"longest {span(worst.seconds)} ({between})."
    )


def _gaps(ctx: Context, view: IncidentView, room: Channel) -> list[_Gap]:
    """The silences between the start, each human message and the end."""
    start = max(room.created, view.triggered_at)
    end = view.resolved_at or ctx.as_of
    if end <= start:  # opened after the resolution: nothing to keep alive
        return []
    talk = [m for m in ctx.messages(room) if start <= m.posted_at <= end and ctx.is_human(m)]
    talk.sort(key=lambda m: (m.posted_at, m.ts))
    gaps: list[_Gap] = []
    moment, ref = start, ""
    for message in talk:
        gaps.append(_Gap(moment, message.posted_at, message.ts))
        moment, ref = message.posted_at, message.ts
    gaps.append(_Gap(moment, end, ref))
    return gaps


def _gap_evidence(ctx: Context, room: Channel, gap: _Gap) -> Evidence:
    return ctx.links.message(room.id, gap.ref) if gap.ref else ctx.links.channel(room)
