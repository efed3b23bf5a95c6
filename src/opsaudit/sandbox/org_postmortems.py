"""Post-mortem files for the generated organisation, compliant unless a fault is planted."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

from opsaudit.sandbox.org_actions import ItemsSpec, action_items
from opsaudit.sandbox.org_common import (
    PM_DIR,
    Plan,
    Planted,
    business_day_after,
    floor_minute,
    minutes,
    postmortem_due,
)
from opsaudit.sandbox.org_github import IssueBook, PostMortem
from opsaudit.sandbox.org_landing import arrival, plant_a_late_merge
from opsaudit.sandbox.org_people import Directory

ALIASES = {
    "Root cause": ("Root cause", "Root cause", "Root causes", "Root cause analysis"),
    "What worked": (
        "What worked / what didn't",
        "What worked / what didn\u2019t",
        "What went well / what didn't",
        "What went well and what didn't",
    ),
    "Action items": ("Action items", "Action items", "Follow-ups", "Follow-up actions"),
    "Customer": (
        "Customer-facing communication summary",
        "Customer communication",
        "Customer-facing communication",
    ),
    "Blameless": ("Blameless framing", "Blameless framing", "Blameless statement"),
}
BLAME = (
    "The on-call engineer was careless with the rollout flag.",
    "This was human error during the migration.",
    "It was the DBA\u2019s fault for skipping the checklist.",
    "The reviewer should have caught the bad config.",
)
CAUSES = (
    "A configuration change lowered the database connection limit, and the pool ran dry "
    "under peak traffic.",
    "A release changed the retry policy for a vendor call; retries piled up and exhausted "
    "the worker threads.",
    "An expired signing secret made token introspection fail, so requests were rejected.",
    "A missing index turned a hot query into a table scan once the table passed 10M rows.",
)


def make_postmortems(
    *,
    rng: random.Random,
    book: IssueBook,
    d: Directory,
    plans: list[Plan],
    now: datetime,
    start: datetime,
) -> tuple[list[PostMortem], list[Planted]]:
    """Post-mortems of Sev1/Sev2 incidents (and a drill), plus unlinked ones; the plants."""
    pms: list[PostMortem] = []
    planted: list[Planted] = []
    paths: set[str] = set()
    handles = [p.handle for p in d.oncall]
    drill_done = False
    landings = {"late": 0, "in time": 0}
    plant_a_late_merge(plans, now)
    for plan in plans:
        resolved = plan.resolved
        if resolved is None or resolved > now or plan.sev not in (1, 2):
            continue
        is_drill = plan.kind == "drill" and not drill_done
        if (plan.kind != "normal" and not is_drill) or plan.fault == "postmortem.missing":
            continue
        landed = _landing(rng, plan, resolved, now)
        if landed is None:
            continue
        drill_done = drill_done or is_drill
        pm = _write(rng, book, plan, landed, now, handles, paths, planted, linked=True)
        kind = "late" if plan.fault == "postmortem.late" else "in time"
        if kind == "late" and landings[kind] == 0:  # the late merge: added, not moved in
            pm.draft_path = pm.drafted = None
        if pm.draft_path is None:
            arrival(pm, resolved, landings[kind], late=kind == "late")
            landings[kind] += 1
        pms.append(pm)
    for _ in range(max(1, round(len(plans) / 150))):
        ghost = _ghost(rng, plans, start, now)
        landed = ghost.created + timedelta(days=rng.randint(1, 3))
        pm = _write(rng, book, ghost, landed, now, handles, paths, planted, linked=False)
        planted.append(Planted("postmortem.unlinked", pm.path, "post-mortem naming no incident"))
        pms.append(pm)
    return pms, planted


def _landing(rng: random.Random, plan: Plan, resolved: datetime, now: datetime) -> datetime | None:
    due = postmortem_due(resolved)
    if plan.fault == "postmortem.late":
        return min(due + minutes(rng, 60, 3 * 24 * 60), now - timedelta(hours=1))
    day = business_day_after(resolved.date(), rng.randint(1, 4))
    landed = datetime.combine(day, time(9), tzinfo=UTC) + minutes(rng, 0, 9 * 60)
    if landed > now or (due > now and plan.pm_fault is None and rng.random() < 0.4):
        return None  # not written yet: postmortem.missing is pending
    return landed


def _ghost(rng: random.Random, plans: list[Plan], start: datetime, now: datetime) -> Plan:
    """A made-up story for a post-mortem that links to no incident."""
    model = rng.choice([p for p in plans if p.kind == "normal"] or plans)
    created = start + timedelta(seconds=rng.randrange(int((now - start).total_seconds()) // 2))
    ghost = Plan(
        id="",
        title="CDN cache purge removed product images",
        short="cdn-cache-purge",
        service=model.service,
        kind="ghost",
        sev=2,
        created=created.replace(microsecond=0),
        primary=model.primary,
        secondary=model.secondary,
        variant=rng.randrange(4),
    )
    ghost.duration = minutes(rng, 20, 50)
    ghost.ack_after = minutes(rng, 2, 10)
    return ghost


def _path(plan: Plan, paths: set[str]) -> str:
    day = plan.created.date()
    name = plan.short
    if plan.pm_fault == "postmortem.filename":
        if plan.variant % 2 == 0:
            day += timedelta(days=1)  # not the trigger's UTC date
        else:
            name = name.replace("-", "_").title()
    path, i = f"{PM_DIR}/{day.isoformat()}-{name}.md", 2
    while path in paths:
        path, i = f"{PM_DIR}/{day.isoformat()}-{name}-{i}.md", i + 1
    paths.add(path)
    return path


def _write(
    rng: random.Random,
    book: IssueBook,
    plan: Plan,
    landed: datetime,
    now: datetime,
    handles: list[str],
    paths: set[str],
    planted: list[Planted],
    *,
    linked: bool,
) -> PostMortem:
    path = _path(plan, paths)
    fault = plan.pm_fault
    heading = {k: rng.choice(v) for k, v in ALIASES.items()}
    front = ["---"]
    style = plan.variant % 4 if linked else -1
    if style in (0, 1, 2):
        front.append(f"incident: {[plan.number, plan.id, plan.url][style]}")
    front += [f"severity: Sev{plan.sev}", f"authors: [{plan.primary.handle}]", "---", ""]
    intro = f"# Post-mortem: {plan.title}\n\n"
    if linked:
        room = f"#incident-{plan.number}" if style == 3 else f"[PagerDuty]({plan.url})"
        intro += f"Summary of the incident on {plan.created.date()} ({room}).\n"
    else:
        intro += f"Summary of the event on {plan.created.date()}.\n"
    timeline, timeline_note = _timeline(rng, plan, fault == "postmortem.timeline")
    cause = rng.choice(CAUSES)
    if fault == "postmortem.blameless":
        cause += " " + BLAME[plan.variant]
    spec = ItemsSpec(
        handles,
        landed,
        now,
        rng.random() < 0.3,
        fault if fault in ("postmortem.action_items", "action_item.overdue") else None,
        plan.variant,
    )
    items, overdue = action_items(rng, book, spec)
    sections = [
        ("Root cause", cause),
        (
            "What worked",
            "- Worked: paging reached the primary within minutes.\n"
            "- Didn't: the rollback procedure was not documented.",
        ),
        ("Action items", items),
        (
            "Customer",
            "Status page set to investigating, updated every 30 minutes, and "
            "closed with a short explanation for customers.",
        ),
        (
            "Blameless",
            "This review looks at systems and process. Nobody is to blame: "
            "'human error' is never a root cause here, only a starting point.",
        ),
    ]
    section_note = ""
    if fault == "postmortem.sections":
        gone = ("Root cause", "Customer", "What worked", "Root cause")[plan.variant]
        section_note = f"section {heading[gone]!r} " + (
            "removed" if plan.variant % 2 == 0 else "left empty"
        )
        blank = "TBD" if plan.variant == 1 else "<!-- to be written -->"
        sections = [
            (k, blank if k == gone else body)
            for k, body in sections
            if not (k == gone and plan.variant % 2 == 0)
        ]
    body = "\n".join(f"## {heading[k]}\n\n{text}\n" for k, text in sections)
    text = "\n".join(front) + intro + "\n" + timeline + "\n" + body
    notes = {
        "postmortem.filename": "file name not dated with the trigger's UTC date, or malformed",
        "postmortem.sections": section_note,
        "postmortem.timeline": timeline_note,
        "postmortem.action_items": "an action item without an owner or a due date",
        "postmortem.blameless": "blame wording outside the Blameless framing section",
    }
    if fault in notes:
        planted.append(Planted(fault, path, notes[fault]))
    if overdue is not None:
        planted.append(
            Planted(
                "action_item.overdue",
                f"{path}#{overdue}",
                "action item past its due date, not done",
            )
        )
    pm = PostMortem(path=path, text=text, landed=landed, author=plan.primary.name)
    if rng.random() < 0.2:
        pm.draft_path = f"drafts/{path.rsplit('/', 1)[-1]}"
        pm.drafted = max(
            (plan.resolved or landed) + minutes(rng, 10, 30), landed - minutes(rng, 120, 1200)
        )
    edited = landed + minutes(rng, 60, 10 * 24 * 60)
    if rng.random() < 0.4 and edited <= now:
        pm.edited = edited
        pm.draft_text = text.replace("- [x]", "- [ ]")
        pm.text = text + "\n_Reviewed at the weekly ops sync._\n"
    return pm


def _timeline(rng: random.Random, plan: Plan, faulty: bool) -> tuple[str, str]:
    """The Timeline section, to the minute in UTC; with ``faulty``, one bad entry."""
    who = plan.primary.handle
    events = [(plan.created, f"PagerDuty triggered, @{who} paged")]
    if plan.ack_after is not None:
        events.append((plan.created + plan.ack_after, f"@{who} acknowledged"))
    names = {
        "escalate": "escalated to",
        "assign": "reassigned to",
        "delegate": "delegated to",
        "responder": "responders requested:",
        "notify": "notified",
        "repeat": "re-paged",
    }
    for step in plan.steps:
        if step.kind in names:
            people = ", ".join(f"@{p.handle}" for p in step.who)
            events.append((step.at, f"{names[step.kind]} {people}"))
    if plan.resolved is not None:
        events.append((plan.resolved, "Resolved after the rollback, monitoring"))
    events.sort(key=lambda e: e[0])
    fmt = rng.randrange(4)  # 0: "(UTC)" heading, 1: "UTC" per entry, 2: table, 3: ISO 8601
    rows = []
    last_day = None
    for at, what in events:
        at = floor_minute(at)
        full = at.date() != last_day
        last_day = at.date()
        stamp = at.strftime("%Y-%m-%d %H:%M" if full else "%H:%M")
        if fmt == 1:
            stamp += " UTC"
        elif fmt == 3:
            stamp = at.strftime("%Y-%m-%dT%H:%MZ")
        rows.append(f"| {stamp} | {what} |" if fmt == 2 else f"- {stamp} — {what}")
    note = ""
    if faulty:
        bad_at = floor_minute(events[-1][0])
        kind = plan.variant if fmt in (1, 3) else plan.variant % 3
        if kind == 0:
            stamp, note = (
                (bad_at - timedelta(minutes=7)).strftime("%Y-%m-%d %H:%M UTC"),
                "an entry earlier than the one before it",
            )
        elif kind == 1:
            stamp, note = bad_at.strftime("%H:%M PST"), "an entry in PST"
        elif kind == 2:
            stamp, note = "Shortly after", "an entry without a time"
        else:
            stamp, note = bad_at.strftime("%H:%M"), "an entry without a UTC mark"
        what = "customer support confirmed recovery"
        rows.append(f"| {stamp} | {what} |" if fmt == 2 else f"- {stamp} — {what}")
    head = "## Timeline (UTC)" if fmt == 0 else "## Timeline"
    if fmt == 2:
        rows[:0] = ["| Time (UTC) | Event |", "|---|---|"]
    return f"{head}\n\n" + "\n".join(rows) + "\n", note
