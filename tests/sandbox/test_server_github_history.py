"""The sandbox's GitHub answers for merged pull requests, large trees and rate limits, read
through the real PyGithub client: what GitHub does, its uncomfortable parts included."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from github import Auth, Github, GithubException

from opsaudit.sandbox.server import Sandbox
from opsaudit.sandbox.state import GitCommit, GitHubWorld, RepoWorld, World

REPO = "acme/mono"
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
PM = "docs/incidents/2025-03-03-db.md"
SQUASHED = "docs/incidents/2025-03-04-cdn.md"


def sha(label: str) -> str:
    return label.encode().hex().ljust(40, "0")[:40]


def world() -> World:
    """main: root, fix (mainline), merge of a branch adding PM (branch commits a day
    before the merge), then a squash whose author time is two days before its commit."""
    branch = [
        GitCommit(sha("b1"), T0 + timedelta(hours=1), "draft", changes={PM: "v1\n"}),
        GitCommit(sha("b2"), T0 + timedelta(hours=2), "review", changes={PM: "v2\n"}),
    ]
    commits = [
        GitCommit(sha("root"), T0, "root", changes={"README.md": "hi\n", "src/a.py": "a\n"}),
        GitCommit(sha("fix"), T0 + timedelta(hours=5), "fix", changes={"src/a.py": "b\n"}),
        GitCommit(
            sha("merge"),
            T0 + timedelta(days=1),
            "Merge pull request #1",
            branch=branch,
            branch_base=sha("root"),
        ),
        GitCommit(
            sha("squash"),
            T0 + timedelta(days=3),
            "CDN post-mortem (#2)",
            authored_at=T0 + timedelta(days=1),
            changes={SQUASHED: "cdn\n"},
        ),
    ]
    many = {f"services/s{n}/f{k}.txt": f"{n}.{k}\n" for n in range(10) for k in range(10)}
    commits[0].changes = {**commits[0].changes, **many}
    repo = RepoWorld(full_name=REPO, commits=commits, tree_limit=50)
    return World(github=GitHubWorld(repos={REPO: repo}))


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox(world()) as sandbox:
        yield sandbox


def client(sb: Sandbox, **options: object) -> Github:
    return Github(
        base_url=sb.github_url,
        auth=Auth.Token(sb.world.tokens.github),
        verify=str(sb.ca_file),
        seconds_between_requests=None,
        **{"retry": None, **options},  # type: ignore[arg-type]
    )


def test_a_merge_commit_has_two_parents_and_its_files_against_the_first(sb: Sandbox) -> None:
    merge = client(sb).get_repo(REPO).get_commit(sha("merge"))
    assert [p.sha for p in merge.parents] == [sha("fix"), sha("b2")]
    assert [(f.filename, f.status) for f in merge.files] == [(PM, "added")]
    assert merge.commit.committer.date == T0 + timedelta(days=1)


def test_a_squash_keeps_its_author_time_and_is_committed_later(sb: Sandbox) -> None:
    squash = client(sb).get_repo(REPO).get_commit(sha("squash"))
    assert squash.commit.author.date == T0 + timedelta(days=1)
    assert squash.commit.committer.date == T0 + timedelta(days=3)


def test_the_branch_listing_holds_every_ancestor_newest_first(sb: Sandbox) -> None:
    listed = [c.sha for c in client(sb).get_repo(REPO).get_commits(sha="main")]
    order = ("squash", "merge", "fix", "b2", "b1", "root")
    assert listed == [sha(label) for label in order]


def test_a_listing_by_path_hides_the_merge_and_shows_the_branch(sb: Sandbox) -> None:
    repo = client(sb).get_repo(REPO)
    assert [c.sha for c in repo.get_commits(sha="main", path=PM)] == [sha("b2"), sha("b1")]
    folder = [c.sha for c in repo.get_commits(sha="main", path="docs/incidents")]
    assert folder == [sha("squash"), sha("b2"), sha("b1")]
    # a merge whose branch left the path alone is hidden too; the mainline is followed
    assert [c.sha for c in repo.get_commits(sha="main", path="src")] == [sha("fix"), sha("root")]


def test_a_recursive_tree_above_the_limit_is_truncated(sb: Sandbox) -> None:
    repo = client(sb).get_repo(REPO)
    whole = repo.get_git_tree("main", recursive=True)
    assert whole.truncated is True
    assert len(whole.tree) == 50
    docs = next(e for e in repo.get_git_tree("main").tree if e.path == "docs")
    folder = repo.get_git_tree(docs.sha, recursive=True)
    assert folder.truncated is False
    assert [e.path for e in folder.tree if e.type == "blob"] == [
        "incidents/2025-03-03-db.md",
        "incidents/2025-03-04-cdn.md",
    ]


def limited(sb: Sandbox, kind: str, status: int, *, retry_after: bool, wait: int) -> Any:
    """The exception PyGithub (no retries) raises for the sandbox's rate-limit answer."""
    gh = sb.world.github
    gh.limit_kind, gh.limit_status, gh.limit_retry_after = kind, status, retry_after
    sb.faults.rate_limit_every, sb.faults.retry_after = 1, wait
    with pytest.raises(GithubException) as raised:
        client(sb).get_repo(REPO).get_commit(sha("root"))
    assert raised.value.status == status
    return raised.value


@pytest.mark.parametrize("status", [403, 429])
@pytest.mark.parametrize("with_retry_after", [True, False])
def test_a_secondary_limit_is_403_or_429_with_or_without_retry_after(
    sb: Sandbox, status: int, with_retry_after: bool
) -> None:
    error = limited(sb, "secondary", status, retry_after=with_retry_after, wait=7)
    assert error.data["message"].startswith("You have exceeded a secondary rate limit")
    assert error.headers.get("retry-after") == ("7" if with_retry_after else None)
    assert error.headers["x-ratelimit-remaining"] != "0"


@pytest.mark.parametrize("status", [403, 429])
def test_a_primary_limit_says_none_left_until_the_reset(sb: Sandbox, status: int) -> None:
    error = limited(sb, "primary", status, retry_after=False, wait=30)
    assert error.data["message"].startswith("API rate limit exceeded")
    assert error.headers["x-ratelimit-remaining"] == "0"
    assert 28 <= int(error.headers["x-ratelimit-reset"]) - time.time() <= 31
    assert "retry-after" not in error.headers
