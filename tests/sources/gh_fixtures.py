"""A small builder of GitHub worlds for the GitHub source's tests.

A repository is a linear history of :class:`GitCommit` (path -> new text, None deletes;
renames as new path -> old path); issues are stored as ``GET /repos/{o}/{r}/issues/{n}``
returns them (see /work/shared/vendor/github/Issue.setUp.txt).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from netutil import free_port  # noqa: F401  (re-exported for the tests)
from opsaudit.records import DocumentBatch
from opsaudit.sandbox.server import Sandbox
from opsaudit.sandbox.state import GitCommit, GitHubWorld, RepoWorld, World
from opsaudit.sources.base import Cursor, Endpoint, RequestCounter, RetryPolicy
from opsaudit.sources.github import fetch_github

OWN = "acme/ops-docs"
OTHER = "acme/platform"
FOLDER = "docs/incidents"
T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
PAGE = 2
FAST = RetryPolicy(attempts=6, backoff=0.01, max_wait=1.0)


def fake_sha(label: str) -> str:
    return hashlib.sha1(label.encode(), usedforsecurity=False).hexdigest()


class RepoBuilder:
    """Appends commits to one repository, an hour apart, and keeps issue JSON."""

    def __init__(self, world: World, full_name: str) -> None:
        self.repo = RepoWorld(full_name=full_name, created_at=T0 - timedelta(days=30))
        world.github.repos[full_name] = self.repo

    def commit(
        self,
        label: str,
        changes: dict[str, str | None] | None = None,
        renames: dict[str, str] | None = None,
        *,
        at: datetime | None = None,
        authored: datetime | None = None,
        branch: list[GitCommit] | None = None,
        base: str | None = None,
    ) -> GitCommit:
        """A commit on the default branch; with ``branch``, a merge commit of those side
        commits (forked from ``base``, default the commit before)."""
        when = at or T0 + timedelta(hours=len(self.repo.commits))
        made = GitCommit(
            sha=fake_sha(label),
            committed_at=when,
            message=label,
            changes=dict(changes or {}),
            renames=dict(renames or {}),
            authored_at=authored,
            branch=list(branch or []),
            branch_base=base,
        )
        self.repo.commits.append(made)
        return made

    def issue(
        self,
        number: int,
        *,
        closed_at: datetime | None = None,
        pull: bool = False,
        merged_at: datetime | None = None,
        merged_field: bool = True,
        updated_at: datetime | None = None,
    ) -> dict[str, Any]:
        name = self.repo.full_name
        kind = "pull" if pull else "issues"
        updated = updated_at or closed_at or T0 + timedelta(minutes=number)
        data: dict[str, Any] = {
            "url": f"https://api.github.com/repos/{name}/issues/{number}",
            "repository_url": f"https://api.github.com/repos/{name}",
            "html_url": f"https://github.com/{name}/{kind}/{number}",
            "id": 1000 + number,
            "number": number,
            "title": f"{kind} {number} of {name}",
            "user": {"login": "octocat", "id": 1, "type": "User"},
            "labels": [],
            "state": "closed" if closed_at else "open",
            "locked": False,
            "assignee": None,
            "assignees": [],
            "milestone": None,
            "comments": 0,
            "created_at": _z(T0),
            "updated_at": _z(updated),
            "closed_at": _z(closed_at) if closed_at else None,
            "author_association": "MEMBER",
            "body": "",
        }
        if pull:
            data["pull_request"] = {
                "url": f"https://api.github.com/repos/{name}/pulls/{number}",
                "html_url": f"https://github.com/{name}/pull/{number}",
                "diff_url": f"https://github.com/{name}/pull/{number}.diff",
                "patch_url": f"https://github.com/{name}/pull/{number}.patch",
            }
            if merged_field:
                data["pull_request"]["merged_at"] = _z(merged_at) if merged_at else None
        self.repo.issues.append(data)
        return data


def side(label: str, changes: dict[str, str | None], *, at: datetime) -> GitCommit:
    """A commit on a side branch (give it to :meth:`RepoBuilder.commit` as ``branch``)."""
    return GitCommit(sha=fake_sha(label), committed_at=at, message=label, changes=dict(changes))


def new_world() -> World:
    return World(github=GitHubWorld())


def endpoint(sb: Sandbox, world: World, *, token: str | None = None) -> Endpoint:
    return Endpoint(
        api_url=sb.github_url,
        token=world.tokens.github if token is None else token,
        ca_file=sb.ca_file,
    )


def sync(
    sb: Sandbox,
    world: World,
    *,
    cursor: Cursor | None = None,
    known_blobs: set[str] | None = None,
    counter: RequestCounter | None = None,
    retry: RetryPolicy = FAST,
    page_size: int = PAGE,
) -> tuple[DocumentBatch, Cursor]:
    """One fetch of OWN's folder, known blobs and refs as the caller says."""
    return fetch_github(
        endpoint=endpoint(sb, world),
        repo=OWN,
        path=FOLDER,
        cursor=cursor,
        known_blobs=known_blobs or set(),
        counter=counter,
        retry=retry,
        page_size=page_size,
    )


def _z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
