"""The GitHub source against the sandbox's GitHub REST API, over HTTPS, with PyGithub."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
from gh_fixtures import FOLDER, OTHER, OWN, T0, RepoBuilder, endpoint, free_port, new_world, sync

from opsaudit.parsing.links import IssueRef
from opsaudit.records import DocumentBatch, FileChange
from opsaudit.sandbox.server import Faults, Sandbox
from opsaudit.sandbox.state import World, git_blob_sha
from opsaudit.sandbox.tls import make_server_tls
from opsaudit.sources.base import Endpoint, RequestCounter, RetryPolicy, SourceError
from opsaudit.sources.github import fetch_github

DB = f"{FOLDER}/2024-05-01-db-failover.md"
DB_MOVED = f"{FOLDER}/2024/2024-05-01-db-failover.md"
DRAFT = "docs/drafts/2024-05-02-cdn.md"
CDN = f"{FOLDER}/2024-05-02-cdn.md"
CDN_ARCHIVED = "docs/incidents-archive/2024-05-02-cdn.md"
TMP = f"{FOLDER}/scratch.md"
OLD = "docs/incidents-archive/2019-01-01-old.md"

DB_V1 = "# DB failover\n\n## Action items\n- [ ] alert on lag (#1) due 2024-05-10\n"
DB_V2 = DB_V1 + "- [ ] runbook, see acme/platform#7 — résumé ✅\n"
CDN_TEXT = "# CDN\n\n## Action items\n- [x] purge script (#2)\n"
TMP_TEXT = "scratch\n"


@dataclass
class Repo:
    world: World
    own: RepoBuilder
    other: RepoBuilder
    shas: dict[str, str]  # label -> commit sha


def build_repo() -> Repo:
    """Adds, edits, renames into/inside/out of the folder, a delete, and the archive."""
    world = new_world()
    own, other = RepoBuilder(world, OWN), RepoBuilder(world, OTHER)
    shas = {
        "add": own.commit("add", {DB: DB_V1, OLD: "old\n", "README.md": "hi\n"}).sha,
        "edit": own.commit("edit", {DB: DB_V2}).sha,
        "draft": own.commit("draft", {DRAFT: CDN_TEXT}).sha,
        "move in": own.commit("move in", renames={CDN: DRAFT}).sha,
        "move inside": own.commit("move inside", renames={DB_MOVED: DB}).sha,
        "scratch": own.commit("scratch", {TMP: TMP_TEXT}).sha,
        "unscratch": own.commit("unscratch", {TMP: None}).sha,
        "archive": own.commit("archive", renames={CDN_ARCHIVED: CDN}).sha,
        "archive only": own.commit("archive only", {OLD: "older\n"}).sha,
    }
    own.issue(1)  # open
    own.issue(2, closed_at=T0 + timedelta(days=2))
    own.issue(3, pull=True, closed_at=T0 + timedelta(days=3), merged_at=T0 + timedelta(days=3))
    own.issue(4, pull=True, closed_at=T0 + timedelta(days=4), merged_field=False)
    own.issue(5)
    other.issue(7, closed_at=T0 + timedelta(days=1))
    other.issue(8)  # not linked: never read
    return Repo(world, own, other, shas)


@pytest.fixture
def repo() -> Repo:
    return build_repo()


@pytest.fixture
def sb(repo: Repo) -> Iterator[Sandbox]:
    with Sandbox(repo.world) as sandbox:
        yield sandbox


def endpoint_count(sb: Sandbox, template: str) -> int:
    return sb.counts[f"github GET /repos/{{owner}}/{{repo}}{template}"]


# ------------------------------------------------------------------------------ history


def test_commits_that_touched_the_folder_with_their_changes(repo: Repo, sb: Sandbox) -> None:
    batch, _ = sync(sb, repo.world)
    s = repo.shas
    assert batch.head_sha == s["archive only"]
    assert [c.sha for c in batch.commits] == [
        s[label]
        for label in ("add", "edit", "move in", "move inside", "scratch", "unscratch", "archive")
    ]
    changes = {c.message: c.changes for c in batch.commits}
    assert changes["add"] == (FileChange(DB, "added", git_blob_sha(DB_V1)),)
    assert changes["edit"] == (FileChange(DB, "modified", git_blob_sha(DB_V2)),)
    assert changes["move in"] == (FileChange(CDN, "added", git_blob_sha(CDN_TEXT)),)
    assert changes["move inside"] == (
        FileChange(DB_MOVED, "renamed", git_blob_sha(DB_V2), previous_path=DB),
    )
    assert changes["unscratch"] == (FileChange(TMP, "removed", None),)
    assert changes["archive"] == (FileChange(CDN, "removed", None),)
    assert endpoint_count(sb, "/commits") > 1  # several pages of two


def test_commit_times_are_committer_dates_in_utc(repo: Repo, sb: Sandbox) -> None:
    batch, _ = sync(sb, repo.world)
    first = batch.commits[0]
    assert first.committed_at == T0
    assert first.committed_at.utcoffset() == timedelta(0)
    assert (first.author, first.message) == ("Sandbox Bot", "add")


def test_blobs_of_the_folder_are_fetched_once_and_decoded(repo: Repo, sb: Sandbox) -> None:
    batch, _ = sync(sb, repo.world)
    texts = {b.sha: b.text for b in batch.blobs}
    expected = {DB_V1, DB_V2, CDN_TEXT, TMP_TEXT}
    assert texts == {git_blob_sha(t): t for t in expected}
    assert endpoint_count(sb, "/git/blobs/{sha}") == len(expected)
    # the folder's own tree: the root, docs/, then docs/incidents/ recursively
    assert endpoint_count(sb, "/git/trees/{sha}") == 3


def test_known_blobs_are_not_fetched_again(repo: Repo, sb: Sandbox) -> None:
    first, _ = sync(sb, repo.world)
    sb.reset_counts()
    again, _ = sync(sb, repo.world, known_blobs={b.sha for b in first.blobs})
    assert again.blobs == []
    assert endpoint_count(sb, "/git/blobs/{sha}") == 0
    assert again.commits == first.commits


def test_a_folder_path_given_with_slashes_means_the_same(repo: Repo, sb: Sandbox) -> None:
    plain, _ = sync(sb, repo.world)
    slashed, _ = fetch_github(
        endpoint=endpoint(sb, repo.world),
        repo=OWN,
        path=f"/{FOLDER}/",
        cursor=None,
        known_blobs=set(),
        page_size=100,
    )
    assert slashed.commits == plain.commits
    assert {b.sha for b in slashed.blobs} == {b.sha for b in plain.blobs}


# ------------------------------------------------------------------------------- issues


def states(batch: DocumentBatch) -> dict[tuple[str, int], tuple[str, bool, datetime | None]]:
    return {(i.repo, i.number): (i.state, i.is_pull_request, i.merged_at) for i in batch.issues}


def test_issue_states_of_the_repo_in_bulk_and_linked_ones_elsewhere(
    repo: Repo, sb: Sandbox
) -> None:
    batch, _ = sync(sb, repo.world)
    found = states(batch)
    merged = T0 + timedelta(days=3)
    assert found == {
        (OWN, 1): ("open", False, None),
        (OWN, 2): ("closed", False, None),
        (OWN, 3): ("closed", True, merged),
        (OWN, 4): ("closed", True, None),  # closed unmerged, read with get_pull
        (OWN, 5): ("open", False, None),
        (OTHER, 7): ("closed", False, None),  # linked from DB_V2's text
    }
    assert endpoint_count(sb, "/issues") == 3  # five issues, pages of two
    assert endpoint_count(sb, "/issues/{number}") == 1  # acme/platform#7 only
    assert endpoint_count(sb, "/pulls/{number}") == 1  # #4 has no merged_at field
    closed = next(i for i in batch.issues if (i.repo, i.number) == (OWN, 2))
    assert closed.closed_at == T0 + timedelta(days=2)
    assert closed.html_url == f"https://github.com/{OWN}/issues/2"


def test_refs_given_by_the_caller_are_read_and_a_closed_one_is_not_read_again(
    repo: Repo, sb: Sandbox
) -> None:
    repo.other.issue(9)  # open: looked for again on every sync
    refs = [IssueRef(OTHER, 9), IssueRef(OTHER.upper(), 9), IssueRef(OTHER, 7)]
    fetch = partial(
        fetch_github, endpoint=endpoint(sb, repo.world), repo=OWN, path=FOLDER, issue_refs=refs
    )
    batch, cursor = fetch(cursor=None, known_blobs=set())
    assert {(OTHER, 7), (OTHER, 9)} <= set(states(batch))
    assert endpoint_count(sb, "/issues/{number}") == 2  # names ignore case: #9 read once
    sb.reset_counts()
    again, cursor = fetch(cursor=cursor, known_blobs=set())
    # #7 is known closed; open #9 is looked for in one listing of acme/platform's issues
    # changed since the last sync (the other listing is the repository's own)
    assert endpoint_count(sb, "/issues/{number}") == 0
    assert endpoint_count(sb, "/issues") == 2
    assert again.issues == []  # #9 did not change
    with repo.world.lock:
        issue = next(i for i in repo.other.repo.issues if i["number"] == 9)
        issue.update(
            state="closed", closed_at="2024-06-01T00:00:00Z", updated_at="2024-06-01T00:00:00Z"
        )
    closed, _ = fetch(cursor=cursor, known_blobs=set())
    assert states(closed) == {(OTHER, 9): ("closed", False, None)}


def test_an_unreadable_linked_issue_is_skipped(
    repo: Repo, sb: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    batch, _ = fetch_github(
        endpoint=endpoint(sb, repo.world),
        repo=OWN,
        path=FOLDER,
        cursor=None,
        known_blobs=set(),
        issue_refs=[IssueRef("acme/gone", 1)],
    )
    assert ("acme/gone", 1) not in states(batch)
    assert (OTHER, 7) in states(batch)
    assert "get issue acme/gone#1: HTTP 404, skipped" in caplog.text


# -------------------------------------------------------------------------- incremental


def test_unchanged_repo_costs_few_requests_and_returns_nothing_new(repo: Repo, sb: Sandbox) -> None:
    _, cursor = sync(sb, repo.world)
    sb.reset_counts()
    counter = RequestCounter()
    batch, again = sync(sb, repo.world, cursor=cursor, counter=counter)
    assert (batch.commits, batch.blobs, batch.issues) == ([], [], [])
    assert batch.head_sha == repo.shas["archive only"]
    assert sb.counts["github"] <= 4
    assert counter.count == sb.counts["github"]
    assert again == cursor


def test_a_new_commit_comes_alone_with_its_new_blob(repo: Repo, sb: Sandbox) -> None:
    first, cursor = sync(sb, repo.world)
    text = "# Queue backlog\n"
    with repo.world.lock:
        new = repo.own.commit("queue", {f"{FOLDER}/2024-05-03-queue.md": text})
    batch, _ = sync(sb, repo.world, cursor=cursor, known_blobs={b.sha for b in first.blobs})
    assert [c.sha for c in batch.commits] == [new.sha]
    assert [(b.sha, b.text) for b in batch.blobs] == [(git_blob_sha(text), text)]
    assert batch.head_sha == new.sha


def test_a_commit_outside_the_folder_moves_the_head_only(repo: Repo, sb: Sandbox) -> None:
    first, cursor = sync(sb, repo.world)
    with repo.world.lock:
        outside = repo.own.commit("readme", {"README.md": "hello\n"})
    batch, _ = sync(sb, repo.world, cursor=cursor, known_blobs={b.sha for b in first.blobs})
    assert (batch.head_sha, batch.commits, batch.blobs) == (outside.sha, [], [])


def test_a_commit_pushed_late_with_an_older_date_is_still_found(repo: Repo, sb: Sandbox) -> None:
    first, cursor = sync(sb, repo.world)
    text = "# Made offline\n"
    with repo.world.lock:  # committed locally two days before the last commit, pushed now
        late = repo.own.commit("late", {f"{FOLDER}/late.md": text}, at=T0 - timedelta(days=2))
    batch, _ = sync(sb, repo.world, cursor=cursor, known_blobs={b.sha for b in first.blobs})
    assert [c.sha for c in batch.commits] == [late.sha]
    assert [b.text for b in batch.blobs] == [text]


def test_no_link_into_the_repository_means_no_issue_listing() -> None:
    world = new_world()
    own = RepoBuilder(world, OWN)
    own.commit("plain", {f"{FOLDER}/a.md": "no links here\n"})
    own.issue(1)
    with Sandbox(world) as sb:
        batch, cursor = sync(sb, world)
        assert batch.issues == []
        assert endpoint_count(sb, "/issues") == 0
        with world.lock:
            own.commit("linked", {f"{FOLDER}/a.md": "fixed in #1\n"})
        batch, _ = sync(sb, world, cursor=cursor)
    assert states(batch) == {(OWN, 1): ("open", False, None)}


def test_an_issue_closed_since_the_last_sync_comes_back(repo: Repo, sb: Sandbox) -> None:
    _, cursor = sync(sb, repo.world)
    later = T0 + timedelta(days=9)
    with repo.world.lock:
        issue = next(i for i in repo.own.repo.issues if i["number"] == 1)
        issue.update(
            state="closed", closed_at="2024-05-10T09:00:00Z", updated_at="2024-05-10T09:00:00Z"
        )
    batch, _ = sync(sb, repo.world, cursor=cursor)
    assert states(batch) == {(OWN, 1): ("closed", False, None)}
    assert batch.issues[0].closed_at == later.astimezone(UTC)


# ------------------------------------------------------------------------ faults, errors


def test_every_third_request_rate_limited_gives_the_same_batch(repo: Repo, sb: Sandbox) -> None:
    clean, _ = sync(sb, repo.world)
    needed = sb.counts["github"]
    sb.reset_counts()
    sb.faults = Faults(rate_limit_every=3, retry_after=0)
    counter = RequestCounter()
    limited, _ = sync(sb, repo.world, counter=counter)
    assert limited == clean
    # one in three answers was a 429: the retries make up the difference
    assert sb.counts["github"] == needed + (needed - 1) // 2
    assert counter.count == sb.counts["github"]


def test_a_share_of_server_errors_is_retried(repo: Repo, sb: Sandbox) -> None:
    clean, _ = sync(sb, repo.world)
    needed = sb.counts["github"]
    sb.reset_counts()
    sb.faults = Faults(error_rate=0.3, seed=7)
    counter = RequestCounter()
    flaky, _ = sync(sb, repo.world, counter=counter)
    assert flaky == clean
    assert sb.counts["github"] > needed
    assert counter.count == sb.counts["github"]


def test_persistent_server_errors_fail_after_the_bounded_attempts(repo: Repo, sb: Sandbox) -> None:
    sb.faults = Faults(error_rate=1.0)
    counter = RequestCounter()
    with pytest.raises(SourceError) as failure:
        sync(sb, repo.world, counter=counter, retry=RetryPolicy(attempts=3, backoff=0.01))
    assert failure.value.source == "github"
    assert f"get repository {OWN}" in str(failure.value)
    assert "HTTP 50" in str(failure.value)
    assert sb.counts["github"] == 3
    assert counter.count == 3


def test_a_rate_limit_wait_is_capped_by_the_policy(repo: Repo, sb: Sandbox) -> None:
    sb.faults = Faults(rate_limit_every=2, retry_after=3600)
    started = time.monotonic()
    batch, _ = sync(sb, repo.world, retry=RetryPolicy(attempts=3, backoff=0.01, max_wait=0.05))
    assert batch.head_sha == repo.shas["archive only"]
    assert time.monotonic() - started < 30


def test_a_bad_token_fails_without_showing_it(
    repo: Repo, sb: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "ghp_wrongtoken_0123456789abcdef"
    with pytest.raises(SourceError) as failure:
        fetch_github(
            endpoint=endpoint(sb, repo.world, token=wrong),
            repo=OWN,
            path=FOLDER,
            cursor=None,
            known_blobs=set(),
        )
    message = str(failure.value)
    assert "bad credentials" in message
    assert "401" in message
    assert wrong not in message
    assert wrong not in repr(failure.value)
    assert wrong not in caplog.text


def test_the_token_never_reaches_a_debug_log(
    repo: Repo, sb: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sync(sb, repo.world, counter=RequestCounter())
    assert repo.world.tokens.github not in caplog.text


def test_counting_leaves_the_wire_logger_as_it_was(repo: Repo, sb: Sandbox) -> None:
    wire = logging.getLogger("urllib3.connectionpool")
    before = (wire.level, list(wire.filters), wire.propagate)
    counter = RequestCounter()
    sync(sb, repo.world, counter=counter)
    assert counter.count == sb.counts["github"] > 0
    assert (wire.level, list(wire.filters), wire.propagate) == before


def test_an_unknown_repository_names_the_call(repo: Repo, sb: Sandbox) -> None:
    with pytest.raises(SourceError) as failure:
        fetch_github(
            endpoint=endpoint(sb, repo.world),
            repo="acme/nope",
            path=FOLDER,
            cursor=None,
            known_blobs=set(),
        )
    assert str(failure.value) == "github: get repository acme/nope: HTTP 404: Not Found"


def test_an_unreachable_server_is_a_source_error() -> None:
    token = "ghp_unreachable_0123456789"
    dead = Endpoint(api_url=f"https://127.0.0.1:{free_port()}/github", token=token)
    with pytest.raises(SourceError) as failure:
        fetch_github(
            endpoint=dead,
            repo=OWN,
            path=FOLDER,
            cursor=None,
            known_blobs=set(),
            retry=RetryPolicy(attempts=2, backoff=0.01),
        )
    assert f"get repository {OWN}: ConnectionError" in str(failure.value)
    assert token not in str(failure.value)


def test_open_issues_elsewhere_cost_one_listing_per_repository_once_read(
    repo: Repo, sb: Sandbox
) -> None:
    for number in range(20, 26):
        repo.other.issue(number)
    refs = [IssueRef(OTHER, n) for n in range(20, 26)]
    fetch = partial(
        fetch_github, endpoint=endpoint(sb, repo.world), repo=OWN, path=FOLDER, issue_refs=refs
    )
    first, cursor = fetch(cursor=None, known_blobs=set())
    assert {(OTHER, n) for n in range(20, 26)} <= set(states(first))
    sb.reset_counts()
    with repo.world.lock:
        issue = next(i for i in repo.other.repo.issues if i["number"] == 23)
        issue.update(
            state="closed", closed_at="2024-07-01T00:00:00Z", updated_at="2024-07-01T00:00:00Z"
        )
    again, _ = fetch(cursor=cursor, known_blobs=set())
    assert endpoint_count(sb, "/issues/{number}") == 0  # six open issues, no single reads
    assert states(again) == {(OTHER, 23): ("closed", False, None)}


def test_an_untrusted_certificate_is_said_as_such_and_not_retried(
    repo: Repo, sb: Sandbox, tmp_path: Path
) -> None:
    other_ca = make_server_tls(directory=tmp_path).ca_file  # a CA that signed nothing here
    counter = RequestCounter()
    untrusting = Endpoint(api_url=sb.github_url, token=repo.world.tokens.github, ca_file=other_ca)
    slow = RetryPolicy(attempts=6, backoff=5.0, max_wait=5.0)  # a retry would show
    started = time.monotonic()
    with pytest.raises(SourceError) as info:
        fetch_github(
            endpoint=untrusting,
            repo=OWN,
            path=FOLDER,
            cursor=None,
            known_blobs=set(),
            counter=counter,
            retry=slow,
        )
    assert str(info.value) == (
        f"github: TLS certificate of 127.0.0.1:{sb.port} not trusted by ca_file {other_ca}"
    )
    assert time.monotonic() - started < 2.0
    assert sum(sb.counts.values()) == 0
