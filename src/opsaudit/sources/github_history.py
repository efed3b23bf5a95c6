"""The post-mortem folder's history as the default branch has it: first parents only.

A file lands on the default branch when the commit that adds it becomes reachable from
the branch following first parents (rules.md, "When a post-mortem landed"): a merge
commit, a squash, a rebased commit, a direct push. ``GET .../commits?path=`` cannot say
which: it simplifies history as ``git log -- path`` does, so a pull request merged with
a merge commit shows as its branch's own commits (with their older dates) and the merge
is hidden. So the history is read in two listings, both from the head's sha:

1. ``GET .../commits?sha=HEAD&path=FOLDER[&since=]``: the commits that changed the
   folder, as simplified history lists them (side-branch commits included);
2. ``GET .../commits?sha=HEAD&since=``: every commit since then, newest first, in which
   the first-parent chain is walked from the head (``parents[0]``) until the head of the
   last sync; paging stops there.

Then ``GET .../commits/{sha}`` (its files; a merge's against its first parent) is read
for each first-parent commit that changed the folder: a plain commit in listing 1, and a
merge commit whose side branch holds a commit of listing 1 or reaches past listing 2 (a
branch older than the look-back: its merge is read rather than guessed). Merges of
branches that left the folder alone cost nothing. Each commit keeps its committer date
(never the author's): the time it reached the branch. The look-back of an incremental
sync is on that date, so a branch commit older than the look-back, merged inside it, is
found by its merge.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from github.Commit import Commit as GhCommit
from github.GithubObject import NotSet
from github.Repository import Repository

from opsaudit.sources.base import SourceError
from opsaudit.sources.github_client import Calls

# A plain commit or a merge lists at most this many files (GitHub's cap): a listing that
# long may be cut, and a post-mortem among the rest would be missed.
COMMIT_FILES_CAP = 3000

Guard = Callable[[Iterable[GhCommit], str], Iterator[GhCommit]]


@dataclass
class Landing:
    """The first-parent commits that changed the folder, oldest first, and the newest
    committer date of the first-parent chain read (the next look-back's mark)."""

    commits: list[GhCommit] = field(default_factory=list)
    newest: datetime | None = None


def first_parent_changes(
    *,
    repo: Repository,
    calls: Calls,
    guard: Guard,
    head: str,
    folder: str,
    since: datetime | None,
    stop: set[str],
) -> Landing:
    """The first-parent commits from ``head`` back to ``since`` (or to a sha in ``stop``)
    that changed ``folder``, oldest first; see the module's description."""
    what = f"list commits of {folder or '/'}"
    touching: set[str] = set()
    oldest: datetime | None = None
    with calls.call(what):
        found = repo.get_commits(sha=head, path=folder or NotSet, since=since or NotSet)
        for item in guard(found, what):
            touching.add(item.sha)
            date = _committed(item)
            oldest = date if oldest is None or date < oldest else oldest
    if since is None:
        if oldest is None:  # nothing ever changed the folder
            return Landing()
        since = oldest - timedelta(days=1)  # a merge is never older than its branch's work
    chain, listed = _chain(repo=repo, calls=calls, guard=guard, head=head, since=since, stop=stop)
    landing = Landing(newest=max((_committed(c) for c in chain), default=None))
    mainline = {c.sha for c in chain} | stop
    for item in reversed(chain):
        merge = len(item.parents) > 1
        if item.sha in touching or (merge and _merges(item, listed, touching, mainline)):
            landing.commits.append(item)
    return landing


def _chain(
    *,
    repo: Repository,
    calls: Calls,
    guard: Guard,
    head: str,
    since: datetime,
    stop: set[str],
) -> tuple[list[GhCommit], dict[str, GhCommit]]:
    """The first-parent chain from ``head`` (newest first) within the listing since
    ``since``, and every commit listed on the way."""
    listed: dict[str, GhCommit] = {}
    chain: list[GhCommit] = []
    want: str | None = head
    what = "list commits of the default branch"
    with calls.call(what):
        for item in guard(repo.get_commits(sha=head, since=since), what):
            listed[item.sha] = item
            while want is not None and want in listed and want not in stop:
                step = listed[want]
                chain.append(step)
                want = step.parents[0].sha if step.parents else None
            if want is None or want in stop:
                break
    return chain, listed


def _merges(
    merge: GhCommit, listed: dict[str, GhCommit], touching: set[str], mainline: set[str]
) -> bool:
    """Whether a merge may change the folder: its side branch (walked back to where it
    forked from the first-parent chain) holds a commit that did, or goes back past the
    listing (then it cannot be told without reading the merge)."""
    todo = [p.sha for p in merge.parents[1:]]
    seen: set[str] = set()
    while todo:
        sha = todo.pop()
        if sha in seen or sha in mainline:
            continue
        seen.add(sha)
        if sha in touching or sha not in listed:
            return True
        todo += [p.sha for p in listed[sha].parents]
    return False


def _committed(item: GhCommit) -> datetime:
    return item.commit.committer.date


def commit_files_complete(sha: str, count: int) -> None:
    """Fail rather than take a commit's files as complete when GitHub may have cut them."""
    if count >= COMMIT_FILES_CAP:
        raise SourceError(
            "github",
            f"get commit {sha}: {count:,} files listed, GitHub's cap; the post-mortem folder's "
            "changes in it cannot be told",
        )
