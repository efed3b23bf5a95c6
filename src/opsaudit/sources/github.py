"""The GitHub source: the post-mortem folder's history, its blobs, and linked issues.

Reads, through PyGithub (see :mod:`opsaudit.sources.github_client`): the commits of the
default branch's first-parent history that changed the folder (merge commits included,
:mod:`opsaudit.sources.github_history`), each one's file changes under the folder
(against its first parent), the folder's own tree at the head
(:mod:`opsaudit.sources.github_tree`), the blobs not seen before, and the state of the
issues and pull requests the post-mortems link to (:mod:`opsaudit.sources.github_issues`).
Landing times and versions are derived later from the commits; this module makes no
extra call for them.

The cursor (plain JSON) keeps the head seen, a commit watermark with the commits seen
near it, the issue-listing watermark, and which linked issues are known open or closed.
An unchanged repository costs three requests: the repository, its default branch, and
one page of its issues changed since the last sync, plus one listing per other
repository in which linked issues are still open (issues linked for the first time are
read one by one).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Set
from dataclasses import replace
from datetime import UTC, timedelta
from urllib.parse import urlsplit

from github import Github
from github.Commit import Commit as GhCommit
from github.File import File

from opsaudit.parsing.links import IssueRef
from opsaudit.parsing.paths import SYMLINK_MODE, is_postmortem_path
from opsaudit.parsing.postmortem_text import decode_blob, is_parsable
from opsaudit.records import Blob, Commit, DocumentBatch, FileChange
from opsaudit.sources.base import (
    DEFAULT_RETRY,
    Cursor,
    Endpoint,
    RequestCounter,
    RetryPolicy,
    SourceError,
    iso,
    utc,
)
from opsaudit.sources.github_client import Calls, counting_requests, make_client
from opsaudit.sources.github_history import commit_files_complete, first_parent_changes
from opsaudit.sources.github_issues import IssueSync, when
from opsaudit.sources.github_tree import folder_entries

# Commits are listed again from this long before the watermark: a commit made locally and
# pushed days later carries an older committer date than commits already seen.
COMMIT_OVERLAP = timedelta(days=7)
FILES_PER_PAGE = 300  # GitHub's maximum for a commit's files
FIRST_PARENT = "first-parent"  # the cursor's history: read as first parents


def fetch_github(
    *,
    endpoint: Endpoint,
    repo: str,
    path: str,
    cursor: Cursor | None,
    known_blobs: Set[str],
    issue_refs: Iterable[IssueRef] = (),
    counter: RequestCounter | None = None,
    retry: RetryPolicy = DEFAULT_RETRY,
    page_size: int = 100,
    max_bytes: int | None = None,
) -> tuple[DocumentBatch, Cursor]:
    """What changed in ``repo`` under ``path`` since ``cursor``, and the new cursor.

    ``known_blobs`` are blob shas already stored (never fetched again). Issue states are
    read for ``issue_refs``, for the links in the blobs fetched now, and for links known
    open from earlier syncs; a closed issue is not read again; blobs larger than
    ``max_bytes`` (default: the policy's default) or not UTF-8 are stored, not read
    for links. A blob's bytes are decoded with ``surrogateescape``: bytes that are not
    UTF-8 stay in the text as lone surrogates (see
    :mod:`opsaudit.parsing.postmortem_text`). HTTP requests, retries
    included, are added to ``counter`` (counted from urllib3's per-request DEBUG records,
    see :func:`~opsaudit.sources.github_client.counting_requests`, never logged). Raises
    :class:`SourceError` naming the failed call and its HTTP status, never the token.
    """
    folder = path.strip("/")
    state = _load(cursor, repo=repo, folder=folder)
    endpoint = endpoint.for_source("github")
    calls = Calls(token=endpoint.token, deadline=endpoint.deadline)
    gh = make_client(endpoint=endpoint, retry=retry, page_size=page_size)
    try:
        with counting_requests(endpoint, counter):
            sync = _Sync(
                gh=gh, calls=calls, repo=repo, folder=folder, state=state, page_size=page_size
            )
            batch = sync.run(known_blobs=known_blobs)
            readable = [b for b in batch.blobs if is_parsable(b.text, max_bytes=max_bytes)]
            batch.issues = sync.issues(issue_refs, readable, web=_web_url(endpoint))
    except SourceError:
        raise
    except Exception:
        if endpoint.deadline.expired():  # whatever broke once the time was up
            raise endpoint.deadline.error() from None
        raise
    finally:
        gh.close()
    return batch, state


class _Sync(IssueSync):
    def __init__(
        self, *, gh: Github, calls: Calls, repo: str, folder: str, state: Cursor, page_size: int
    ) -> None:
        super().__init__(
            gh=gh, calls=calls, repo=gh.get_repo(repo), name=repo, state=state, page_size=page_size
        )
        self.folder = folder

    def run(self, *, known_blobs: Set[str]) -> DocumentBatch:
        with self.calls.call(f"get repository {self.name}"):
            branch_name = self.repo.default_branch
        with self.calls.call(f"get branch {branch_name}"):
            head: str = self.repo.get_branch(branch_name).commit.sha
        batch = DocumentBatch(head_sha=head, replaces_history=self.state["head"] is None)
        if head == self.state["head"]:
            return batch
        tree_shas, links = self._tree_blobs(head)
        # a symbolic link is no post-mortem: its changes are left out (git mode 120000
        # shows in trees only; a link at the head is known as one throughout its history)
        kept = (_without(k, links) for k in self._new_commits(head))
        batch.commits = [k for k in kept if k.changes]
        shas = [c.blob_sha for k in batch.commits for c in k.changes if c.blob_sha]
        shas += tree_shas
        wanted = [s for s in dict.fromkeys(shas) if s not in known_blobs]
        batch.blobs = [self._blob(sha) for sha in wanted]
        self.state["head"] = head
        return batch

    def _new_commits(self, head: str) -> list[Commit]:
        """The first-parent commits since the last sync that changed the folder, oldest
        first, each with its changes against its first parent (see
        :mod:`opsaudit.sources.github_history`)."""
        mark = utc(self.state["watermark"])
        edge: dict[str, str] = self.state["edge"]
        stop = set(edge) | ({self.state["head"]} if self.state["head"] else set())
        landing = first_parent_changes(
            repo=self.repo,
            calls=self.calls,
            guard=lambda items, what: self._guarded(items, what, key=lambda c: c.sha),
            head=head,
            folder=self.folder,
            since=mark - COMMIT_OVERLAP if mark is not None else None,
            stop=stop,
        )
        commits = [self._commit(item) for item in landing.commits]  # oldest first
        dates = {c.sha: c.committed_at for c in commits}
        dates.update((sha, when(text)) for sha, text in edge.items())
        newest = max([*dates.values(), *([landing.newest] if landing.newest else [])], default=None)
        if newest is not None:
            self.state["watermark"] = iso(max(newest, mark) if mark else newest)
            cut = newest - COMMIT_OVERLAP
            self.state["edge"] = {s: iso(d) for s, d in dates.items() if d >= cut}
        # a listing by path may match a sibling folder (docs/incidents-archive)
        return [c for c in commits if c.changes]

    def _commit(self, item: GhCommit) -> Commit:
        git = item.commit
        with self.calls.call(f"get commit {item.sha}"):
            files = list(self.repo.get_commit(item.sha, commit_files_per_page=FILES_PER_PAGE).files)
        commit_files_complete(item.sha, len(files))
        changes = (_change(f, self.folder) for f in files)
        return Commit(
            sha=item.sha,
            committed_at=git.committer.date.astimezone(UTC),
            author=git.author.name or "",
            message=git.message or "",
            changes=tuple(c for c in changes if c is not None),
        )

    def _tree_blobs(self, head: str) -> tuple[list[str], frozenset[str]]:
        """The blobs of the post-mortem files at ``head``, and the paths of the symbolic
        links among the folder's entries (which are not post-mortems). Only the folder's
        own tree is read (see :mod:`opsaudit.sources.github_tree`)."""
        entries = folder_entries(repo=self.repo, calls=self.calls, commit=head, folder=self.folder)
        inside = [
            (path, e)
            for path, e in entries
            if e.type == "blob" and is_postmortem_path(path, self.folder)
        ]
        links = frozenset(path for path, e in inside if e.mode == SYMLINK_MODE)
        return [e.sha for path, e in inside if path not in links], links

    def _blob(self, sha: str) -> Blob:
        with self.calls.call(f"get blob {sha}"):
            found = self.repo.get_git_blob(sha)
            content, encoding = found.content or "", found.encoding
        if encoding == "base64":
            return Blob(sha=sha, text=decode_blob(base64.b64decode(content)))
        return Blob(sha=sha, text=content)


def _change(file: File, folder: str) -> FileChange | None:
    """A commit's file change as seen from the folder; None when it is outside (a path
    that leaves the folder, ``docs/incidents/../x.md``, is outside)."""
    inside = is_postmortem_path(file.filename, folder)
    old = file.previous_filename
    was_inside = old is not None and is_postmortem_path(old, folder)
    if file.status == "renamed" and old is not None:
        if inside and was_inside:
            return FileChange(file.filename, "renamed", file.sha, previous_path=old)
        if inside:  # moved in from outside: new here
            return FileChange(file.filename, "added", file.sha)
        return FileChange(old, "removed", None) if was_inside else None
    if not inside:
        return None
    if file.status == "removed":
        return FileChange(file.filename, "removed", None)
    status = "added" if file.status in ("added", "copied") else "modified"
    return FileChange(file.filename, status, file.sha)


def _without(commit: Commit, links: frozenset[str]) -> Commit:
    """The commit without its changes to the symbolic links ``links``."""
    if not links:
        return commit
    kept = tuple(c for c in commit.changes if c.path not in links)
    return commit if len(kept) == len(commit.changes) else replace(commit, changes=kept)


def _load(cursor: Cursor | None, *, repo: str, folder: str) -> Cursor:
    """The cursor to update; a fresh one when absent or made for another repo or folder."""
    fresh: Cursor = {
        "history": FIRST_PARENT,
        "repo": repo,
        "path": folder,
        "head": None,
        "watermark": None,
        "edge": {},
        "issues_since": None,
        "issues_edge": {},
        "own_issues": False,
        "open": {},
        "closed": [],
        "marks": {},  # another repository -> newest issue change seen there
    }
    if not cursor or cursor.get("repo") != repo or cursor.get("path") != folder:
        return fresh
    if cursor.get("history") != FIRST_PARENT:  # made by a sync that read simplified history
        return fresh
    merged = {**fresh, **cursor}
    # copy the mutable parts: the caller's cursor stays as it was
    for key in ("edge", "issues_edge", "open"):
        merged[key] = dict(merged[key])
    merged["closed"] = list(merged["closed"])
    merged["marks"] = dict(merged["marks"])
    return merged


def _web_url(endpoint: Endpoint) -> str:
    """Where issue URLs start: github.com for api.github.com, the host for Enterprise."""
    parts = urlsplit(endpoint.api_url)
    if parts.path.rstrip("/").endswith("/api/v3"):
        return f"{parts.scheme}://{parts.netloc}"
    return "https://github.com"
