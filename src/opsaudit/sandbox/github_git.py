"""A repository's git objects derived from ``RepoWorld.commits`` the way git would.

Blob shas are git's (``git_blob_sha``) and so are tree shas (sha1 over git's tree
encoding), so a tree sha names the same content however it was reached; a commit older
than the head names its tree by a stand-in that resolves to it (``RepoGit.tree_name``).
Each commit records its changed files (added / modified / removed / renamed) against its
first parent. ``RepoWorld.commits`` is the first-parent history; a merge commit there
carries its side branch, whose commits are derived too (with their own snapshots).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from opsaudit.sandbox.github_objects import FileChange, TreeEntry
from opsaudit.sandbox.state import GitCommit, RepoWorld, blob_bytes, git_blob_sha

BLOB_MODE = "100644"
SYMLINK_MODE = "120000"  # a symbolic link: its blob holds the target path
TREE_MODE = "040000"  # shown as GitHub shows it; hashed as git writes it ("40000")


@dataclass
class CommitState:
    """A commit with what git derives from it: parents, changes, root tree."""

    commit: GitCommit
    parents: tuple[str, ...]  # the first parent first; two for a merge
    changes: list[FileChange]  # against the first parent (GitHub lists a merge's so)
    touched: tuple[frozenset[str], ...]  # per parent: every path whose content differs
    index: int | None = None  # its place in the first-parent history; None on a side branch
    shas: dict[str, str] | None = None  # a side commit's snapshot (path -> blob sha)
    tree_sha: str | None = field(default=None)


# A full snapshot (path -> blob sha) is kept every this many commits; others are replayed
# from the one before. One per commit would cost memory quadratic in the history's length.
CHECKPOINT_EVERY = 256

_Files = dict[str, str | bytes]


class RepoGit:
    """The derived object store of one repository: its first-parent history (one branch),
    and the side branches its merge commits bring in."""

    def __init__(self, repo: RepoWorld) -> None:
        self.repo = repo
        self.commits: list[CommitState] = []  # first-parent history, oldest first
        self.by_sha: dict[str, CommitState] = {}
        self.position: dict[str, int] = {}
        self.blobs: dict[str, bytes] = {}
        self.trees: dict[str, list[TreeEntry]] = {}
        self.checkpoints: dict[int, dict[str, str]] = {}
        self.stand_ins: dict[str, CommitState] = {}  # see tree_name
        files: _Files = {}
        shas: dict[str, str] = {}
        bases = {_base(repo, n) for n, c in enumerate(repo.commits) if c.branch}
        saved: dict[str | None, tuple[_Files, dict[str, str]]] = {None: ({}, {})}
        for n, commit in enumerate(repo.commits):
            parent = repo.commits[n - 1].sha if n else None
            if commit.branch:
                state = self._merge(commit, n, files, shas, saved[_base(repo, n)])
            else:
                changes = self._apply(commit, files, shas)
                state = CommitState(commit, _parents(parent), changes, (_paths(changes),))
            state.index = n
            self.commits.append(state)
            self.by_sha[commit.sha] = state
            self.position[commit.sha] = n
            if commit.sha in bases:
                saved[commit.sha] = (dict(files), dict(shas))
            if n % CHECKPOINT_EVERY == 0 or n == len(repo.commits) - 1:
                self.checkpoints[n] = dict(shas)

    def _merge(
        self,
        commit: GitCommit,
        n: int,
        files: _Files,
        shas: dict[str, str],
        base: tuple[_Files, dict[str, str]],
    ) -> CommitState:
        """A merge commit: its side branch built from ``base``, then the branch's net
        changes and the merge's own applied to ``files`` / ``shas`` (the first parent)."""
        side_files, side_shas = dict(base[0]), dict(base[1])
        tip = commit.branch_base or self.repo.commits[n - 1].sha
        for side in commit.branch:
            changes = self._apply(side, side_files, side_shas)
            state = CommitState(side, (tip,), changes, (_paths(changes),), shas=dict(side_shas))
            self.by_sha[side.sha] = state
            tip = side.sha
        net = {p for p in set(side_shas) | set(base[1]) if side_shas.get(p) != base[1].get(p)}
        own = set(commit.changes) | set(commit.renames) | set(commit.renames.values())
        before = {p: (files.get(p), shas.get(p)) for p in net | own}
        for path in net:
            if path in side_files:
                files[path], shas[path] = side_files[path], side_shas[path]
            else:
                files.pop(path, None)
                shas.pop(path, None)
        self._apply(commit, files, shas)
        changes = []
        for path in sorted(before):
            old_text, old_sha = before[path]
            if old_sha == shas.get(path):
                continue
            if path not in shas:
                changes.append(FileChange(path, "removed", old_sha or "", old_text, None))
            else:
                status = "added" if old_sha is None else "modified"
                changes.append(FileChange(path, status, shas[path], old_text, files[path]))
        first = self.position[self.repo.commits[n - 1].sha]
        start = self.position.get(commit.branch_base or "", first)
        mainline: set[str] = set()
        for state in self.commits[start + 1 : first + 1]:
            mainline |= state.touched[0]
        vs_tip = frozenset(p for p in mainline | net | own if shas.get(p) != side_shas.get(p))
        parents = (self.repo.commits[n - 1].sha, tip)
        return CommitState(commit, parents, changes, (_paths(changes), vs_tip))

    def _apply(self, commit: GitCommit, files: _Files, shas: dict[str, str]) -> list[FileChange]:
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

    @property
    def head(self) -> CommitState:
        return self.commits[-1]

    def resolve(self, ref: str) -> CommitState | None:
        """The commit a branch name, ``HEAD`` or a (full or abbreviated) sha names."""
        if not self.commits:
            return None
        ref = ref.removeprefix("refs/heads/")
        if ref in (self.repo.default_branch, "HEAD"):
            return self.head
        if ref in self.by_sha:
            return self.by_sha[ref]
        if len(ref) >= 7:
            found = [state for sha, state in self.by_sha.items() if sha.startswith(ref)]
            if len(found) == 1:
                return found[0]
        return None

    def snapshot(self, n: int) -> dict[str, str]:
        """Path -> blob sha after first-parent commit ``n``: the checkpoint before it,
        replayed (a merge's changes are against its first parent)."""
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

    def files_of(self, state: CommitState) -> dict[str, str]:
        """Path -> blob sha of any commit, on the first-parent history or a side branch."""
        if state.index is not None:
            return self.snapshot(state.index)
        assert state.shas is not None
        return state.shas

    def tree_sha(self, state: CommitState) -> str:
        """The root tree of a commit (built, with its subtrees, on first use)."""
        if state.tree_sha is None:
            state.tree_sha = self._build_tree(self.files_of(state))
        return state.tree_sha

    def tree_name(self, state: CommitState) -> str:
        """The sha a commit's JSON gives its tree.

        Git's own for the head. Another commit gets a stand-in name that
        :meth:`find_tree` resolves to its real tree: hashing every commit's whole tree
        up front would cost time and memory quadratic in the length of the history.
        """
        if state is self.head:
            return self.tree_sha(state)
        name = hashlib.sha1(
            b"tree of " + state.commit.sha.encode(), usedforsecurity=False
        ).hexdigest()
        self.stand_ins[name] = state
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
        state = self.resolve(ref)
        return None if state is None else self.tree_sha(state)


def _base(repo: RepoWorld, n: int) -> str | None:
    """The first-parent commit the side branch of merge ``n`` forked from."""
    return repo.commits[n].branch_base or (repo.commits[n - 1].sha if n else None)


def _parents(parent: str | None) -> tuple[str, ...]:
    return () if parent is None else (parent,)


def _paths(changes: list[FileChange]) -> frozenset[str]:
    """Every path the changes touch, the old names of renames too."""
    return frozenset(c.filename for c in changes) | frozenset(
        c.previous_filename for c in changes if c.previous_filename
    )


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
