"""Issue 8's acceptance in one organisation: the generator's default (seed 7, 60
incidents) holds every real-world case at once (a war room the bot is not in, a private
one hidden from it, a monorepo-sized tree GitHub truncates, a post-mortem merged by a
merge commit, PagerDuty's integration acks, timeout resolves and late assignments), and
its audit through the real clients exits 0 having found exactly what was planted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from opsaudit.cli import main
from opsaudit.sandbox.org import GeneratedOrg, generate
from opsaudit.sandbox.org_common import DOCS_REPO
from sync_fixtures import Setup, serve_org


@pytest.fixture(scope="module")
def org() -> GeneratedOrg:
    return generate(seed=7, incidents=60)


@pytest.fixture
def setup(org: GeneratedOrg, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Setup]:
    with serve_org(org, tmp_path, monkeypatch) as setup:
        yield setup


def test_the_organisation_holds_every_real_world_case(org: GeneratedOrg) -> None:
    rooms = [c for c in org.world.slack.channels if c["name"].startswith("incident-")]
    assert any(c["is_private"] and not c["is_member"] for c in rooms), "no hidden private room"
    assert any(not c["is_private"] and not c["is_member"] for c in rooms), "no room to join"
    repo = org.world.github.repos[DOCS_REPO]
    files: set[str] = set()
    for commit in repo.commits:
        files.update(path for path, text in commit.changes.items() if text is not None)
    assert len(files) > repo.tree_limit, "the repository's tree is listed whole"
    assert any(c.branch for c in repo.commits), "no post-mortem lands by a merge commit"
    entries = org.world.pagerduty.log_entries
    agents = {e["agent"]["type"] for e in entries if e["type"] == "acknowledge_log_entry"}
    assert agents - {"user_reference"}, "no acknowledgement by an integration"
    channels = {
        e.get("channel", {}).get("type") for e in entries if e["type"] == "resolve_log_entry"
    }
    assert "timeout" in channels, "no resolution by the auto-resolve timeout"


def test_its_audit_exits_0_and_finds_exactly_what_was_planted(setup: Setup, tmp_path: Path) -> None:
    since, until = setup.org.window
    out = tmp_path / "results.json"
    args = ["audit", "--config", str(setup.config_path), "--format", "json"]
    args += ["--since", since.isoformat(), "--until", until.isoformat()]
    code = main([*args, "--as-of", setup.org.as_of.isoformat(), "--output", str(out)])
    document = json.loads(out.read_text(encoding="utf-8"))
    assert code == 0, document["sources"]
    assert {s["status"] for s in document["sources"].values()} == {"ok"}
    found = {
        (r["rule"], r["subject"]["key"]) for r in document["results"] if r["status"] == "violation"
    }
    assert found == {(p.rule, p.subject) for p in setup.org.planted}
