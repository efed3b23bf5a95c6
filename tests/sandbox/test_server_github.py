"""The sandbox's GitHub REST, driven by the real PyGithub client over HTTPS."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from github import GithubException, GithubRetry

from opsaudit.sandbox.server import Sandbox
from opsaudit.sandbox.state import GitCommit, git_blob_sha

T0 = datetime(2024, 3, 1, tzinfo=UTC)  # the conftest repository's first commit
REPO = "acme/postmortems"
PM3 = "postmortems/2024/pm-3.md"


def test_commits_newest_first_across_pages(sandbox: Sandbox, kit: Any) -> None:
    repo = kit.github(per_page=5, lazy=True).get_repo(REPO)
    shas = [c.sha for c in repo.get_commits()]
    assert shas == [f"{n:040x}" for n in range(11, -1, -1)]
    assert sandbox.counts["github GET /repos/{owner}/{repo}/commits"] == 3


def test_first_commit_of_a_file_costs_two_requests(sandbox: Sandbox, kit: Any) -> None:
    repo = kit.github(per_page=2, lazy=True).get_repo(REPO)
    with sandbox.world.lock:  # make PM3 change twice more, so that it spans pages
        for n in (4, 5):
            sandbox.world.github.repos[REPO].commits.append(
                GitCommit(
                    sha=f"{100 + n:040x}",
                    committed_at=T0 + timedelta(days=20 + n),
                    changes={PM3: f"# PM 3\n\nrevision {n}\n"},
                )
            )
    first = repo.get_commits(path=PM3).reversed[0]
    assert first.sha == f"{3:040x}"
    assert sandbox.counts["github GET /repos/{owner}/{repo}/commits"] == 2


def test_path_filter_takes_folders_and_since_until(kit: Any) -> None:
    repo = kit.github(lazy=True).get_repo(REPO)
    assert repo.get_commits(path="postmortems").totalCount == 11
    window = repo.get_commits(since=T0 + timedelta(days=2), until=T0 + timedelta(days=4))
    assert [c.sha for c in window] == [f"{n:040x}" for n in (4, 3, 2)]


def test_commit_detail_lists_file_changes(sandbox: Sandbox, kit: Any) -> None:
    with sandbox.world.lock:
        sandbox.world.github.repos[REPO].commits.append(
            GitCommit(
                sha="a" * 40,
                committed_at=T0 + timedelta(days=30),
                changes={
                    "README.md": "# Post-mortems\n\nIndex\n",
                    "postmortems/2024/pm-1.md": None,
                },
                renames={"postmortems/2024/pm-2-renamed.md": "postmortems/2024/pm-2.md"},
            )
        )
    commit = kit.github(lazy=True).get_repo(REPO).get_commit("a" * 40)
    files = {f.filename: f for f in commit.files}
    assert files["README.md"].status == "modified"
    assert files["README.md"].additions == 2
    assert files["postmortems/2024/pm-1.md"].status == "removed"
    renamed = files["postmortems/2024/pm-2-renamed.md"]
    assert (renamed.status, renamed.previous_filename) == ("renamed", "postmortems/2024/pm-2.md")
    assert renamed.sha == git_blob_sha("# PM 2\n\nRoot cause 2\n")
    assert commit.parents[0].sha == f"{11:040x}"


def test_recursive_tree_from_a_branch_name(kit: Any) -> None:
    repo = kit.github(lazy=True).get_repo(REPO)
    tree = repo.get_git_tree("main", recursive=True)
    assert tree.raw_data["truncated"] is False
    paths = {e.path: e for e in tree.tree}
    assert paths["postmortems"].type == "tree"
    assert paths[PM3].sha == git_blob_sha("# PM 3\n\nRoot cause 3\n")
    # a subtree's sha names a tree the API serves too
    subtree = repo.get_git_tree(paths["postmortems/2024"].sha)
    assert len(subtree.tree) == 11


def test_tree_sha_is_gits(kit: Any) -> None:
    # the first commit holds README.md alone; git hashes that tree as computed here
    repo = kit.github(lazy=True).get_repo(REPO)
    commit = repo.get_commit(f"{0:040x}")
    blob = git_blob_sha("# Post-mortems\n")
    raw = b"100644 README.md\0" + bytes.fromhex(blob)
    expected = hashlib.sha1(b"tree %d\0" % len(raw) + raw).hexdigest()
    # an older commit names its tree by a stand-in that resolves to git's tree
    tree = repo.get_git_tree(commit.commit.tree.sha)
    assert tree.sha == expected
    assert [(e.path, e.sha) for e in tree.tree] == [("README.md", blob)]
    # the head names git's own tree sha
    head = repo.get_commit(repo.default_branch)
    assert head.commit.tree.sha == repo.get_git_tree(head.sha).sha


def test_blob_and_contents(kit: Any) -> None:
    repo = kit.github(lazy=True).get_repo(REPO)
    sha = git_blob_sha("# PM 3\n\nRoot cause 3\n")
    blob = repo.get_git_blob(sha)
    assert blob.encoding == "base64"
    assert all(len(line) <= 60 for line in blob.content.splitlines())
    assert base64.b64decode(blob.content) == b"# PM 3\n\nRoot cause 3\n"
    content = repo.get_contents(PM3, ref=f"{5:040x}")
    assert not isinstance(content, list)
    assert content.decoded_content == b"# PM 3\n\nRoot cause 3\n"
    folder = repo.get_contents("postmortems/2024", ref=f"{2:040x}")
    assert isinstance(folder, list)
    assert sorted(f.name for f in folder) == ["pm-1.md", "pm-2.md"]
    with pytest.raises(GithubException) as raised:
        repo.get_contents(PM3, ref=f"{2:040x}")
    assert raised.value.status == 404


def test_issues_filter_and_pages(sandbox: Sandbox, kit: Any) -> None:
    with sandbox.world.lock:
        for n in range(1, 8):
            issue = _issue(n, updated=T0 + timedelta(days=n), pull=n == 7)
            sandbox.world.github.repos[REPO].issues.append(issue)
    repo = kit.github(per_page=2, lazy=True).get_repo(REPO)
    everything = list(repo.get_issues(state="all"))
    assert [i.number for i in everything] == [7, 6, 5, 4, 3, 2, 1]
    recent = repo.get_issues(state="all", since=T0 + timedelta(days=5))
    assert sorted(i.number for i in recent) == [5, 6, 7]
    assert [i.number for i in repo.get_issues()] == [7, 5, 3, 1]  # open only
    assert repo.get_issue(7).pull_request is not None
    eager = kit.github().get_repo(REPO)
    pull = eager.get_pull(7)
    assert (pull.number, pull.merged) == (7, False)
    with pytest.raises(GithubException) as raised:
        eager.get_pull(6)  # an issue, not a pull request
    assert raised.value.status == 404


def _issue(number: int, *, updated: datetime, pull: bool) -> dict[str, Any]:
    stamp = updated.strftime("%Y-%m-%dT%H:%M:%SZ")
    issue: dict[str, Any] = {
        "url": f"https://api.github.com/repos/{REPO}/issues/{number}",
        "html_url": f"https://github.com/{REPO}/issues/{number}",
        "id": number,
        "number": number,
        "title": f"Action item {number}",
        "state": "open" if number % 2 else "closed",
        "labels": [{"name": "action-item"}],
        "user": {"login": "dev"},
        "created_at": stamp,
        "updated_at": stamp,
        "closed_at": None if number % 2 else stamp,
        "body": "",
    }
    if pull:
        issue["pull_request"] = {
            "url": f"https://api.github.com/repos/{REPO}/pulls/{number}",
            "merged_at": None,
        }
    return issue


def test_etag_gives_304_and_costs_no_rate_limit(sandbox: Sandbox, kit: Any) -> None:
    client = kit.github()
    repo = client.get_repo(REPO)
    remaining = client.rate_limiting[0]
    assert repo.update() is False  # If-None-Match matched: 304
    assert client.rate_limiting[0] == remaining
    with sandbox.world.lock:
        sandbox.world.github.repos[REPO].commits.append(
            GitCommit(sha="b" * 40, committed_at=T0 + timedelta(days=40), changes={"x.md": "x"})
        )
    assert repo.update() is True
    assert sandbox.counts["github GET /repos/{owner}/{repo}"] == 3


def test_every_answer_has_rate_limit_headers(kit: Any) -> None:
    client = kit.github()
    client.get_repo(REPO)
    limit = client.get_rate_limit()
    assert client.rate_limiting == (4998, 5000)  # (remaining, limit) after two requests
    assert limit.resources.core.limit == 5000


def test_a_wrong_token_gets_401(kit: Any) -> None:
    with pytest.raises(GithubException) as raised:
        kit.github(token="ghp_wrong").get_repo(REPO)
    assert raised.value.status == 401
    assert raised.value.data["message"] == "Bad credentials"


def test_rate_limit_answer(sandbox: Sandbox, kit: Any) -> None:
    sandbox.faults.rate_limit_every = 1
    sandbox.faults.retry_after = 1
    with pytest.raises(GithubException) as raised:
        kit.github().get_repo(REPO)
    assert raised.value.status == 429
    assert raised.value.headers["retry-after"] == "1"
    assert "secondary rate limit" in raised.value.data["message"]
    assert "x-ratelimit-remaining" in raised.value.headers


def test_github_retry_rides_out_a_rate_limit(sandbox: Sandbox, kit: Any) -> None:
    sandbox.faults.rate_limit_every = 2
    sandbox.faults.retry_after = 0
    client = kit.github(retry=GithubRetry(total=3, secondary_rate_wait=0))
    client.get_repo(REPO)  # request 1
    assert client.get_repo(REPO).full_name == REPO  # 2 refused, 3 answers
    assert sandbox.counts["github GET /repos/{owner}/{repo}"] == 3
