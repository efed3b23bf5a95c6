"""Document and tracker records in the store: commits with their file changes, blobs, issue states,
and the post-mortem folder as the default branch held it at a moment."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from opsaudit.parsing.paths import is_postmortem_path
from opsaudit.records import Blob, Commit, DocumentBatch, FileChange, PostMortemVersion, WorkItem
from opsaudit.store._sql import in_chunks, insert_missing, upsert
from opsaudit.store.schema import BlobRow, CommitRow, FileChangeRow, WorkItemRow

_FRESH = {"populate_existing": True}  # rows may have changed under the identity map
_ADDS = frozenset({"added", "renamed", "copied"})  # statuses that put a file at its path


def save_documents(*, session: Session, batch: DocumentBatch) -> None:
    """Save blobs (insert-if-absent: a blob never changes), commits with their file
    changes, and issue states (upsert by repo and number). The caller commits.

    ``batch.commits`` must be in history order, oldest first. A commit seen for the
    first time is placed after every stored commit; one already stored keeps its place.
    A batch that ``replaces_history`` first removes every stored commit: what was stored
    before may hold commits that never were on the default branch's first-parent
    history (a merged branch's own commits, as an older sync read them).
    """
    blobs = ({"sha": b.sha, "text": b.text} for b in batch.blobs)
    insert_missing(session, BlobRow, blobs, keys=["sha"])
    if batch.replaces_history:
        session.execute(delete(FileChangeRow))
        session.execute(delete(CommitRow))
    _save_commits(session, batch.commits)
    issues = (
        {
            "repo": i.repo,
            "number": i.number,
            "state": i.state,
            "html_url": i.html_url,
            "title": i.title,
            "closed_at": i.closed_at,
            "is_pull_request": i.is_pull_request,
            "merged_at": i.merged_at,
        }
        for i in batch.issues
    )
    upsert(session, WorkItemRow, issues, keys=["repo", "number"])


def _save_commits(session: Session, commits: list[Commit]) -> None:
    unique = list({c.sha: c for c in commits}.values())
    shas = [c.sha for c in unique]
    if not shas:
        return
    known: dict[str, int] = {}
    for chunk in in_chunks(shas):
        query = select(CommitRow.sha, CommitRow.position).where(CommitRow.sha.in_(chunk))
        known.update({sha: position for sha, position in session.execute(query)})
    last = session.scalar(select(func.max(CommitRow.position))) or 0
    rows = []
    for commit in unique:
        if commit.sha not in known:
            last += 1
            known[commit.sha] = last
        rows.append(
            {
                "sha": commit.sha,
                "committed_at": commit.committed_at,
                "position": known[commit.sha],
                "author": commit.author,
                "message": commit.message,
            }
        )
    upsert(session, CommitRow, rows, keys=["sha"], keep=["position"])
    # a commit's changes are replaced whole, so a re-sent commit cannot leave strays
    for chunk in in_chunks(shas):
        session.execute(delete(FileChangeRow).where(FileChangeRow.commit_sha.in_(chunk)))
    changes = [
        {
            "commit_sha": commit.sha,
            "position": n,
            "path": change.path,
            "status": change.status,
            "blob_sha": change.blob_sha,
            "previous_path": change.previous_path,
        }
        for commit in unique
        for n, change in enumerate(commit.changes)
    ]
    upsert(session, FileChangeRow, changes, keys=["commit_sha", "position"])


def load_commits(*, session: Session) -> list[Commit]:
    """Every stored commit with its changes, by commit time, then history order."""
    commits = list(
        session.scalars(
            select(CommitRow)
            .order_by(CommitRow.committed_at, CommitRow.position)
            .execution_options(**_FRESH)
        )
    )
    changes: dict[str, list[FileChange]] = {c.sha: [] for c in commits}
    query = select(FileChangeRow).order_by(FileChangeRow.commit_sha, FileChangeRow.position)
    for row in session.scalars(query.execution_options(**_FRESH)):
        changes[row.commit_sha].append(_change(row))
    return [
        Commit(
            sha=c.sha,
            committed_at=c.committed_at,
            author=c.author,
            message=c.message,
            changes=tuple(changes[c.sha]),
        )
        for c in commits
    ]


def load_blob(*, session: Session, sha: str) -> Blob | None:
    """The blob with this sha, or None when it was never fetched."""
    text = session.scalar(select(BlobRow.text).where(BlobRow.sha == sha))
    return None if text is None else Blob(sha=sha, text=text)


def load_blobs(*, session: Session, shas: Iterable[str]) -> dict[str, str]:
    """The texts of the stored blobs among ``shas``, by sha (in one query per chunk)."""
    found: dict[str, str] = {}
    for chunk in in_chunks(set(shas)):
        rows = session.execute(select(BlobRow.sha, BlobRow.text).where(BlobRow.sha.in_(chunk)))
        found.update((sha, text) for sha, text in rows)
    return found


def known_blob_shas(*, session: Session) -> set[str]:
    """The shas of every stored blob (a source skips fetching these)."""
    return set(session.scalars(select(BlobRow.sha)))


def load_work_items(*, session: Session) -> list[WorkItem]:
    """Every stored issue or pull request state, by repository, then number."""
    query = select(WorkItemRow).order_by(WorkItemRow.repo, WorkItemRow.number)
    return [
        WorkItem(
            repo=r.repo,
            number=r.number,
            state=r.state,
            html_url=r.html_url,
            title=r.title,
            closed_at=r.closed_at,
            is_pull_request=r.is_pull_request,
            merged_at=r.merged_at,
        )
        for r in session.scalars(query.execution_options(**_FRESH))
    ]


def postmortem_files_at(
    *, session: Session, as_of: datetime, folder: str
) -> list[PostMortemVersion]:
    """The files under ``folder`` (at any depth) as the default branch held them at its
    last commit at or before ``as_of``, each with the commit that last set its content;
    by path."""
    tree = _replay(session, as_of=as_of, folder=folder)
    return [tree.files[path] for path in sorted(tree.files)]


def landing_times(
    *, session: Session, as_of: datetime, folder: str
) -> dict[str, tuple[str, datetime]]:
    """For each file under ``folder`` at ``as_of``: the sha and committer date of the
    oldest commit at or before ``as_of`` that added it at its current path (a rename
    counts as adding it there). Where the stored history lacks that commit (it began
    later), the oldest stored commit that touched the path stands in."""
    tree = _replay(session, as_of=as_of, folder=folder)
    return {path: tree.added.get(path) or tree.touched[path] for path in sorted(tree.files)}


@dataclass
class _Tree:
    files: dict[str, PostMortemVersion] = field(default_factory=dict)
    added: dict[str, tuple[str, datetime]] = field(default_factory=dict)
    touched: dict[str, tuple[str, datetime]] = field(default_factory=dict)


def _replay(session: Session, *, as_of: datetime, folder: str) -> _Tree:
    # "docs/incidents" and "docs/incidents/" both mean the folder, never a sibling
    # such as "docs/incidents-archive/"
    tree = _Tree()
    for change, sha, committed_at in _history(session, as_of):
        inside = is_postmortem_path(change.path, folder)  # plain, under the folder
        if change.status == "removed":
            tree.files.pop(change.path, None)
            continue
        if change.status == "renamed" and change.previous_path is not None:
            tree.files.pop(change.previous_path, None)
        if not inside or change.blob_sha is None:
            continue
        tree.files[change.path] = PostMortemVersion(
            path=change.path, blob_sha=change.blob_sha, commit_sha=sha, committed_at=committed_at
        )
        tree.touched.setdefault(change.path, (sha, committed_at))
        if change.status in _ADDS:
            tree.added.setdefault(change.path, (sha, committed_at))
    return tree


def _history(session: Session, as_of: datetime) -> Iterable[tuple[FileChange, str, datetime]]:
    query = (
        select(FileChangeRow, CommitRow.sha, CommitRow.committed_at)
        .join(CommitRow, CommitRow.sha == FileChangeRow.commit_sha)
        .where(CommitRow.committed_at <= as_of)
        .order_by(CommitRow.committed_at, CommitRow.position, FileChangeRow.position)
        .execution_options(**_FRESH)
    )
    for row, sha, committed_at in session.execute(query):
        yield _change(row), sha, committed_at


def _change(row: FileChangeRow) -> FileChange:
    return FileChange(
        path=row.path,
        status=row.status,
        blob_sha=row.blob_sha,
        previous_path=row.previous_path,
    )
