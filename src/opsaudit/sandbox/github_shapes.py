"""GitHub REST JSON for repositories, commits, trees, blobs, contents and pull requests.

``base`` is the API root the client used (``https://127.0.0.1:PORT/github``): GitHub's
objects carry absolute ``url`` fields and PyGithub follows them, so they must point back
at the sandbox.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

from opsaudit.sandbox.github_git import CommitState, RepoGit
from opsaudit.sandbox.github_objects import TreeEntry
from opsaudit.sandbox.state import JSON, RepoWorld
from opsaudit.sandbox.web import iso_z

WEB = "https://github.com"


def numeric_id(text: str) -> int:
    """A stable positive id for an object that has none in the world."""
    return int(hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:8], 16)


def node_id(kind: str, text: str) -> str:
    """A stable GraphQL-style node id."""
    return base64.b64encode(f"{kind}:{numeric_id(text)}".encode()).decode().rstrip("=")


def user_json(base: str, login: str, *, kind: str = "User") -> JSON:
    """A simple user (or organization) object."""
    return {
        "login": login,
        "id": numeric_id(login),
        "node_id": node_id(kind, login),
        "avatar_url": f"https://avatars.githubusercontent.com/u/{numeric_id(login)}?v=4",
        "gravatar_id": "",
        "url": f"{base}/users/{login}",
        "html_url": f"{WEB}/{login}",
        "type": kind,
        "site_admin": False,
    }


def repo_json(base: str, repo: RepoWorld, git: RepoGit) -> JSON:
    """``GET /repos/{owner}/{repo}``."""
    owner, name = repo.full_name.split("/", 1)
    api = f"{base}/repos/{repo.full_name}"
    last = git.commits[-1].commit.committed_at if git.commits else None
    created = repo.created_at or (git.commits[0].commit.committed_at if git.commits else None)
    stamp = iso_z(created) if created else iso_z(datetime(2020, 1, 1, tzinfo=UTC))
    return {
        "id": numeric_id(repo.full_name),
        "node_id": node_id("Repository", repo.full_name),
        "name": name,
        "full_name": repo.full_name,
        "private": True,
        "owner": user_json(base, owner, kind="Organization"),
        "html_url": f"{WEB}/{repo.full_name}",
        "description": None,
        "fork": False,
        "url": api,
        "branches_url": f"{api}/branches{{/branch}}",
        "blobs_url": f"{api}/git/blobs{{/sha}}",
        "trees_url": f"{api}/git/trees{{/sha}}",
        "commits_url": f"{api}/commits{{/sha}}",
        "git_commits_url": f"{api}/git/commits{{/sha}}",
        "contents_url": f"{api}/contents/{{+path}}",
        "issues_url": f"{api}/issues{{/number}}",
        "pulls_url": f"{api}/pulls{{/number}}",
        "created_at": stamp,
        "updated_at": iso_z(last) if last else stamp,
        "pushed_at": iso_z(last) if last else stamp,
        "clone_url": f"{WEB}/{repo.full_name}.git",
        "size": sum(len(blob) for blob in git.blobs.values()) // 1024,
        "has_issues": True,
        "archived": False,
        "disabled": False,
        "open_issues_count": sum(1 for i in repo.issues if i.get("state") == "open"),
        "visibility": "private",
        "default_branch": repo.default_branch,
    }


def branch_json(base: str, repo: RepoWorld, git: RepoGit) -> JSON:
    """``GET .../branches/{branch}`` for the one (default) branch, unprotected."""
    api = f"{base}/repos/{repo.full_name}"
    branch = repo.default_branch
    return {
        "name": branch,
        "commit": commit_json(base, repo, git, git.head, detail=False),
        "_links": {
            "self": f"{api}/branches/{branch}",
            "html": f"{WEB}/{repo.full_name}/tree/{branch}",
        },
        "protected": False,
        "protection": {
            "enabled": False,
            "required_status_checks": {"enforcement_level": "off", "contexts": [], "checks": []},
        },
        "protection_url": f"{api}/branches/{branch}/protection",
    }


def commit_json(
    base: str, repo: RepoWorld, git: RepoGit, state: CommitState, *, detail: bool
) -> JSON:
    """A commit as ``GET .../commits`` lists it; with ``detail`` also stats and files
    (a merge's against its first parent). The author's date is when the change was
    written, the committer's when this commit was made (a rebase or squash: later)."""
    commit = state.commit
    api = f"{base}/repos/{repo.full_name}"
    person = {
        "name": commit.author_name,
        "email": commit.author_email,
        "date": iso_z(commit.authored_at or commit.committed_at),
    }
    committer = {**person, "date": iso_z(commit.committed_at)}
    parents = [_parent(api, repo, sha) for sha in state.parents]
    out: JSON = {
        "sha": commit.sha,
        "node_id": node_id("Commit", commit.sha),
        "commit": {
            "author": person,
            "committer": committer,
            "message": commit.message,
            "tree": {"sha": git.tree_name(state), "url": f"{api}/git/trees/{git.tree_name(state)}"},
            "url": f"{api}/git/commits/{commit.sha}",
            "comment_count": 0,
            "verification": {
                "verified": False,
                "reason": "unsigned",
                "signature": None,
                "payload": None,
                "verified_at": None,
            },
        },
        "url": f"{api}/commits/{commit.sha}",
        "html_url": f"{WEB}/{repo.full_name}/commit/{commit.sha}",
        "comments_url": f"{api}/commits/{commit.sha}/comments",
        # GitHub maps the e-mail to an account; the sandbox has none, as for an unknown e-mail
        "author": None,
        "committer": None,
        "parents": parents,
    }
    if detail:
        out["files"] = [
            _file_json(api, repo, state, change_index) for change_index in range(len(state.changes))
        ]
        additions = sum(f["additions"] for f in out["files"])
        deletions = sum(f["deletions"] for f in out["files"])
        out["stats"] = {
            "total": additions + deletions,
            "additions": additions,
            "deletions": deletions,
        }
    return out


def _parent(api: str, repo: RepoWorld, sha: str) -> JSON:
    return {
        "sha": sha,
        "url": f"{api}/commits/{sha}",
        "html_url": f"{WEB}/{repo.full_name}/commit/{sha}",
    }


def _file_json(api: str, repo: RepoWorld, state: CommitState, n: int) -> JSON:
    change = state.changes[n]
    sha = state.commit.sha
    out: JSON = {
        "sha": change.sha,
        "filename": change.filename,
        "status": change.status,
        **change.diff(),
        "blob_url": f"{WEB}/{repo.full_name}/blob/{sha}/{change.filename}",
        "raw_url": f"{WEB}/{repo.full_name}/raw/{sha}/{change.filename}",
        "contents_url": f"{api}/contents/{change.filename}?ref={sha}",
    }
    if change.previous_filename is not None:
        out["previous_filename"] = change.previous_filename
    return out


def tree_json(base: str, repo: RepoWorld, git: RepoGit, sha: str, *, recursive: bool) -> JSON:
    """``GET .../git/trees/{sha}``; a listing longer than the repository's ``tree_limit``
    (recursive or not) is cut there and says ``truncated`` (GitHub: 100,000 entries or
    7 MB)."""
    api = f"{base}/repos/{repo.full_name}"
    items = []
    for path, entry in git.walk(sha, recursive=recursive):
        item: JSON = {"path": path, "mode": entry.mode, "type": entry.type, "sha": entry.sha}
        if entry.size is not None:
            item["size"] = entry.size
        kind = "blobs" if entry.type == "blob" else "trees"
        item["url"] = f"{api}/git/{kind}/{entry.sha}"
        items.append(item)
    truncated = len(items) > repo.tree_limit
    if truncated:
        items = items[: repo.tree_limit]
    return {"sha": sha, "url": f"{api}/git/trees/{sha}", "tree": items, "truncated": truncated}


def encode_content(data: bytes) -> str:
    """Base64 in lines of 60 characters, each ending in a newline, as GitHub sends it."""
    text = base64.b64encode(data).decode()
    return "".join(text[i : i + 60] + "\n" for i in range(0, len(text), 60))


def blob_json(base: str, repo: RepoWorld, sha: str, data: bytes) -> JSON:
    """``GET .../git/blobs/{sha}``."""
    return {
        "sha": sha,
        "node_id": node_id("Blob", f"{repo.full_name}:{sha}"),
        "size": len(data),
        "url": f"{base}/repos/{repo.full_name}/git/blobs/{sha}",
        "content": encode_content(data),
        "encoding": "base64",
    }


def content_json(
    base: str, repo: RepoWorld, path: str, entry: TreeEntry, ref: str, data: bytes | None
) -> JSON:
    """A file (with ``content`` when ``data`` is given) or a folder entry of the contents API."""
    api = f"{base}/repos/{repo.full_name}"
    is_file = entry.type == "blob"
    html = f"{WEB}/{repo.full_name}/{'blob' if is_file else 'tree'}/{ref}/{path}"
    git_url = f"{api}/git/{'blobs' if is_file else 'trees'}/{entry.sha}"
    out: JSON = {
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "sha": entry.sha,
        "size": entry.size or 0,
        "url": f"{api}/contents/{path}?ref={ref}",
        "html_url": html,
        "git_url": git_url,
        "download_url": f"{WEB}/{repo.full_name}/raw/{ref}/{path}" if is_file else None,
        "type": "file" if is_file else "dir",
        "_links": {"self": f"{api}/contents/{path}?ref={ref}", "git": git_url, "html": html},
    }
    if data is not None:
        out["content"] = encode_content(data)
        out["encoding"] = "base64"
    return out


def pull_json(base: str, repo: RepoWorld, git: RepoGit, issue: JSON) -> JSON:
    """``GET .../pulls/{n}`` made from the issue that represents the pull request."""
    api = f"{base}/repos/{repo.full_name}"
    number = issue["number"]
    merged_at = (issue.get("pull_request") or {}).get("merged_at")
    head_sha = git.head.commit.sha if git.commits else "0" * 40
    owner = repo.full_name.split("/", 1)[0]
    part = {
        "label": f"{owner}:{repo.default_branch}",
        "ref": repo.default_branch,
        "sha": head_sha,
        "user": user_json(base, owner, kind="Organization"),
    }
    keep = (
        "id",
        "node_id",
        "number",
        "state",
        "locked",
        "title",
        "user",
        "body",
        "labels",
        "milestone",
        "assignee",
        "assignees",
        "created_at",
        "updated_at",
        "closed_at",
        "author_association",
    )
    out: JSON = {key: issue.get(key) for key in keep}
    out.update(
        {
            "url": f"{api}/pulls/{number}",
            "html_url": f"{WEB}/{repo.full_name}/pull/{number}",
            "diff_url": f"{WEB}/{repo.full_name}/pull/{number}.diff",
            "patch_url": f"{WEB}/{repo.full_name}/pull/{number}.patch",
            "issue_url": f"{api}/issues/{number}",
            "merged_at": merged_at,
            "merged": merged_at is not None,
            "merge_commit_sha": head_sha if merged_at else None,
            "draft": bool(issue.get("draft", False)),
            "requested_reviewers": [],
            "head": {**part, "label": f"{owner}:pr-{number}", "ref": f"pr-{number}"},
            "base": part,
            "comments": issue.get("comments", 0),
        }
    )
    return out
