"""GitHub for the generated organisation: issues, and the post-mortems' commit history."""

from __future__ import annotations

import hashlib
import random
from bisect import bisect_right
from dataclasses import dataclass, field
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
    # how it reached the default branch: "push", "merge" (a pull request merged with a
    # merge commit at ``landed``; its branch commit made at ``written``), "squash" or
    # "rebase" (one commit at ``landed``, authored at ``written``)
    style: str = "push"
    written: datetime | None = None


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


@dataclass
class _Event:
    at: datetime  # committer time on the default branch
    message: str
    changes: dict[str, str | None]
    author: str
    renames: dict[str, str] = field(default_factory=dict)
    style: str = "push"
    written: datetime | None = None


# a realistic organisation's docs repository is a monorepo: this many files outside the
# post-mortem folder, and GitHub's tree limit scaled down so that the whole repository's
# recursive tree is cut while the folder's own is not
MONOREPO_FROM = 5  # post-mortems: smaller organisations (unit tests') keep a small repo
MONOREPO_SERVICES = 60
MONOREPO_FILES = 10  # per service


def fill_github(
    *, gh: GitHubWorld, book: IssueBook, pms: list[PostMortem], start: datetime, now: datetime
) -> None:
    """The ops-docs repository (first-parent history with merged pull requests) and the
    platform repository's issues."""
    created = start - timedelta(days=365)
    events = [
        _Event(created, "Initial commit", {"README.md": README}, "Ops Admin"),
        _Event(
            created + timedelta(days=30),
            "Archive the legacy post-mortem",
            {"docs/incidents-archive/2025-03-14-legacy-outage.md": ARCHIVE},
            "Ops Admin",
        ),
    ]
    for pm in pms:
        name = pm.path.rsplit("/", 1)[-1]
        first_text = pm.draft_text if pm.draft_text is not None else pm.text
        if pm.draft_path is not None and pm.drafted is not None:
            events.append(
                _Event(pm.drafted, f"Draft {name}", {pm.draft_path: first_text}, pm.author)
            )
            move = {pm.path: first_text, pm.draft_path: None}
            events.append(
                _Event(
                    pm.landed, f"Move {name} into place", move, pm.author, {pm.path: pm.draft_path}
                )
            )
        else:
            message = f"Add post-mortem {name}"
            events.append(
                _Event(
                    pm.landed, message, {pm.path: first_text}, pm.author, {}, pm.style, pm.written
                )
            )
        if pm.edited is not None:
            events.append(
                _Event(pm.edited, f"Update {name} after review", {pm.path: pm.text}, pm.author)
            )
    if len(pms) >= MONOREPO_FROM:
        events[0].changes.update(_monorepo())
    events.sort(key=lambda e: e.at)
    docs = RepoWorld(
        full_name=DOCS_REPO,
        commits=_commits(events),
        issues=book.issues[DOCS_REPO],
        created_at=created,
    )
    if len(pms) >= MONOREPO_FROM:
        docs.tree_limit = MONOREPO_SERVICES * MONOREPO_FILES // 2 + 2 * len(pms)
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


def _monorepo() -> dict[str, str | None]:
    """Service code and runbooks beside the post-mortems."""
    return {
        f"services/svc-{n:02}/{kind}-{k}.md": f"# svc-{n:02} {kind} {k}\n"
        for n in range(MONOREPO_SERVICES)
        for k in range(MONOREPO_FILES // 2)
        for kind in ("runbook", "notes")
    }


def _commits(events: list[_Event]) -> list[GitCommit]:
    """The first-parent history; a "merge" event becomes a merge commit of a side branch
    forked from the last first-parent commit before its branch commit."""
    commits: list[GitCommit] = []
    times: list[datetime] = []  # the committer times of ``commits``
    for number, e in enumerate(events, start=1):
        parent = commits[-1].sha if commits else ""
        email = f"{e.author.lower().replace(' ', '.')}@acme.example"
        if e.style == "merge" and e.written is not None and commits:
            fork = commits[max(0, bisect_right(times, e.written) - 1)].sha
            tip = GitCommit(
                sha=_sha(fork, e.written, e.message, e.changes),
                committed_at=e.written,
                message=e.message,
                changes=e.changes,
                author_name=e.author,
                author_email=email,
            )
            title = f"Merge pull request #{number} from acme/pm-{number}"
            made = GitCommit(
                sha=_sha(parent, e.at, title, {}),
                committed_at=e.at,
                message=title,
                branch=[tip],
                branch_base=fork,
                author_name=e.author,
                author_email=email,
            )
        else:
            message = f"{e.message} (#{number})" if e.style == "squash" else e.message
            made = GitCommit(
                sha=_sha(parent, e.at, message, e.changes),
                committed_at=e.at,
                message=message,
                changes=e.changes,
                renames=e.renames,
                authored_at=e.written if e.style in ("squash", "rebase") else None,
                author_name=e.author,
                author_email=email,
            )
        commits.append(made)
        times.append(e.at)
    return commits


def _sha(parent: str, at: datetime, message: str, changes: dict[str, str | None]) -> str:
    digest = hashlib.sha1(usedforsecurity=False)
    digest.update(f"{parent}\n{at.isoformat()}\n{message}\n".encode())
    for path in sorted(changes):
        digest.update(f"{path}\0{changes[path]}\0".encode())
    return digest.hexdigest()
