"""A generated organisation with the war rooms real workspaces have: one private and
invisible to the bot, one archived that the bot was never in, one the bot must join;
audited through the real clients against the sandbox."""

from __future__ import annotations

from pathlib import Path

from opsaudit.runtime import run_audit
from opsaudit.sandbox.org import generate
from opsaudit.sandbox.server import Sandbox
from opsaudit.sources.base import RetryPolicy, Window
from sync_fixtures import write_config

FAST = RetryPolicy(attempts=3, backoff=0.01, max_wait=0.5)


def test_rooms_the_bot_cannot_read_give_the_results_rules_md_says(tmp_path: Path) -> None:
    org = generate(seed=7, incidents=60)
    rooms = {c["id"]: c for c in org.world.slack.channels}
    hidden = [c for c in rooms.values() if c["is_private"] and not c["is_member"]]
    unjoinable = [c for c in rooms.values() if c["is_archived"] and c not in hidden]
    unjoinable = [c for c in unjoinable if not c["is_member"]]
    joinable = [c for c in rooms.values() if not c["is_archived"] and not c["is_member"]]
    assert (len(hidden), len(unjoinable), len(joinable)) == (1, 1, 1)
    number = {f"incident-{i['incident_number']}": i["id"] for i in org.world.pagerduty.incidents}
    with Sandbox(org.world) as sandbox:
        config, _ = write_config(org=org, sandbox=sandbox, folder=tmp_path)
        tokens = {n: getattr(org.world.tokens, n) for n in ("pagerduty", "slack", "github")}
        outcome = run_audit(
            config=config, tokens=tokens, window=Window(*org.window), as_of=org.as_of, retry=FAST
        )
        assert sandbox.counts["slack conversations.join"] == 2  # the archived one refuses
    assert {s.status for s in outcome.sources.values()} == {"ok"}
    results = {(r.rule, r.subject.key): r for r in outcome.results}

    private = results["warroom.opened", number[hidden[0]["name"]]]
    assert private.status == "violation"
    assert private.message.endswith(
        "Private channels are only seen when the bot is a member: invite it if there is one."
    )
    assert ("warroom.cadence", number[hidden[0]["name"]]) not in results

    name = unjoinable[0]["name"]
    assert results["warroom.opened", number[name]].status == "pass"
    cadence = results["warroom.cadence", number[name]]
    assert (cadence.status, cadence.message) == (
        "unknown",
        f"Cadence of war room #{name} unknown: the bot is not a member of #{name}, "
        "which is archived and cannot be joined.",
    )

    joined = joinable[0]["name"]
    assert results["warroom.cadence", number[joined]].status == "pass"
    assert rooms[joinable[0]["id"]]["is_member"] is True
