"""The commits listing as GitHub answers it: ``GET /repos/{o}/{r}/commits?sha=&path=``.

Without ``path`` it lists every commit reachable from ``sha`` (merged side branches
included, not only first parents), newest committer date first, as ``git log`` does.
With ``path`` it applies git's default history simplification (``git log -- path``): a
commit is shown when it changed something under the path; at a merge, the walk follows
only the first parent whose tree is the same under the path, and hides the merge. So a
file that came in through a merged pull request shows as the side branch's commit (with
its own, older dates) and the merge commit that landed it is not listed: a listing by
path cannot tell when a file reached the default branch.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from opsaudit.sandbox.github_git import CommitState, RepoGit


def listing(
    git: RepoGit,
    head: CommitState,
    *,
    path: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[CommitState]:
    """The commits ``GET .../commits`` lists from ``head``, newest first."""
    found = [s for s in _walk(git, head, path) if _within(s.commit.committed_at, since, until)]
    # newest committer date first; equal dates keep the walk's order (children first)
    return sorted(found, key=lambda s: s.commit.committed_at, reverse=True)


def _within(moment: datetime, since: datetime | None, until: datetime | None) -> bool:
    return not ((since and moment < since) or (until and moment > until))


def _walk(git: RepoGit, head: CommitState, path: str) -> Iterator[CommitState]:
    seen: set[str] = set()
    todo = [head]
    while todo:
        state = todo.pop()
        if state.commit.sha in seen:
            continue
        seen.add(state.commit.sha)
        shown, follow = _step(state, path)
        if shown:
            yield state
        todo.extend(git.by_sha[p] for p in reversed(follow))


def _step(state: CommitState, path: str) -> tuple[bool, tuple[str, ...]]:
    """Whether the walk shows a commit, and which parents it follows from it."""
    if not path:
        return True, state.parents
    if not state.parents:  # the root: shown when it put anything under the path
        return _under(state.touched[0], path), ()
    same = [p for p, t in zip(state.parents, state.touched, strict=True) if not _under(t, path)]
    if same:  # TREESAME to a parent: hidden, and only that parent is followed
        return False, (same[0],)
    return True, state.parents


def _under(paths: frozenset[str], path: str) -> bool:
    prefix = path + "/"
    return any(p == path or p.startswith(prefix) for p in paths)
