"""Deciding the incidents: when, how severe, who responds, and which faults are planted.

Compliant timings keep a margin of at least a minute from every default deadline of
rules.md, so that only the planted faults are violations.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from opsaudit.checks.catalogue import catalogue
from opsaudit.sandbox.org_common import Ids, Plan, Step, minutes
from opsaudit.sandbox.org_people import ODD_PRIORITY, Directory

# The rules this module plants on an incident plan, in planting order (Sev1-only first:
# Sev1 incidents are the scarcest). Which of them are judged per incident and which per
# post-mortem is the catalogue's word (CheckSpec.subject), not this module's.
PLANTED_HERE = (
    "warroom.opened",
    "warroom.cadence",
    "comms.initial",
    "response.ack",
    "escalation.secondary",
    "escalation.leadership",
    "comms.template",
    "comms.next_update",
    "postmortem.missing",
    "postmortem.late",
    "postmortem.filename",
    "postmortem.sections",
    "postmortem.timeline",
    "postmortem.action_items",
    "postmortem.blameless",
    "action_item.overdue",
)
# planted elsewhere: incident.severity by the "noprio" plans, postmortem.unlinked by
# org_postmortems (a file naming no incident)
PLANTED_ELSEWHERE = ("incident.severity", "postmortem.unlinked")


def _subjects() -> dict[str, str]:
    """Each planted rule's subject kind, from the catalogue (a rule it lacks is an error)."""
    specs: dict[str, str] = {spec.id: spec.subject for spec in catalogue()}
    unknown = [r for r in PLANTED_HERE + PLANTED_ELSEWHERE if r not in specs]
    if unknown:
        raise ValueError(f"the generator plants rules the catalogue lacks: {unknown}")
    return specs


_SUBJECTS = _subjects()
INCIDENT_FAULTS = tuple(r for r in PLANTED_HERE if _SUBJECTS[r] == "incident")
PM_FAULTS = tuple(r for r in PLANTED_HERE if _SUBJECTS[r] != "incident")
FAULT_RATE = 0.25
SYMPTOMS = (
    ("5xx errors on {s}", "elevated-5xx"),
    ("{s} latency above SLO", "latency"),
    ("{s} unavailable", "outage"),
    ("{s} returning stale data", "stale-data"),
    ("Error rate spike on {s} after deploy", "bad-deploy"),
    ("{s} DLQ depth growing", "dlq"),
    ("Timeouts calling vendor from {s}", "vendor-timeouts"),
    ("{s} 401 spike", "auth-errors"),
)


def _counts(n: int) -> list[str]:
    """The kinds of the ``n`` incidents: severity quotas, drills, merges, missing priority."""
    merged = max(1, round(0.02 * n)) if n >= 5 else 0
    drill = max(1, round(0.03 * n))
    noprio = max(1, round(0.02 * n))
    s1, s2, s3 = max(1, round(0.08 * n)), max(1, round(0.15 * n)), round(0.30 * n)
    s4 = n - merged - drill - noprio - s1 - s2 - s3
    while s4 < 0:  # tiny sizes: take from the common severities first
        if s3 > 0:
            s3, s4 = s3 - 1, s4 + 1
        elif drill > 0:
            drill, s4 = drill - 1, s4 + 1
        else:
            noprio, s4 = noprio - 1, s4 + 1
    return (
        ["s1"] * s1
        + ["s2"] * s2
        + ["s3"] * s3
        + ["s4"] * s4
        + ["drill"] * drill
        + ["noprio"] * noprio
        + ["merged"] * merged
    )


def make_plans(
    *, rng: random.Random, ids: Ids, d: Directory, n: int, weeks: int, now: datetime
) -> list[Plan]:
    """Every incident's plan, sorted by trigger time and numbered."""
    kinds = _counts(n)
    rng.shuffle(kinds)
    base = [k for k in kinds if k != "merged"]
    start = now - timedelta(weeks=weeks)
    span = int((now - start).total_seconds()) - 5 * 3600
    times = sorted(start + timedelta(seconds=1800 + rng.randrange(span)) for _ in base)
    n_open = min(3, max(1, len(base) // 20))
    times[-n_open:] = sorted(now - minutes(rng, 15, 180) for _ in range(n_open))
    plans = [_plan(rng, ids, d, kind, at) for kind, at in zip(base, times, strict=True)]
    for plan in plans[-n_open:]:
        plan.duration = None
    _assign_faults(rng, plans, now, n_open)
    for plan in plans:
        _time(rng, d, plan, now)
    closed = [p for p in plans[:-n_open] if p.kind in ("normal", "noprio")]
    for _ in range(kinds.count("merged")):
        plans.append(_merged_child(rng, ids, rng.choice(closed)))
    plans.sort(key=lambda p: p.created)
    first = 1000 + rng.randrange(4000)
    for i, plan in enumerate(plans):
        plan.number = first + i
    return plans


def _plan(rng: random.Random, ids: Ids, d: Directory, kind: str, at: datetime) -> Plan:
    service = rng.choice(d.services)
    crew = rng.sample(d.team_oncall(service.team), 2)
    symptom, short = rng.choice(SYMPTOMS)
    title = symptom.format(s=service.name)
    sev = {"s1": 1, "s2": 2, "s3": 3, "s4": 4}.get(kind)
    if kind == "drill":
        title = f"{rng.choice(['[DRILL]', '[TEST]'])} {title}"
        sev = rng.choice([1, 2, 4])
    short = f"{service.name.lower().replace(' ', '-')}-{short}"
    plan = Plan(
        id=ids.incident(),
        title=title,
        short=short,
        service=service,
        kind=kind if kind in ("drill", "noprio") else "normal",
        sev=sev,
        created=at.replace(microsecond=0),
        primary=crew[0],
        secondary=crew[1],
        variant=rng.randrange(4),
    )
    if kind == "noprio":
        plan.priority = d.priority(ODD_PRIORITY) if rng.random() < 0.5 else None
        plan.fault = "incident.severity"
    else:
        name = f"P{sev}" if sev != 4 else rng.choice(["P4", "P5"])
        plan.priority = d.priority(name)
    plan.duration = timedelta(0)  # decided in _time
    return plan


def _eligible(rule: str, plan: Plan, age: timedelta) -> bool:
    if rule in ("warroom.opened", "warroom.cadence", "comms.initial"):
        return plan.sev == 1
    if rule == "escalation.leadership":
        return plan.service.owner is not None
    if rule in ("postmortem.missing", "postmortem.late"):
        return age >= timedelta(days=14)
    if rule in PM_FAULTS:
        return age >= timedelta(days=12) and plan.fault != "postmortem.missing"
    return True


def _assign_faults(rng: random.Random, plans: list[Plan], now: datetime, n_open: int) -> None:
    pool = [p for p in plans[:-n_open] if p.kind == "normal" and p.sev in (1, 2)]
    # coverage first: every rule planted at least once where the size allows it
    for rule in INCIDENT_FAULTS + PM_FAULTS:
        slot = "fault" if rule in INCIDENT_FAULTS else "pm_fault"
        options = [
            p for p in pool if getattr(p, slot) is None and _eligible(rule, p, now - p.created)
        ]
        if options:
            setattr(rng.choice(options), slot, rule)
    for plan in pool:
        if plan.fault is None and plan.pm_fault is None and rng.random() < FAULT_RATE:
            age = now - plan.created
            rules = [r for r in INCIDENT_FAULTS + PM_FAULTS if _eligible(r, plan, age)]
            rule = rng.choice(rules)
            setattr(plan, "fault" if rule in INCIDENT_FAULTS else "pm_fault", rule)


def _duration(rng: random.Random, plan: Plan) -> timedelta:
    by_fault = {
        "escalation.secondary": (42, 56),
        "escalation.leadership": (72, 100),
        "warroom.cadence": (46, 58),
        "warroom.opened": (42, 58),
        "response.ack": (50, 58),
        "comms.next_update": (65, 90),
        "comms.initial": (32, 58),
    }
    if plan.fault in by_fault:
        return minutes(rng, *by_fault[plan.fault])
    roll = rng.random()
    if plan.sev == 1:
        return minutes(rng, *((8, 13) if roll < 0.1 else (32, 58) if roll < 0.6 else (62, 95)))
    if plan.sev == 2:
        return minutes(rng, *((15, 28) if roll < 0.3 else (32, 58) if roll < 0.7 else (62, 150)))
    if plan.kind == "drill":
        return minutes(rng, 20, 60)
    if plan.sev == 3:
        return minutes(rng, 20, 480)
    return minutes(rng, 30, 3 * 24 * 60)


def _time(rng: random.Random, d: Directory, plan: Plan, now: datetime) -> None:
    """Durations, acknowledgement and escalation steps, per severity and planted fault."""
    is_open = plan.duration is None
    plan.duration = None if is_open else _duration(rng, plan)
    limit = plan.duration or timedelta(days=30)
    if plan.fault == "response.ack":
        plan.ack_after = minutes(rng, 17, 28) if plan.sev == 1 else minutes(rng, 33, 45)
    elif plan.sev in (1, 2) or plan.kind == "drill":
        high = min(8.0 if plan.sev == 1 else 20.0, limit.total_seconds() / 60 - 2)
        plan.ack_after = minutes(rng, 1, high)
    elif plan.sev == 3:
        quick = limit <= timedelta(hours=3)
        high = min(180.0, limit.total_seconds() / 60 - 1)
        plan.ack_after = None if quick and rng.random() < 0.15 else minutes(rng, 5, high)
    else:
        quick = limit <= timedelta(hours=18)
        high = min(18 * 60.0, limit.total_seconds() / 60 - 1)
        plan.ack_after = None if quick and rng.random() < 0.2 else minutes(rng, 10, high)
    if plan.kind == "normal" and plan.sev in (1, 2):
        _escalations(rng, d, plan, limit)


def _escalations(rng: random.Random, d: Directory, plan: Plan, limit: timedelta) -> None:
    t0, steps = plan.created, plan.steps
    helper = (plan.secondary,)
    if plan.fault == "response.ack":  # no ack: PagerDuty escalates on its own timeout
        steps.append(Step(t0 + minutes(rng, 10, 14), "escalate", helper))
    elif plan.fault == "escalation.secondary":
        if plan.variant % 3 == 1:
            steps.append(Step(t0 + minutes(rng, 33, 40), "escalate", helper))
        elif plan.variant % 3 == 2:  # re-paging the primary is no escalation
            steps.append(Step(t0 + minutes(rng, 15, 20), "repeat", (plan.primary,)))
            steps.append(Step(t0 + minutes(rng, 34, 38), "assign", helper))
    elif limit > timedelta(minutes=30) or (limit > timedelta(minutes=12) and rng.random() < 0.3):
        kind = rng.choice(["escalate", "assign", "responder", "delegate"])
        if kind == "delegate":
            others = [p for p in d.oncall if p.team != plan.service.team]
            helper = (rng.choice(others),)
        at = t0 + minutes(rng, 8, min(25.0, limit.total_seconds() / 60 - 1))
        steps.append(Step(at, kind, helper))
    owner, cto = plan.service.owner, d.cto
    leaders = (cto,) if owner is None else (cto, owner)
    if plan.fault == "escalation.leadership":
        if plan.variant % 3 == 0:
            steps.append(Step(t0 + minutes(rng, 40, 55), "notify", (cto,)))
        elif plan.variant % 3 == 2:
            steps.append(Step(t0 + minutes(rng, 63, 68), "notify", leaders))
    elif limit > timedelta(minutes=60):
        kind = "responder" if rng.random() < 0.4 else "notify"
        steps.append(Step(t0 + minutes(rng, 35, 55), kind, leaders))
    if rng.random() < 0.5 and limit > timedelta(minutes=12):
        steps.append(Step(t0 + minutes(rng, 5, 10), "annotate", note="Rolling back last deploy"))
    steps.sort(key=lambda s: s.at)


def _merged_child(rng: random.Random, ids: Ids, parent: Plan) -> Plan:
    """A duplicate page merged into ``parent``: not audited, so it may break every rule."""
    child = Plan(
        id=ids.incident(),
        title=parent.title,
        short=parent.short,
        service=parent.service,
        kind="merged",
        sev=parent.sev,
        created=parent.created + minutes(rng, 1, 4),
        primary=parent.primary,
        secondary=parent.secondary,
        priority=parent.priority,
        merged_into=parent,
    )
    child.duration = minutes(rng, 4, 12)
    return child
