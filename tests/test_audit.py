"""``opsaudit audit`` on the generator's organisation: the acceptance tests of the checks.

The generator records every violation it plants; the audit at the generator's as-of
must find exactly those, and nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy.orm import Session

from opsaudit import store
from opsaudit.cli import main
from opsaudit.config import load_config
from opsaudit.runtime import run_audit
from opsaudit.sandbox.org import generate
from opsaudit.sandbox.server import Sandbox
from opsaudit.sandbox.state import GitCommit
from opsaudit.sources.base import RetryPolicy, Window
from sync_fixtures import Setup, serve_org, write_config

FAST = RetryPolicy(attempts=3, backoff=0.01, max_wait=0.5)


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Setup]:
    with serve_org(generate(seed=7, incidents=60), tmp_path, monkeypatch) as setup:
        yield setup


def audit_args(setup: Setup, *extra: str) -> list[str]:
    since, until = setup.org.window
    return [
        "audit",
        "--config",
        str(setup.config_path),
        "--since",
        since.isoformat(),
        "--until",
        until.isoformat(),
        "--as-of",
        setup.org.as_of.isoformat(),
        *extra,
    ]


def audit_json(setup: Setup, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = main(audit_args(setup, "--format", "json", *extra))
    return code, capsys.readouterr().out


def test_the_audit_finds_exactly_the_planted_violations(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = audit_json(setup, capsys)
    document = json.loads(out)
    assert code == 0, document["sources"]
    found = {
        (r["rule"], r["subject"]["key"]) for r in document["results"] if r["status"] == "violation"
    }
    planted = {(p.rule, p.subject) for p in setup.org.planted}
    assert found - planted == set(), "violations reported that were not planted"
    assert planted - found == set(), "planted violations not found"
    assert document["schema"] == "opsaudit.results/v1"
    keys = [(r["rule"], r["subject"]["key"]) for r in document["results"]]
    assert keys == sorted(keys)


@pytest.mark.parametrize(("seed", "size"), [(1, 10), (2, 30), (3, 250), (4, 400), (8, 120)])
def test_other_seeds_and_sizes_too(seed: int, size: int, tmp_path: Path) -> None:
    org = generate(seed=seed, incidents=size)
    with Sandbox(org.world) as sandbox:
        config, _ = write_config(org=org, sandbox=sandbox, folder=tmp_path)
        tokens = {n: getattr(org.world.tokens, n) for n in ("pagerduty", "slack", "github")}
        outcome = run_audit(
            config=config,
            tokens=tokens,
            window=Window(*org.window),
            as_of=org.as_of,
            retry=FAST,
        )
    found = {(r.rule, r.subject.key) for r in outcome.results if r.status == "violation"}
    assert found == {(p.rule, p.subject) for p in org.planted}


def test_two_runs_give_byte_identical_json(
    setup: Setup, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a first sync joins the public war rooms the bot is not in: the workspace changes
    # (fewer requests next time), so the runs compared start from the joined workspace
    warm = tmp_path / "warm"
    warm.mkdir()
    _, path = write_config(org=setup.org, sandbox=setup.sandbox, folder=warm)
    joined = Setup(setup.org, setup.sandbox, load_config(path), path)
    assert main(audit_args(joined, "--output", str(warm / "results.txt"))) == 0
    code, _ = audit_json(setup, capsys, "--output", str(tmp_path / "one.json"))
    assert code == 0
    other = tmp_path / "other"
    other.mkdir()
    _, path = write_config(org=setup.org, sandbox=setup.sandbox, folder=other)
    again = Setup(setup.org, setup.sandbox, load_config(path), path)
    main(audit_args(again, "--format", "json", "--output", str(tmp_path / "two.json")))
    assert (tmp_path / "one.json").read_bytes() == (tmp_path / "two.json").read_bytes()
    # and on the same store, evaluated again without syncing
    main(audit_args(setup, "--format", "json", "--offline", "--output", str(tmp_path / "a.json")))
    main(audit_args(setup, "--format", "json", "--offline", "--output", str(tmp_path / "b.json")))
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    one, offline = (json.loads((tmp_path / n).read_text()) for n in ("one.json", "a.json"))
    assert one["results"] == offline["results"]


def test_a_failed_source_makes_its_checks_unknown_and_exits_3(
    setup: Setup, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-revoked")
    code, out = audit_json(setup, capsys)
    document = json.loads(out)
    assert code == 3
    assert document["sources"]["slack"]["status"] == "failed"
    assert "invalid_auth" in document["sources"]["slack"]["error"]
    slack_rules = {"warroom.opened", "warroom.cadence", "comms.initial", "comms.template"}
    slack_rules.add("comms.next_update")
    judged = [r for r in document["results"] if r["rule"] in slack_rules]
    assert judged, "the Slack checks still list their subjects"
    assert {r["status"] for r in judged} == {"unknown"}
    violations = {
        (r["rule"], r["subject"]["key"]) for r in document["results"] if r["status"] == "violation"
    }
    planted = {(p.rule, p.subject) for p in setup.org.planted}
    assert violations <= planted, "no violation out of missing data"


def test_fail_on_violation_exits_4(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = audit_json(setup, capsys, "--fail-on-violation")
    assert code == 4


def test_offline_with_a_changed_policy_makes_no_request(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = audit_json(setup, capsys)
    assert code == 0
    before = json.loads(out)
    setup.sandbox.reset_counts()
    mapping = yaml.safe_load(setup.config_path.read_text())
    mapping["policy"] = {"response": {"Sev3": "1m", "Sev4": "1m"}}
    setup.config_path.write_text(yaml.safe_dump(mapping))
    _, out = audit_json(setup, capsys, "--offline")
    after = json.loads(out)
    assert sum(setup.sandbox.counts[api] for api in ("pagerduty", "slack", "github")) == 0
    assert {s["requests"] for s in after["sources"].values()} == {0}

    def acks(doc: dict[str, object]) -> int:
        return sum(
            1
            for r in doc["results"]  # type: ignore[attr-defined]
            if r["rule"] == "response.ack" and r["status"] == "violation"
        )

    assert acks(after) > acks(before)


def test_a_malformed_post_mortem_gives_results_not_a_crash(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    world = setup.org.world
    with world.lock:
        repo = world.github.repos["acme/ops-docs"]
        last = repo.commits[-1]
        number = world.pagerduty.incidents[-5]["incident_number"]
        garbage = (
            f"---\nincident: [{number}\n---\n# \x00\n## Timeline\n| a | b\n|---\n| 25:99 |\n"
            "## Action items\n- [ ] @ due 2026-02-30\n- [x\n```\nunclosed\n" + "\u202e" * 50
        )
        repo.commits.append(
            GitCommit(
                sha="e" * 40,
                committed_at=last.committed_at,
                message="garbage",
                changes={"docs/incidents/not a good name.md": garbage},
            )
        )
    code, out = audit_json(setup, capsys)
    assert code == 0
    about = [
        r
        for r in json.loads(out)["results"]
        if r["subject"]["key"].startswith("docs/incidents/not a good name.md")
    ]
    assert {r["rule"] for r in about} >= {"postmortem.filename", "postmortem.sections"}


def test_bad_policy_values_exit_2_naming_the_key(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    mapping = yaml.safe_load(setup.config_path.read_text())
    mapping["policy"] = {"warroom": {"open_within": "soon"}}
    setup.config_path.write_text(yaml.safe_dump(mapping))
    assert main(audit_args(setup)) == 2
    err = capsys.readouterr().err
    assert "policy.warroom.open_within" in err and err.count("\n") == 1


def test_the_table_format_is_readable(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(audit_args(setup, "--format", "table")) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("as of 2026-11-20T12:00:00Z")
    assert "VIOLATION" in out and "STATUS" in out


def test_each_run_stores_its_results_and_moves_the_findings_on(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = audit_json(setup, capsys)
    assert code == 0
    document = json.loads(out)
    engine = store.open_store(setup.config.database.url)
    with Session(engine) as session:
        findings = {(f.rule, f.subject_key): f for f in store.load_findings(session=session)}
    assert len(findings) == len(document["results"])
    violation = next(f for f in findings.values() if f.status == "violation")
    assert violation.first_seen == violation.last_seen == setup.org.as_of
    # a week later, evaluated offline: still open, last seen moves, first seen stays
    later = (setup.org.as_of + timedelta(days=7)).isoformat()
    args = audit_args(setup, "--offline", "--format", "json")
    args[args.index("--as-of") + 1] = later
    main(args)
    capsys.readouterr()
    with Session(engine) as session:
        again = {(f.rule, f.subject_key): f for f in store.load_findings(session=session)}
    key = (violation.rule, violation.subject_key)
    assert again[key].first_seen == setup.org.as_of
    assert again[key].last_seen == setup.org.as_of + timedelta(days=7)
