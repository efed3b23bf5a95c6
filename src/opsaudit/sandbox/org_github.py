"""GitHub for the generated organisation: issues, and the post-mortems' commit history."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from opsaudit.sandbox.org_common import DOCS_REPO, GH_API, GH_WEB, PLATFORM_REPO, gh_time
from opsaudit.sandbox.state import JSON, GitCommit, GitHubWorld, RepoWorld

README = """# acme/ops-docs

Operations documentation. Post-mortems live in `docs/incidents/`, one file per
incident, named `<YYYY-MM-DD>-<short-name>.md`. Older write-ups are kept in
`docs/incidents-archive/` for reference only.
"""
ARCHIVE = """---
incident: 17
---

# Legacy outage (before the current runbook)

Kept for history only; it predates the current template.

## Root cause

Operator error while rotating keys.

## Action items

- [ ] Automate key rotation, due 2025-04-01
"""


@dataclass
class PostMortem:
    """A post-mortem file and the commits that brought it to its current state."""

    path: str
    text: str
    landed: datetime  # committer date of the commit that added it at ``path``
    author: str
    draft_path: str | None = None  # renamed from this path at ``landed``
    drafted: datetime | None = None
    draft_text: str | None = None  # the text at landing, when an edit followed
    edited: datetime | None = None


class IssueBook:
    """Issues and pull requests of the generated repositories, numbered per repository."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.issues: dict[str, list[JSON]] = {DOCS_REPO: [], PLATFORM_REPO: []}

    def new(
        self,
        repo: str,
        *,
        title: str,
        created: datetime,
        closed: datetime | None,
        login: str,
        pr: bool = False,
    ) -> int:
        """Open an issue (or pull request), closed at ``closed`` if given; its number."""
        items = self.issues[repo]
        number = len(items) + 1
        kind = "pull" if pr else "issues"
        issue: JSON = {
            "url": f"{GH_API}/repos/{repo}/issues/{number}",
            "repository_url": f"{GH_API}/repos/{repo}",
            "html_url": f"{GH_WEB}/{repo}/{kind}/{number}",
            "id": self.rng.randrange(10**8, 10**9),
            "node_id": f"I_{repo.replace('/', '_')}_{number}",
            "number": number,
            "title": title,
            "user": {
                "login": login,
                "id": sum(map(ord, login)),
                "type": "User",
                "html_url": f"{GH_WEB}/{login}",
                "site_admin": False,
            },
            "labels": [{"name": "post-mortem", "color": "d73a4a", "default": False}],
            "state": "closed" if closed else "open",
            "locked": False,
            "assignee": None,
            "assignees": [],
            "comments": 0,
            "created_at": gh_time(created),
            "updated_at": gh_time(closed or created),
            "closed_at": gh_time(closed) if closed else None,
            "author_association": "MEMBER",
            "body": "Follow-up from a post-mortem.",
            "state_reason": "completed" if closed else None,
        }
        if pr:
            issue["pull_request"] = {
                "url": f"{GH_API}/repos/{repo}/pulls/{number}",
                "html_url": f"{GH_WEB}/{repo}/pull/{number}",
                "diff_url": f"{GH_WEB}/{repo}/pull/{number}.diff",
                "patch_url": f"{GH_WEB}/{repo}/pull/{number}.patch",
                "merged_at": gh_time(closed) if closed else None,
            }
        items.append(issue)
        return number


def fill_github(
    *, gh: GitHubWorld, book: IssueBook, pms: list[PostMortem], start: datetime, now: datetime
) -> None:
    """The ops-docs repository (linear history) and the platform repository's issues."""
    created = start - timedelta(days=365)
    events: list[tuple[datetime, str, dict[str, str | None], dict[str, str], str]] = [
        (created, "Initial commit", {"README.md": README}, {}, "Ops Admin"),
        (
            created + timedelta(days=30),
            "Archive the legacy post-mortem",
            {"docs/incidents-archive/2025-03-14-legacy-outage.md": ARCHIVE},
            {},
            "Ops Admin",
        ),
    ]
    for pm in pms:
        name = pm.path.rsplit("/", 1)[-1]
        first_text = pm.draft_text if pm.draft_text is not None else pm.text
        if pm.draft_path is not None and pm.drafted is not None:
            events.append((pm.drafted, f"Draft {name}", {pm.draft_path: first_text}, {}, pm.author))
            events.append(
                (
                    pm.landed,
                    f"Move {name} into place",
                    {pm.path: first_text, pm.draft_path: None},
                    {pm.path: pm.draft_path},
                    pm.author,
                )
            )
        else:
            events.append(
                (pm.landed, f"Add post-mortem {name}", {pm.path: first_text}, {}, pm.author)
            )
        if pm.edited is not None:
            events.append(
                (pm.edited, f"Update {name} after review", {pm.path: pm.text}, {}, pm.author)
            )
    events.sort(key=lambda e: e[0])
    parent = ""
    commits = []
    for at, message, changes, renames, author in events:
        digest = hashlib.sha1(usedforsecurity=False)
        digest.update(f"{parent}\n{at.isoformat()}\n{message}\n".encode())
        for path in sorted(changes):
            digest.update(f"{path}\0{changes[path]}\0".encode())
        parent = digest.hexdigest()
        login = author.lower().replace(" ", ".")
        commits.append(
            GitCommit(
                sha=parent,
                committed_at=at,
                message=message,
                author_name=author,
                author_email=f"{login}@acme.example",
                changes=changes,
                renames=renames,
            )
        )
    docs = RepoWorld(
        full_name=DOCS_REPO, commits=commits, issues=book.issues[DOCS_REPO], created_at=created
    )
    seed_text = "# acme/platform\n"
    seed = GitCommit(
        sha=hashlib.sha1(b"acme/platform initial", usedforsecurity=False).hexdigest(),
        committed_at=created,
        message="Initial commit",
        author_name="Ops Admin",
        author_email="ops.admin@acme.example",
        changes={"README.md": seed_text},
    )
    platform = RepoWorld(
        full_name=PLATFORM_REPO,
        commits=[seed],
        issues=book.issues[PLATFORM_REPO],
        created_at=created,
    )
    gh.repos[DOCS_REPO] = docs
    gh.repos[PLATFORM_REPO] = platform
