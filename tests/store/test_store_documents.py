"""GitHub records, and the post-mortem folder replayed from commits at an as-of time."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session
from store_builders import (
    add,
    at,
    blob,
    commit,
    edit,
    git_commit,
    issue,
    read,
    remove,
    rename,
)

from opsaudit.records import DocumentBatch
from opsaudit.sandbox.state import git_blob_sha
from opsaudit.store import (
    known_blob_shas,
    landing_times,
    load_blob,
    load_blobs,
    load_commits,
    load_work_items,
    postmortem_files_at,
    save_documents,
)

DIR = "docs/incidents/"
A, B = DIR + "a.md", DIR + "2026/b.md"
B2 = DIR + "2026/b-checkout.md"

# the history the post-mortem tests replay; c3 and c4 share a commit time, and c4's sha
# sorts before c3's, so only the history position orders them
C1 = git_commit(
    "c1",
    at(10),
    add(A, "a v1"),
    add(B, "b v1"),
    add("docs/incidents-archive/old.md", "old"),
    add("docs/drafts/d.md", "d"),
)
C2 = git_commit("c2", at(20), edit(A, "a v2 \u2019s fault \U0001f4dd"))
C3 = git_commit("c3", at(30), rename(B, B2, "b v1"), sha="f" * 40)
C4 = git_commit("c4", at(30), edit(B2, "b v2"), sha="0" * 40)
C5 = git_commit("c5", at(40), remove(A))
C6 = git_commit("c6", at(50), add(A, "a v3"), rename("docs/drafts/d.md", DIR + "d.md", "d"))
HISTORY = [C1, C2, C3, C4, C5, C6]


def _files(engine: Engine, minutes: float, folder: str = DIR) -> dict[str, tuple[str, str]]:
    """path -> (text, sha of the commit that left it) at ``at(minutes)``."""
    with Session(engine) as session:
        files = postmortem_files_at(session=session, as_of=at(minutes), folder=folder)
        texts = {f.blob_sha: load_blob(session=session, sha=f.blob_sha) for f in files}
    return {f.path: (texts[f.blob_sha].text, f.commit_sha) for f in files}  # type: ignore[union-attr]


def _landed(engine: Engine, minutes: float) -> dict[str, str]:
    times = read(engine, landing_times, as_of=at(minutes), folder=DIR)
    return {path: sha for path, (sha, _) in times.items()}


def _save_history(engine: Engine) -> None:
    texts = ["a v1", "b v1", "old", "d", "a v2 \u2019s fault \U0001f4dd", "b v2", "a v3"]
    # two syncs, as incremental syncing does; the second resends C3 (an overlap)
    first = DocumentBatch(commits=HISTORY[:3], blobs=[blob(t) for t in texts[:5]])
    second = DocumentBatch(commits=HISTORY[2:], blobs=[blob(t) for t in texts[4:]])
    commit(engine, save_documents, first)
    commit(engine, save_documents, second)


def test_commits_round_trip_in_history_order_with_their_changes(engine: Engine) -> None:
    _save_history(engine)
    assert read(engine, load_commits) == HISTORY


def test_folder_before_the_first_commit_is_empty(engine: Engine) -> None:
    _save_history(engine)
    assert _files(engine, 9.99) == {}
    assert read(engine, landing_times, as_of=at(9.99), folder=DIR) == {}


def test_a_commit_exactly_at_as_of_counts(engine: Engine) -> None:
    _save_history(engine)
    # neither the sibling archive folder nor the drafts folder is under docs/incidents/
    assert _files(engine, 10) == {A: ("a v1", C1.sha), B: ("b v1", C1.sha)}
    assert _files(engine, 10, folder="docs/incidents") == _files(engine, 10)
    assert _files(engine, 10 - 1e-6) == {}


def test_edits_show_the_newest_content_but_keep_the_landing(engine: Engine) -> None:
    _save_history(engine)
    assert _files(engine, 25)[A] == ("a v2 \u2019s fault \U0001f4dd", C2.sha)
    assert _landed(engine, 25) == {A: C1.sha, B: C1.sha}
    when = read(engine, landing_times, as_of=at(25), folder=DIR)[A][1]
    assert when == at(10) and when.tzinfo is at(0).tzinfo


def test_a_rename_moves_the_file_and_lands_it_at_its_new_path(engine: Engine) -> None:
    _save_history(engine)
    files = _files(engine, 30)
    assert B not in files
    assert files[B2] == ("b v2", C4.sha)  # C4 came after C3 in history, same second
    assert _landed(engine, 30)[B2] == C3.sha


def test_a_removed_file_is_gone_until_added_again(engine: Engine) -> None:
    _save_history(engine)
    assert A not in _files(engine, 45)
    assert A not in _landed(engine, 45)
    assert _files(engine, 50)[A] == ("a v3", C6.sha)
    # the oldest commit that added it at this path, as the rules define landing
    assert _landed(engine, 50)[A] == C1.sha


def test_a_file_renamed_into_the_folder_lands_then(engine: Engine) -> None:
    _save_history(engine)
    assert _files(engine, 60)[DIR + "d.md"] == ("d", C6.sha)
    assert _landed(engine, 60)[DIR + "d.md"] == C6.sha
    assert sorted(_files(engine, 60)) == sorted([A, B2, DIR + "d.md"])


def test_history_saved_twice_is_unchanged(engine: Engine) -> None:
    _save_history(engine)
    _save_history(engine)
    assert read(engine, load_commits) == HISTORY
    assert _files(engine, 60) == {
        A: ("a v3", C6.sha),
        B2: ("b v2", C4.sha),
        DIR + "d.md": ("d", C6.sha),
    }


def test_blobs_are_inserted_once_and_never_changed(engine: Engine) -> None:
    original = blob("# Post-mortem\n\u00e9t\u00e9 \U0001f680\n")
    commit(engine, save_documents, DocumentBatch(blobs=[original, blob("x")]))
    tampered = replace(original, text="something else")
    commit(engine, save_documents, DocumentBatch(blobs=[tampered]))

    assert read(engine, load_blob, sha=original.sha) == original
    assert read(engine, load_blob, sha=git_blob_sha("never fetched")) is None
    assert read(engine, known_blob_shas) == {original.sha, git_blob_sha("x")}
    missing = git_blob_sha("never fetched")
    assert read(engine, load_blobs, shas=[original.sha, missing, original.sha]) == {
        original.sha: original.text
    }


def test_a_resent_commit_replaces_its_changes(engine: Engine) -> None:
    first = git_commit("c1", at(0), add(A, "a"), add(B, "b"))
    commit(engine, save_documents, DocumentBatch(commits=[first]))
    fewer = replace(first, changes=(add(A, "a"),), message="amended \u2728")
    commit(engine, save_documents, DocumentBatch(commits=[fewer]))
    assert read(engine, load_commits) == [fewer]


def test_issue_states_upsert_by_repo_and_number(engine: Engine) -> None:
    issues = [
        issue(7, title="Add retries \u2014 \u00fcberall"),
        issue(7, repo="other-org/app", state="closed", closed_at=at(5) + timedelta(microseconds=7)),
        issue(
            8,
            state="closed",
            is_pull_request=True,
            merged_at=at(6),
            closed_at=at(6),
            html_url="https://github.com/example-org/ops-docs/pull/8",
        ),
    ]
    commit(engine, save_documents, DocumentBatch(issues=issues))
    commit(engine, save_documents, DocumentBatch(issues=issues))
    assert read(engine, load_work_items) == sorted(issues, key=lambda i: (i.repo, i.number))

    closed = replace(issues[0], state="closed", closed_at=at(9))
    commit(engine, save_documents, DocumentBatch(issues=[closed]))
    assert closed in read(engine, load_work_items)
    assert len(read(engine, load_work_items)) == 3


def test_a_batch_that_replaces_history_leaves_no_stale_commit(engine: Engine) -> None:
    # an older sync stored a merged branch's own commit (added at 10); the first-parent
    # history, read again whole, has the merge commit that landed the file (at 90)
    branch = git_commit("branch", at(10), add(A, "a v1"))
    merge = git_commit("merge", at(90), add(A, "a v1"))
    commit(engine, save_documents, DocumentBatch(commits=[branch], blobs=[blob("a v1")]))
    commit(engine, save_documents, DocumentBatch(commits=[merge], replaces_history=True))
    with Session(engine) as session:
        assert [c.sha for c in load_commits(session=session)] == [merge.sha]
        landed = landing_times(session=session, as_of=at(100), folder=DIR)
        assert landed == {A: (merge.sha, at(90))}
        assert postmortem_files_at(session=session, as_of=at(50), folder=DIR) == []
