"""Git's objects as the sandbox's GitHub serves them: tree entries and file changes."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from opsaudit.sandbox.state import JSON


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


def _patch_text(content: str | bytes | None) -> str:
    """A file's content as a patch shows it (bytes that are not UTF-8 replaced)."""
    if isinstance(content, bytes):
        return content.decode("utf-8", "replace")
    return (content or "").encode("utf-8", "replace").decode("utf-8")
