"""A seeded, realistic organisation for the sandbox, with known planted violations.

``generate`` fills a :class:`~opsaudit.sandbox.state.World` (PagerDuty, Slack and GitHub
in the vendors' shapes) and lists every violation it planted. Everything else is made
compliant with the default policy of rules.md at ``as_of = now`` over
``[now - weeks, now)``, so an auditor run on it must find exactly the planted list.
The same arguments always give the same world: one ``random.Random(seed)`` drives it all.
"""

from __future__ import annotations

import gc
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from opsaudit.sandbox.org_common import Ids, Plan, Planted, reset_ref_cache
from opsaudit.sandbox.org_github import IssueBook, fill_github
from opsaudit.sandbox.org_pagerduty import render_incident
from opsaudit.sandbox.org_pagerduty_cases import plant_cases
from opsaudit.sandbox.org_pagerduty_directory import fill_directory
from opsaudit.sandbox.org_people import Directory, make_directory
from opsaudit.sandbox.org_plan import make_plans
from opsaudit.sandbox.org_postmortems import make_postmortems
from opsaudit.sandbox.org_slack import fill_slack
from opsaudit.sandbox.state import World

__all__ = ["DEFAULT_NOW", "GeneratedOrg", "Planted", "generate"]

DEFAULT_NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@dataclass
class GeneratedOrg:
    """A generated world, what was planted in it, and how to audit it."""

    world: World
    planted: list[Planted]  # sorted by (rule, subject)
    as_of: datetime
    window: tuple[datetime, datetime]
    config: dict[str, Any]


def generate(
    *, seed: int = 7, incidents: int = 60, weeks: int = 12, now: datetime = DEFAULT_NOW
) -> GeneratedOrg:
    """Generate an organisation of ``incidents`` incidents over the ``weeks`` before ``now``."""
    if incidents < 1 or weeks < 1:
        raise ValueError("incidents and weeks must be positive")
    # millions of small acyclic dicts: the cyclic GC would rescan them over and over
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _generate(seed=seed, incidents=incidents, weeks=weeks, now=now)
    finally:
        if enabled:
            gc.enable()


def _generate(*, seed: int, incidents: int, weeks: int, now: datetime) -> GeneratedOrg:
    now = now.astimezone(UTC)
    start = now - timedelta(weeks=weeks)
    rng = random.Random(seed)
    reset_ref_cache()
    ids = Ids(rng)
    d = make_directory(rng, ids)
    plans = make_plans(rng=rng, ids=ids, d=d, n=incidents, weeks=weeks, now=now)
    plant_cases(plans, now=now, seed=seed)
    world = World()
    fill_directory(world.pagerduty, d)
    for plan in plans:
        incident, entries = render_incident(rng=rng, ids=ids, d=d, plan=plan, now=now)
        world.pagerduty.incidents.append(incident)
        world.pagerduty.log_entries.extend(entries)
    slack_planted = fill_slack(
        rng=rng, ids=ids, d=d, plans=plans, now=now, start=start, sw=world.slack
    )
    book = IssueBook(rng)
    pms, planted = make_postmortems(rng=rng, book=book, d=d, plans=plans, now=now, start=start)
    fill_github(gh=world.github, book=book, pms=pms, start=start, now=now)
    planted += [_incident_plant(p) for p in plans if p.fault is not None]
    planted += slack_planted
    planted.sort(key=lambda p: (p.rule, p.subject))
    return GeneratedOrg(
        world=world, planted=planted, as_of=now, window=(start, now), config=_config(d)
    )


_NOTES = {
    "incident.severity": "no priority, or a priority that maps to no severity",
    "response.ack": "acknowledged after the response time",
    "escalation.secondary": "no further responder within 30 min",
    "escalation.leadership": "CTO and service owner not both reached within 60 min",
    "warroom.opened": "war room missing or opened after 15 min",
    "warroom.cadence": "a stretch of more than 15 min without a human message",
    "comms.initial": "first summary post after 15 min",
    "comms.template": "a summary post with a missing or bad field, or no post at all",
    "comms.next_update": "a promised update came late or never",
    "postmortem.missing": "no post-mortem, past its due time",
    "postmortem.late": "post-mortem landed after 5 business days",
}


def _incident_plant(plan: Plan) -> Planted:
    assert plan.fault is not None
    return Planted(plan.fault, plan.id, f"#{plan.number}: {_NOTES[plan.fault]}")


def _config(d: Directory) -> dict[str, Any]:
    services: dict[str, Any] = {}
    for s in d.services:
        entry: dict[str, Any] = {"brand": s.brand}
        if s.owner is not None:
            entry["owner"] = {"pagerduty_id": s.owner.pd_id}
        services[s.name] = entry
    return {
        "people": {"cto": {"pagerduty_id": d.cto.pd_id, "email": d.cto.email}},
        "services": services,
        "sources": {
            "slack": {"incidents_channel": "incidents"},
            "github": {"repo": "acme/ops-docs", "path": "docs/incidents"},
        },
        "policy": {},
        "waivers": [],
        "digest": {"channel": "ops-compliance"},
    }
