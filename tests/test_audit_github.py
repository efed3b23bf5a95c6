"""The audit of a generated organisation whose post-mortems reach the default branch as
real ones do (issue 8, item 4): merged pull requests, squashes, rebases, in a monorepo
whose whole tree GitHub truncates. Landing is the first-parent commit's committer time."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from github import Auth, Github

from opsaudit.cli import main
from opsaudit.sandbox.org import generate
from opsaudit.sandbox.org_common import DOCS_REPO
from opsaudit.sandbox.state import GitCommit
from sync_fixtures import Setup, serve_org

FOLDER = "docs/incidents"


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Setup, int, Any]]:
    folder = tmp_path_factory.mktemp("audit-github")
    org = generate(seed=7, incidents=60)
    with pytest.MonkeyPatch.context() as patch, serve_org(org, folder, patch) as setup:
        since, until = setup.org.window
        args = ["audit", "--config", str(setup.config_path), "--format", "json"]
        args += ["--since", since.isoformat(), "--until", until.isoformat()]
        args += ["--as-of", setup.org.as_of.isoformat(), "--output", str(folder / "r.json")]
        code = main(args)
        yield setup, code, json.loads((folder / "r.json").read_text(encoding="utf-8"))


def _merges(setup: Setup) -> list[GitCommit]:
    return [c for c in setup.org.world.github.repos[DOCS_REPO].commits if c.branch]


def test_a_post_mortem_merged_late_is_late_though_its_branch_commit_was_in_time(
    audited: tuple[Setup, int, Any],
) -> None:
    setup, code, document = audited
    assert code == 0, document["sources"]
    late = [r for r in document["results"] if r["rule"] == "postmortem.late"]
    violations = [r for r in late if r["status"] == "violation"]
    planted = {p.subject for p in setup.org.planted if p.rule == "postmortem.late"}
    assert {r["subject"]["key"] for r in violations} == planted
    merged_late = []
    for merge in _merges(setup):
        (path,) = [p for p in merge.branch[0].changes if p.startswith(FOLDER + "/")]
        for result in violations:
            if f"Post-mortem {path} landed" in result["message"]:
                merged_late.append((merge, result))
    assert len(merged_late) == 1, "the generator plants one post-mortem merged late"
    merge, result = merged_late[0]
    due = datetime.fromisoformat(result["deadline"])
    assert merge.branch[0].committed_at < due < merge.committed_at
    landed = merge.committed_at.strftime("%Y-%m-%d %H:%M")
    assert f"landed {landed} UTC" in result["message"]
    assert "after its due time" in result["message"]
    assert any(merge.sha in link for link in json.dumps(result["evidence"]).split('"'))


def test_squashes_and_rebases_are_judged_on_their_committer_time(
    audited: tuple[Setup, int, Any],
) -> None:
    setup, _, document = audited
    commits = setup.org.world.github.repos[DOCS_REPO].commits
    rewritten = [c for c in commits if c.authored_at is not None]
    assert len(rewritten) >= 2
    assert all(c.authored_at is not None and c.authored_at < c.committed_at for c in rewritten)
    messages = [r["message"] for r in document["results"] if r["rule"] == "postmortem.late"]
    judged = 0
    for commit in rewritten:
        (path,) = [p for p in commit.changes if p.startswith(FOLDER + "/")]
        for message in [m for m in messages if f"Post-mortem {path} landed" in m]:
            assert f"landed {commit.committed_at.strftime('%Y-%m-%d %H:%M')} UTC" in message
            judged += 1
    assert judged >= 2


def test_the_organisation_s_repository_is_too_large_for_one_tree_listing(
    audited: tuple[Setup, int, Any],
) -> None:
    setup, code, document = audited
    sandbox = setup.sandbox
    client = Github(
        base_url=sandbox.github_url,
        auth=Auth.Token(setup.org.world.tokens.github),
        verify=str(sandbox.ca_file),
        seconds_between_requests=None,
        retry=None,
    )
    try:
        assert client.get_repo(DOCS_REPO).get_git_tree("main", recursive=True).truncated
    finally:
        client.close()
    assert code == 0
    github = document["sources"]["github"]
    assert github["status"] == "ok", github
