"""A repository's git objects derived from ``RepoWorld.commits`` the way git would.

Blob shas are git's (``git_blob_sha``) and so are tree shas (sha1 over git's tree
encoding), so a tree sha names the same content however it was reached; a commit older
than the head names its tree by a stand-in that resolves to it (``RepoGit.tree_name``).
Each commit records its changed files (added / modified / removed / renamed) against its parent.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, field

from opsaudit.sandbox.state import JSON, GitCommit, RepoWorld, blob_bytes, git_blob_sha

BLOB_MODE = "100644"
SYMLINK_MODE = "120000"  # a symbolic link: its blob holds the target path
TREE_MODE = "040000"  # shown as GitHub shows it; hashed as git writes it ("40000")


@dataclass(frozen=True)
class TreeEntry:
    """One entry of a git tree object."""

    name: str
    mode: str
    type: str  # "blob" or "tree"
    sha: str
    size: int | None  # blobs only


@dataclass
class FileChange:
    """How a commit changed one file, against its parent."""

    filename: str
    status: str  # added, modified, removed, renamed
    sha: str  # the blob's sha after the change (before it, for a removal)
    old_text: str | bytes | None  # bytes: a file that is not UTF-8 text
    new_text: str | bytes | None
    previous_filename: str | None = None

    def diff(self) -> JSON:
        """additions / deletions / changes / patch, as GitHub lists a commit's files."""
        old = _patch_text(self.old_text).splitlines()
        new = _patch_text(self.new_text).splitlines()
        lines = list(difflib.unified_diff(old, new, lineterm="", n=3))[2:]
        additions = sum(1 for line in lines if line.startswith("+"))
        deletions = sum(1 for line in lines if line.startswith("-"))
        return {
            "additions": additions,
            "deletions": deletions,
            "changes": additions + deletions,
            "patch": "\n".join(lines),
        }


@dataclass
class CommitState:
    """A commit with what git derives from it: changes, root tree."""

    commit: GitCommit
    parent: str | None
    changes: list[FileChange]
    touched: frozenset[str]  # every path the commit changed, old names of renames too
    tree_sha: str | None = field(default=None)


# A full snapshot (path -> blob sha) is kept every this many commits; others are replayed
# from the one before. One per commit would cost memory quadratic in the history's length.
CHECKPOINT_EVERY = 256


class RepoGit:
    """The derived object store of one repository (linear history, one branch)."""

    def __init__(self, repo: RepoWorld) -> None:
        self.repo = repo
        self.commits: list[CommitState] = []
        self.position: dict[str, int] = {}
        self.blobs: dict[str, bytes] = {}
        self.trees: dict[str, list[TreeEntry]] = {}
        self.checkpoints: dict[int, dict[str, str]] = {}
        self.stand_ins: dict[str, int] = {}  # see tree_name
        files: dict[str, str | bytes] = {}
        shas: dict[str, str] = {}
        for n, commit in enumerate(repo.commits):
            changes = self._apply(commit, files, shas)
            touched = {c.filename for c in changes} | {
                c.previous_filename for c in changes if c.previous_filename
            }
            parent = repo.commits[n - 1].sha if n else None
            self.commits.append(CommitState(commit, parent, changes, frozenset(touched)))
            self.position[commit.sha] = n
            if n % CHECKPOINT_EVERY == 0 or n == len(repo.commits) - 1:
                self.checkpoints[n] = dict(shas)

    def _apply(
        self, commit: GitCommit, files: dict[str, str | bytes], shas: dict[str, str]
    ) -> list[FileChange]:
        changes: list[FileChange] = []
        for new, old in commit.renames.items():
            if old not in files:
                continue
            old_text = files.pop(old)
            shas.pop(old)
            renamed = commit.changes.get(new) or old_text
            files[new], shas[new] = renamed, self._store(renamed)
            changes.append(FileChange(new, "renamed", shas[new], old_text, renamed, old))
        for path, text in commit.changes.items():
            if path in commit.renames:
                continue
            if text is None:
                if path in files:
                    changes.append(
                        FileChange(path, "removed", shas.pop(path), files.pop(path), None)
                    )
            elif files.get(path) != text:
                status = "modified" if path in files else "added"
                sha = self._store(text)
                changes.append(FileChange(path, status, sha, files.get(path), text))
                files[path], shas[path] = text, sha
        return sorted(changes, key=lambda c: c.filename)

    def _store(self, content: str | bytes) -> str:
        sha = git_blob_sha(content)
        self.blobs[sha] = blob_bytes(content)
        return sha

    def resolve(self, ref: str) -> int | None:
        """The commit a branch name, ``HEAD`` or a (full or abbreviated) sha names."""
        if not self.commits:
            return None
        ref = ref.removeprefix("refs/heads/")
        if ref in (self.repo.default_branch, "HEAD"):
            return len(self.commits) - 1
        if ref in self.position:
            return self.position[ref]
        if len(ref) >= 7:
            found = [n for sha, n in self.position.items() if sha.startswith(ref)]
            if len(found) == 1:
                return found[0]
        return None

    def snapshot(self, n: int) -> dict[str, str]:
        """Path -> blob sha after commit ``n``: the checkpoint before it, replayed."""
        if n in self.checkpoints:
            return self.checkpoints[n]
        base = n - n % CHECKPOINT_EVERY
        shas = dict(self.checkpoints[base])
        for state in self.commits[base + 1 : n + 1]:
            for change in state.changes:
                if change.previous_filename:
                    shas.pop(change.previous_filename, None)
                if change.status == "removed":
                    shas.pop(change.filename, None)
                else:
                    shas[change.filename] = change.sha
        return shas

    def tree_sha(self, n: int) -> str:
        """The root tree of commit ``n`` (built, with its subtrees, on first use)."""
        state = self.commits[n]
        if state.tree_sha is None:
            state.tree_sha = self._build_tree(self.snapshot(n))
        return state.tree_sha

    def tree_name(self, n: int) -> str:
        """The sha commit ``n``'s JSON gives its tree.

        Git's own for the head. An older commit gets a stand-in name that
        :meth:`find_tree` resolves to its real tree: hashing every commit's whole tree
        up front would cost time and memory quadratic in the length of the history.
        """
        if n == len(self.commits) - 1:
            return self.tree_sha(n)
        name = hashlib.sha1(
            b"tree of " + self.commits[n].commit.sha.encode(), usedforsecurity=False
        ).hexdigest()
        self.stand_ins[name] = n
        return name

    def _build_tree(self, snapshot: dict[str, str]) -> str:
        nested: dict[str, object] = {}
        for path, sha in snapshot.items():
            node = nested
            *folders, name = path.split("/")
            for folder in folders:
                child = node.setdefault(folder, {})
                assert isinstance(child, dict)
                node = child
            node[name] = (sha, SYMLINK_MODE if path in self.repo.symlinks else BLOB_MODE)
        return self._hash_tree(nested)

    def _hash_tree(self, node: dict[str, object]) -> str:
        entries = []
        for name, value in node.items():
            if isinstance(value, dict):
                entries.append(TreeEntry(name, TREE_MODE, "tree", self._hash_tree(value), None))
            else:
                assert isinstance(value, tuple)
                sha, mode = str(value[0]), str(value[1])
                entries.append(TreeEntry(name, mode, "blob", sha, len(self.blobs[sha])))
        # git orders a folder as if its name ended with "/"
        entries.sort(key=lambda e: e.name + ("/" if e.type == "tree" else ""))
        raw = b"".join(
            f"{e.mode.lstrip('0')} {e.name}".encode() + b"\0" + bytes.fromhex(e.sha)
            for e in entries
        )
        sha = hashlib.sha1(b"tree %d\0" % len(raw) + raw, usedforsecurity=False).hexdigest()
        self.trees[sha] = entries
        return sha

    def walk(
        self, tree_sha: str, *, recursive: bool, prefix: str = ""
    ) -> list[tuple[str, TreeEntry]]:
        """(path, entry) pairs of a tree, depth first in git's order when recursive."""
        out: list[tuple[str, TreeEntry]] = []
        for entry in self.trees[tree_sha]:
            path = f"{prefix}{entry.name}"
            out.append((path, entry))
            if recursive and entry.type == "tree":
                out.extend(self.walk(entry.sha, recursive=True, prefix=path + "/"))
        return out

    def find_tree(self, ref: str) -> str | None:
        """A tree sha from a tree sha, a commit sha or a branch name (GitHub takes all)."""
        if ref in self.trees:
            return ref
        if ref in self.stand_ins:
            return self.tree_sha(self.stand_ins[ref])
        n = self.resolve(ref)
        if n is None:
            return None
        return self.tree_sha(n)


def _patch_text(content: str | bytes | None) -> str:
    """A file's content as a patch shows it (bytes that are not UTF-8 replaced)."""
    if isinstance(content, bytes):
        return content.decode("utf-8", "replace")
    return (content or "").encode("utf-8", "replace").decode("utf-8")


class GitCache:
    """One :class:`RepoGit` per repository, rebuilt when its commit list changes."""

    def __init__(self) -> None:
        self._repos: dict[str, tuple[int, int, RepoGit]] = {}

    def get(self, repo: RepoWorld) -> RepoGit:
        """The derived store of the repository's current history."""
        known = self._repos.get(repo.full_name)
        if known and known[0] == id(repo.commits) and known[1] == len(repo.commits):
            return known[2]
        git = RepoGit(repo)
        self._repos[repo.full_name] = (id(repo.commits), len(repo.commits), git)
        return git
