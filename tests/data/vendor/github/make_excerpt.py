"""Rebuild ``shapes.json`` from PyGithub's recorded GitHub exchanges (run by hand, not by tests).

    python tests/data/vendor/github/make_excerpt.py /path/to/ReplayData

Source: PyGithub/PyGithub tests/ReplayData (LGPL-3.0 test data), as copied into the
project's shared vendor folder; ``Commit.setUp.txt`` and ``PullRequest.setUp.txt`` come
from PyGithub@0792bc9cfb724b584253bff10d45d9627463e348 (``/repos/jacquev6/PyGithub/commits/1292bf0``
and ``/repos/PyGithub/PyGithub/pulls/31``), read there and typed in below as HAND
(header names and body keys only, values shortened). DOCUMENTED adds the few keys
GitHub's REST docs (docs.github.com/rest) give that the older recordings predate or do
not exercise. Each recording is a block of
lines: scheme, method, host, port, path, request headers, request body, status,
response headers, response body. We keep, per exchange, the response header names and
the body's skeleton: every key, lists cut to their first item, long strings cut short.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path
from typing import Any

WANTED = {  # name -> (recording, index of the exchange in it)
    "repo": ("Repository.setUp.txt", 0),
    "branch": ("Branch.setUp.txt", 2),
    "commits": ("Repository.testGetCommitsWithSinceUntil.txt", 0),
    "tree_recursive": ("Repository.testGetGitTreeWithRecursive.txt", 0),
    "blob": ("GitBlob.setUp.txt", 2),
    "contents_file": ("Repository.testGetContents.txt", 1),
    "contents_dir": ("Repository.testGetContentsDir.txt", 0),
    "issue": ("Issue.setUp.txt", 1),
    "issues": ("Repository.testGetIssuesWithArguments.txt", 8),
    "rate_limit": ("RateLimiting.testGetRateLimit.txt", 0),
}


USER = {
    k: ""
    for k in (
        "login",
        "node_id",
        "avatar_url",
        "gravatar_id",
        "url",
        "html_url",
        "followers_url",
        "following_url",
        "gists_url",
        "starred_url",
        "subscriptions_url",
        "organizations_url",
        "repos_url",
        "events_url",
        "received_events_url",
        "type",
    )
}
USER.update({"id": 1, "site_admin": False})
HEADERS = [
    "cache-control",
    "content-type",
    "etag",
    "last-modified",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "x-ratelimit-resource",
    "x-ratelimit-used",
]
PERSON = {"name": "", "email": "", "date": "2012-05-09T16:22:33Z"}
HAND = {
    "commit": {
        "request": "GET /repos/jacquev6/PyGithub/commits/1292bf0e22c796e91cc3d6e24b544aece8c21f2a",
        "status": 200,
        "headers": HEADERS,
        "source": "Commit.setUp.txt @0792bc9",
        "body": {
            "sha": "",
            "node_id": "",
            "commit": {
                "author": PERSON,
                "committer": PERSON,
                "message": "",
                "tree": {"sha": "", "url": ""},
                "url": "",
                "comment_count": 0,
                "verification": {
                    "verified": False,
                    "reason": "unsigned",
                    "signature": None,
                    "payload": None,
                    "verified_at": None,
                },
            },
            "url": "",
            "html_url": "",
            "comments_url": "",
            "author": USER,
            "committer": USER,
            "parents": [{"sha": "", "url": "", "html_url": ""}],
            "stats": {"total": 20, "additions": 0, "deletions": 20},
            "files": [
                {
                    "sha": "",
                    "filename": "",
                    "status": "modified",
                    "additions": 0,
                    "deletions": 20,
                    "changes": 20,
                    "blob_url": "",
                    "raw_url": "",
                    "contents_url": "",
                    "patch": "@@ -14,44 +14,24 @@",
                }
            ],
        },
    },
    "pull": {
        "request": "GET /repos/PyGithub/PyGithub/pulls/31",
        "status": 200,
        "headers": HEADERS,
        "source": "PullRequest.setUp.txt @0792bc9",
        "body": {
            **{
                k: ""
                for k in (
                    "url",
                    "node_id",
                    "html_url",
                    "diff_url",
                    "patch_url",
                    "issue_url",
                    "state",
                    "title",
                    "body",
                    "created_at",
                    "updated_at",
                    "closed_at",
                    "merged_at",
                    "merge_commit_sha",
                    "commits_url",
                    "review_comments_url",
                    "review_comment_url",
                    "comments_url",
                    "statuses_url",
                    "author_association",
                    "mergeable_state",
                )
            },
            "id": 1,
            "number": 31,
            "locked": False,
            "user": USER,
            "assignee": USER,
            "assignees": [USER],
            "requested_reviewers": [{"login": ""}],
            "requested_teams": [{"id": 123}],
            "labels": [],
            "milestone": {"number": 1},
            "draft": False,
            "head": {"label": None, "ref": "", "sha": "", "user": None, "repo": None},
            "base": {"label": "", "ref": "", "sha": "", "user": USER, "repo": {}},
            "_links": {
                k: {"href": ""}
                for k in (
                    "self",
                    "html",
                    "issue",
                    "comments",
                    "review_comments",
                    "review_comment",
                    "commits",
                    "statuses",
                )
            },
            "auto_merge": None,
            "active_lock_reason": None,
            "merged": True,
            "mergeable": False,
            "rebaseable": False,
            "merged_by": USER,
            "comments": 1,
            "review_comments": 2,
            "maintainer_can_modify": False,
            "commits": 3,
            "additions": 511,
            "deletions": 384,
            "changed_files": 45,
        },
    },
}


DOCUMENTED = {  # name -> keys to add to the body skeleton
    "tree_recursive": {"truncated": False},  # recursive trees say whether they were cut
    "blob": {"node_id": ""},
    "contents_file": {"url": "", "html_url": "", "git_url": "", "download_url": ""},
}
HAND["commit"]["body"]["files"][0]["previous_filename"] = ""  # set for renamed files only


def exchanges(path: Path) -> list[dict[str, Any]]:
    """The recorded exchanges of one file."""
    lines = path.read_text().split("\n")
    out, i = [], 0
    while i + 10 <= len(lines):
        if not lines[i].strip():
            i += 1
            continue
        block = lines[i : i + 10]
        out.append(
            {
                "request": f"{block[1]} {block[4]}",
                "status": int(block[7]),
                "headers": sorted({name.lower() for name, _ in ast.literal_eval(block[8])}),
                "body": json.loads(block[9]),
            }
        )
        i += 11
    return out


def skeleton(value: Any) -> Any:
    """Same keys and types, lists cut to one item, strings to 40 characters."""
    if isinstance(value, dict):
        return {key: skeleton(item) for key, item in value.items()}
    if isinstance(value, list):
        return [skeleton(value[0])] if value else []
    if isinstance(value, str):
        return value[:40]
    return value


def main(folder: Path) -> None:
    shapes = {}
    for name, (recording, index) in WANTED.items():
        exchange = exchanges(folder / recording)[index]
        shapes[name] = {**exchange, "source": recording, "body": skeleton(exchange["body"])}
    shapes.update(HAND)
    for name, keys in DOCUMENTED.items():
        shapes[name]["body"].update(keys)
        shapes[name]["documented_keys"] = sorted(keys)
    out = Path(__file__).with_name("shapes.json")
    comment = "Skeletons of PyGithub tests/ReplayData exchanges (LGPL-3.0); see make_excerpt.py"
    out.write_text(json.dumps({"$comment": comment, **shapes}, indent=1) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
