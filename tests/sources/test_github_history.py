"""The GitHub source reads history as git has it (issue 8, item 4): first parents of the
default branch with committer times, the post-mortem folder's own tree, and GitHub's rate
limits waited as documented. Through PyGithub, against the sandbox, over HTTPS."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from gh_fixtures import (
    FOLDER,
    OWN,
    T0,
    RepoBuilder,
    endpoint,
    fake_sha,
    new_world,
    side,
    sync,
)

from opsaudit.records import FileChange
from opsaudit.sandbox.server import Faults, Sandbox
from opsaudit.sandbox.state import World, git_blob_sha
from opsaudit.sources.base import Deadline, RetryPolicy, SourceError
from opsaudit.sources.github import fetch_github

LATE = f"{FOLDER}/2024-05-01-db.md"
SQUASH = f"{FOLDER}/2024-05-02-cdn.md"
REBASED = f"{FOLDER}/2024-05-03-dns.md"
DAY = timedelta(days=1)


def count(sb: Sandbox, template: str) -> int:
    return sb.counts[f"github GET /repos/{{owner}}/{{repo}}{template}"]


@pytest.fixture
def world() -> World:
    return new_world()


@pytest.fixture
def own(world: World) -> RepoBuilder:
    own = RepoBuilder(world, OWN)
    own.commit("root", {"README.md": "hi\n"}, at=T0)
    return own


@pytest.fixture
def sb(world: World) -> Iterator[Sandbox]:
    with Sandbox(world) as sandbox:
        yield sandbox


def test_a_merged_pull_request_lands_at_its_merge_commit(own: RepoBuilder, sb: Sandbox) -> None:
    # written and committed on its branch in time (day 1), merged late (day 9)
    branch = [side("draft", {LATE: "# DB\n"}, at=T0 + DAY)]
    merge = own.commit("Merge pull request #4", at=T0 + 9 * DAY, branch=branch)
    batch, _ = sync(sb, sb.world)
    assert [(c.sha, c.committed_at) for c in batch.commits] == [(merge.sha, T0 + 9 * DAY)]
    assert batch.commits[0].changes == (FileChange(LATE, "added", git_blob_sha("# DB\n")),)


def test_squashes_and_rebases_land_at_their_committer_time(own: RepoBuilder, sb: Sandbox) -> None:
    own.commit("squash", {SQUASH: "cdn\n"}, at=T0 + 8 * DAY, authored=T0 + DAY)
    own.commit("rebased 1", {REBASED: "dns\n"}, at=T0 + 10 * DAY, authored=T0 + 2 * DAY)
    own.commit("rebased 2", {REBASED: "dns 2\n"}, at=T0 + 10 * DAY, authored=T0 + 3 * DAY)
    batch, _ = sync(sb, sb.world)
    assert [(c.message, c.committed_at) for c in batch.commits] == [
        ("squash", T0 + 8 * DAY),
        ("rebased 1", T0 + 10 * DAY),
        ("rebased 2", T0 + 10 * DAY),
    ]


def test_an_incremental_sync_finds_a_branch_older_than_its_look_back(
    own: RepoBuilder, sb: Sandbox
) -> None:
    own.commit("first", {SQUASH: "cdn\n"}, at=T0 + 30 * DAY)
    _, cursor = sync(sb, sb.world)
    # a branch written 20 days before the last sync's newest commit, merged after it
    branch = [side("old draft", {LATE: "# DB\n"}, at=T0 + 10 * DAY)]
    merge = own.commit(
        "Merge pull request #9", at=T0 + 31 * DAY, branch=branch, base=fake_sha("root")
    )
    batch, _ = sync(sb, sb.world, cursor=cursor)
    assert [(c.sha, c.committed_at) for c in batch.commits] == [(merge.sha, T0 + 31 * DAY)]
    assert batch.commits[0].changes == (FileChange(LATE, "added", git_blob_sha("# DB\n")),)
    assert git_blob_sha("# DB\n") in {b.sha for b in batch.blobs}


def test_merges_of_branches_that_left_the_folder_alone_are_not_read(
    own: RepoBuilder, sb: Sandbox
) -> None:
    own.commit("pm", {SQUASH: "cdn\n"}, at=T0 + DAY)
    for n in range(4):
        branch = [side(f"code {n}", {f"src/{n}.py": "x\n"}, at=T0 + (2 + n) * DAY)]
        own.commit(
            f"Merge pull request #{n}", at=T0 + (2 + n) * DAY + timedelta(hours=1), branch=branch
        )
    batch, _ = sync(sb, sb.world)
    assert [c.message for c in batch.commits] == ["pm"]
    assert count(sb, "/commits/{ref}") == 1  # the post-mortem's commit only


def test_only_the_folder_s_own_tree_is_read_in_a_monorepo(own: RepoBuilder, sb: Sandbox) -> None:
    code = {f"services/s{n}/file{k}.py": f"{n}{k}\n" for n in range(30) for k in range(10)}
    own.commit("monorepo", {**code, SQUASH: "cdn\n"}, at=T0 + DAY)
    own.repo.tree_limit = 100  # the whole recursive tree would be cut at 100 entries
    batch, _ = sync(sb, sb.world)
    assert {b.text for b in batch.blobs} == {"cdn\n"}
    assert count(sb, "/git/trees/{sha}") == 3  # root, docs/, docs/incidents/ (recursive)


def test_a_truncated_folder_listing_is_read_level_by_level(own: RepoBuilder, sb: Sandbox) -> None:
    files = {
        f"{FOLDER}/{year}/{year}-01-0{k}-x.md": f"{year} {k}\n"
        for year in (2021, 2022, 2023)
        for k in range(1, 5)
    }
    own.commit("many", files, at=T0 + DAY)
    own.repo.tree_limit = 5  # the folder's recursive listing (15 entries) is cut too
    batch, _ = sync(sb, sb.world)
    assert {b.text for b in batch.blobs} == set(files.values())
    # root, docs/, the folder (recursive: cut), then the folder and its three years alone
    assert count(sb, "/git/trees/{sha}") == 3 + 1 + 3


def test_a_single_folder_too_large_to_list_fails_the_source(own: RepoBuilder, sb: Sandbox) -> None:
    own.commit("many", {f"{FOLDER}/{k:03}.md": "x\n" for k in range(20)}, at=T0 + DAY)
    own.repo.tree_limit = 5  # the folder alone holds more entries than one listing gives
    with pytest.raises(SourceError) as failure:
        sync(sb, sb.world)
    assert str(failure.value).startswith("github: get tree ")
    assert str(failure.value).endswith("truncated by GitHub (one folder too large to list)")


LIMITS = [
    ("secondary", 403, True, "Retry-After"),
    ("secondary", 429, True, "Retry-After"),
    ("secondary", 403, False, "secondary rate limit"),
    ("secondary", 429, False, "secondary rate limit"),
    ("primary", 403, False, "x-ratelimit-reset"),
    ("primary", 429, False, "x-ratelimit-reset"),
]


@pytest.mark.parametrize(("kind", "status", "retry_after", "hint"), LIMITS)
def test_each_rate_limit_is_waited_as_github_documents(
    own: RepoBuilder, sb: Sandbox, kind: str, status: int, retry_after: bool, hint: str
) -> None:
    own.commit("pm", {SQUASH: "cdn\n"}, at=T0 + DAY)
    clean, _ = sync(sb, sb.world)
    gh = sb.world.github
    gh.limit_kind, gh.limit_status, gh.limit_retry_after = kind, status, retry_after
    sb.faults = Faults(rate_limit_every=4, retry_after=1)
    said: list[str] = []
    deadline = Deadline(source="github", seconds=120, progress=said.append)
    where = replace(endpoint(sb, sb.world), deadline=deadline)
    started = time.monotonic()
    limited, _ = fetch_github(
        endpoint=where,
        repo=OWN,
        path=FOLDER,
        cursor=None,
        known_blobs=set(),
        retry=RetryPolicy(attempts=4, backoff=0.01, max_wait=1.0),
        page_size=2,
    )
    assert limited == clean
    assert said and all(line.startswith("github: rate limited, waiting ") for line in said)
    assert all(line.endswith(f"({hint})") for line in said)
    assert time.monotonic() - started < 60


def test_a_primary_reset_past_the_deadline_fails_at_once_saying_so(
    own: RepoBuilder, sb: Sandbox
) -> None:
    own.commit("pm", {SQUASH: "cdn\n"}, at=T0 + DAY)
    gh = sb.world.github
    gh.limit_kind, gh.limit_status, gh.limit_retry_after = "primary", 403, False
    sb.faults = Faults(rate_limit_every=1, retry_after=3600)
    deadline = Deadline(source="github", seconds=30, key="sources.github.timeout")
    where = replace(endpoint(sb, sb.world), deadline=deadline)
    started = time.monotonic()
    with pytest.raises(SourceError) as failure:
        fetch_github(endpoint=where, repo=OWN, path=FOLDER, cursor=None, known_blobs=set())
    assert str(failure.value).startswith("github: rate limited: waiting ")
    assert "(x-ratelimit-reset) would pass the source's timeout of 30s" in str(failure.value)
    assert time.monotonic() - started < 10


def test_a_cursor_of_simplified_history_makes_the_next_sync_read_it_all_again(
    own: RepoBuilder, sb: Sandbox
) -> None:
    branch = [side("draft", {LATE: "# DB\n"}, at=T0 + DAY)]
    merge = own.commit("Merge pull request #4", at=T0 + 9 * DAY, branch=branch)
    first, cursor = sync(sb, sb.world)
    assert first.replaces_history  # a first sync: the whole first-parent history
    again, _ = sync(sb, sb.world, cursor={**cursor, "head": None})
    assert again.replaces_history
    # a cursor written before history was read as first parents (no "history" key)
    older = {k: v for k, v in cursor.items() if k != "history"}
    upgraded, fresh = sync(sb, sb.world, cursor=older)
    assert upgraded.replaces_history
    assert [c.sha for c in upgraded.commits] == [merge.sha]
    assert fresh["history"] == "first-parent"
    unchanged, _ = sync(sb, sb.world, cursor=fresh)
    assert not unchanged.replaces_history and unchanged.commits == []
