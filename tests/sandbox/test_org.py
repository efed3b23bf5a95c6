"""The seeded organisation generator: determinism, shapes, and the planted catalogue."""

from __future__ import annotations

import json
import time
from datetime import datetime

from opsaudit.sandbox.org import GeneratedOrg, generate
from opsaudit.sandbox.state import World, git_blob_sha
from rule_ids import RULE_IDS


def dump(world: World) -> str:
    gh = {
        name: (
            [(c.sha, c.committed_at.isoformat(), c.changes, c.renames) for c in r.commits],
            r.issues,
        )
        for name, r in world.github.repos.items()
    }
    return json.dumps([vars(world.pagerduty), vars(world.slack), gh], sort_keys=True)


def when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_same_seed_same_world_and_other_seed_other_world() -> None:
    first, again, other = (
        generate(seed=11, incidents=40),
        generate(seed=11, incidents=40),
        generate(seed=12, incidents=40),
    )
    assert dump(first.world) == dump(again.world)
    assert first.planted == again.planted
    assert dump(first.world) != dump(other.world)


def test_default_size_plants_every_rule_and_lists_them_sorted() -> None:
    org = generate()
    assert {p.rule for p in org.planted} == RULE_IDS
    assert org.planted == sorted(org.planted, key=lambda p: (p.rule, p.subject))


def test_incidents_are_numbered_in_trigger_order_inside_the_window() -> None:
    org = generate(seed=3, incidents=200)
    incidents = org.world.pagerduty.incidents
    ordered = sorted(incidents, key=lambda i: (i["created_at"], i["incident_number"]))
    numbers = [i["incident_number"] for i in ordered]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    since, until = org.window
    assert all(since <= when(i["created_at"]) < until for i in incidents)
    assert {i["status"] for i in incidents} >= {"resolved", "triggered"} or any(
        i["status"] == "acknowledged" for i in incidents
    )


def test_every_log_entry_belongs_to_an_incident_and_is_not_in_the_future() -> None:
    org = generate(seed=5, incidents=150)
    ids = {i["id"] for i in org.world.pagerduty.incidents}
    entries = org.world.pagerduty.log_entries
    assert {e["incident"]["id"] for e in entries} == ids
    assert all(when(e["created_at"]) <= org.as_of for e in entries)
    first = {e["incident"]["id"]: e["type"] for e in reversed(entries)}
    assert set(first.values()) == {"trigger_log_entry"}


def _war_rooms(org: GeneratedOrg) -> dict[str, dict[str, object]]:
    return {c["name"]: c for c in org.world.slack.channels}


def test_each_audited_sev1_has_its_war_room_unless_one_was_planted_missing() -> None:
    org = generate(seed=9, incidents=300)
    rooms = _war_rooms(org)
    missing_plants = {p.subject for p in org.planted if p.rule == "warroom.opened"}
    sev1 = [
        i
        for i in org.world.pagerduty.incidents
        if (i["priority"] or {}).get("name") == "P1"
        and not i["resolve_reason"]
        and "[DRILL]" not in i["title"]
        and "[TEST]" not in i["title"]
    ]
    assert sev1
    for inc in sev1:
        name = f"incident-{inc['incident_number']}"
        assert name in rooms or inc["id"] in missing_plants, name
    assert any(name.endswith("-retro") for name in rooms)


def test_postmortems_live_under_the_folder_and_their_blobs_are_distinct() -> None:
    org = generate()
    repo = org.world.github.repos["acme/ops-docs"]
    head: dict[str, str] = {}
    for commit in repo.commits:
        for path, text in commit.changes.items():
            if text is None:
                head.pop(path, None)
            else:
                head[path] = text
    times = [c.committed_at for c in repo.commits]
    assert times == sorted(times) and all(t <= org.as_of for t in times)
    assert len({c.sha for c in repo.commits}) == len(repo.commits)
    pms = {p: t for p, t in head.items() if p.startswith("docs/incidents/")}
    assert pms and "docs/incidents-archive/2025-03-14-legacy-outage.md" in head
    shas = {git_blob_sha(text) for text in pms.values()}
    assert len(shas) == len(pms)
    assert all(len(s) == 40 for s in shas)


def test_config_names_the_cto_and_leaves_one_service_without_owner() -> None:
    org = generate(seed=2)
    services = {s["name"] for s in org.world.pagerduty.services}
    assert set(org.config["services"]) == services
    assert sum("owner" not in s for s in org.config["services"].values()) == 1
    users = {u["id"] for u in org.world.pagerduty.users}
    assert org.config["people"]["cto"]["pagerduty_id"] in users
    slack_emails = {u["profile"].get("email") for u in org.world.slack.users}
    assert org.config["people"]["cto"]["email"] in slack_emails


def test_small_org_still_has_incidents_and_plants() -> None:
    org = generate(seed=1, incidents=10, weeks=2)
    assert len(org.world.pagerduty.incidents) == 10
    assert org.planted and {p.rule for p in org.planted} <= RULE_IDS


def test_a_moderate_org_generates_quickly() -> None:
    started = time.perf_counter()
    org = generate(seed=4, incidents=2000)
    assert time.perf_counter() - started < 5
    assert len(org.world.pagerduty.incidents) == 2000


def test_the_generator_plants_every_rule_of_the_catalogue() -> None:
    from opsaudit.checks.catalogue import catalogue
    from opsaudit.sandbox.org_plan import INCIDENT_FAULTS, PLANTED_ELSEWHERE, PM_FAULTS

    planted = set(INCIDENT_FAULTS) | set(PM_FAULTS) | set(PLANTED_ELSEWHERE)
    assert planted == {spec.id for spec in catalogue()}
    assert all(rule.startswith(("postmortem.", "action_item.")) for rule in PM_FAULTS)
