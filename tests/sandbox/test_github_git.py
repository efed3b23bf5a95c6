"""The sandbox's derived git store: snapshots replayed from checkpoints match history."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from opsaudit.sandbox.github_git import CHECKPOINT_EVERY, RepoGit
from opsaudit.sandbox.state import GitCommit, RepoWorld, git_blob_sha


def test_snapshots_between_checkpoints_equal_a_plain_replay() -> None:
    rng = random.Random(5)
    repo = RepoWorld(full_name="acme/docs")
    files: dict[str, str] = {}
    expected: list[dict[str, str]] = []
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(CHECKPOINT_EVERY * 2 + 37):
        changes: dict[str, str | None] = {}
        renames: dict[str, str] = {}
        roll = rng.random()
        if files and roll < 0.15:
            old = rng.choice(sorted(files))
            renames[f"docs/moved-{n}.md"] = old
            files[f"docs/moved-{n}.md"] = files.pop(old)
        elif files and roll < 0.3:
            gone = rng.choice(sorted(files))
            changes[gone] = None
            del files[gone]
        else:
            path = f"docs/{rng.randrange(60)}.md"
            changes[path] = files[path] = f"text {n}\n"
        repo.commits.append(
            GitCommit(
                sha=f"{n:040x}",
                committed_at=start + timedelta(hours=n),
                changes=changes,
                renames=renames,
            )
        )
        expected.append({path: git_blob_sha(text) for path, text in files.items()})
    git = RepoGit(repo)
    for n in [
        0,
        1,
        CHECKPOINT_EVERY - 1,
        CHECKPOINT_EVERY,
        CHECKPOINT_EVERY + 1,
        len(expected) - 1,
    ]:
        assert git.snapshot(n) == expected[n], n
    assert len(git.checkpoints) == 4  # 0, 256, 512 and the head
