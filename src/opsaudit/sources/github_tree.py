"""The post-mortem folder's own tree at a commit, never the whole repository's.

A monorepo's recursive tree is cut by GitHub above 100,000 entries or 7 MB
(``truncated: true``), and a cut listing is never taken as complete. The folder's tree
sha is found by walking its path one level at a time (``GET .../git/trees/{sha}``, not
recursive: the root, then each folder on the way), then the folder's subtree is read
recursively (one request). If even that is cut, each of its folders is listed on its
own, not recursively; a single folder whose own listing is cut fails the source.
"""

from __future__ import annotations

from collections import deque

from github.GitTreeElement import GitTreeElement
from github.Repository import Repository

from opsaudit.sources.base import SourceError
from opsaudit.sources.github_client import MAX_ITEMS, Calls


def folder_entries(
    *, repo: Repository, calls: Calls, commit: str, folder: str
) -> list[tuple[str, GitTreeElement]]:
    """(path from the repository's root, entry) of everything under ``folder`` at
    ``commit``; empty when the folder is not there."""
    sha = commit
    for part in [p for p in folder.split("/") if p]:
        entries = _listing(repo, calls, sha, recursive=False)
        found = next((e for e in entries if e.path == part and e.type == "tree"), None)
        if found is None:
            return []
        sha = found.sha
    prefix = f"{folder.strip('/')}/" if folder.strip("/") else ""
    with calls.call(f"get tree {sha}"):
        tree = repo.get_git_tree(sha, recursive=True)
        if not tree.truncated:
            return [(prefix + e.path, e) for e in tree.tree]
    return _level_by_level(repo, calls, sha, prefix)


def _level_by_level(
    repo: Repository, calls: Calls, sha: str, prefix: str
) -> list[tuple[str, GitTreeElement]]:
    out: list[tuple[str, GitTreeElement]] = []
    todo = deque([(sha, prefix)])
    while todo:
        tree_sha, at = todo.popleft()
        for entry in _listing(repo, calls, tree_sha, recursive=False):
            if entry.type == "tree":
                todo.append((entry.sha, f"{at}{entry.path}/"))
            else:
                out.append((at + entry.path, entry))
            if len(out) + len(todo) > MAX_ITEMS:
                raise SourceError("github", f"get tree {sha}: more than {MAX_ITEMS:,} entries")
    return out


def _listing(repo: Repository, calls: Calls, sha: str, *, recursive: bool) -> list[GitTreeElement]:
    with calls.call(f"get tree {sha}"):
        tree = repo.get_git_tree(sha, recursive=recursive)
        if tree.truncated:
            raise SourceError(
                "github", f"get tree {sha}: truncated by GitHub (one folder too large to list)"
            )
        return list(tree.tree)
