"""The sandbox answers in the vendors' published shapes.

PagerDuty: validated against the OpenAPI schemas (excerpt in tests/data/vendor/pagerduty).
Slack and GitHub: every key we send must appear in the vendor's samples / recordings
(tests/data/vendor/slack, tests/data/vendor/github), and GitHub's headers too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from slack_sdk.errors import SlackApiError

from opsaudit.sandbox.server import Sandbox
from opsaudit.sandbox.state import GitCommit

VENDOR = Path(__file__).parents[1] / "data" / "vendor"
PD_SCHEMAS = json.loads((VENDOR / "pagerduty" / "schemas.json").read_text())
SLACK = json.loads((VENDOR / "slack" / "shapes.json").read_text())
GITHUB = json.loads((VENDOR / "github" / "shapes.json").read_text())
WINDOW = {"since": "2024-03-01T00:00:00Z", "until": "2024-03-03T00:00:00Z"}
ALL_INCLUDES = [
    "priorities",
    "services",
    "assignees",
    "acknowledgers",
    "teams",
    "first_trigger_log_entries",
    "escalation_policies",
]


def extra_keys(ours: Any, sample: Any, where: str = "") -> list[str]:
    """Paths of keys in ``ours`` that the vendor's sample does not have."""
    if isinstance(ours, dict) and isinstance(sample, dict):
        if not sample:  # the excerpt cut this subtree
            return []
        found = [f"{where}.{key}" for key in ours if key not in sample]
        for key in ours.keys() & sample.keys():
            found += extra_keys(ours[key], sample[key], f"{where}.{key}")
        return found
    if isinstance(ours, list) and isinstance(sample, list) and sample:
        return [path for item in ours for path in extra_keys(item, sample[0], f"{where}[]")]
    return []


def test_extra_keys_notices_an_invented_field() -> None:
    assert extra_keys({"a": {"b": 1, "x": 2}}, {"a": {"b": 0}}) == [".a.x"]
    assert extra_keys({"a": [{"b": 1}, {"y": 1}]}, {"a": [{"b": 0}]}) == [".a[].y"]


# -- PagerDuty -------------------------------------------------------------------------


def _validate(name: str, body: Any) -> list[str]:
    validator = Draft202012Validator({"$ref": f"#/$defs/{name}", "$defs": PD_SCHEMAS["$defs"]})
    return [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(body)]


@pytest.mark.parametrize(
    ("name", "path", "params"),
    [
        ("GET_incidents", "incidents", WINDOW),
        ("GET_incidents", "incidents", {**WINDOW, "include[]": ALL_INCLUDES}),
        ("GET_incident", "incidents/PI00003", {"include[]": ALL_INCLUDES}),
        ("GET_incident", "incidents/PI00004", {}),
        ("GET_log_entries", "log_entries", WINDOW),
        ("GET_incident_log_entries", "incidents/PI00002/log_entries", {"total": "true"}),
        ("GET_services", "services", {}),
        ("GET_users", "users", {}),
        ("GET_priorities", "priorities", {}),
        ("GET_escalation_policies", "escalation_policies", {}),
        ("GET_teams", "teams", {}),
    ],
)
def test_pagerduty_matches_the_openapi_schema(
    kit: Any, name: str, path: str, params: dict[str, Any]
) -> None:
    body = kit.pd().jget(path, params=params)
    assert _validate(name, body) == []


def test_log_entry_includes_are_full_objects(kit: Any) -> None:
    # the spec types LogEntry.incident/service as references only; PagerDuty puts the
    # full objects there when asked, so check those against their own schemas
    params = {**WINDOW, "include[]": ["incidents", "services"], "limit": 3}
    for entry in kit.pd().jget("log_entries", params=params)["log_entries"]:
        assert _validate("Incident", entry["incident"]) == []
        assert _validate("Service", entry["service"]) == []
        assert entry["incident"]["type"] == "incident"


def test_the_schema_check_can_fail() -> None:
    assert _validate("GET_priorities", {"priorities": [{"id": 5}], "more": "no"})


# -- Slack -----------------------------------------------------------------------------


def _slack_answers(sandbox: Sandbox, kit: Any) -> dict[str, Any]:
    client = kit.slack()
    parent = sandbox.world.slack.messages["C001"][0]
    posted = client.chat_postMessage(
        channel="C001", text="x", thread_ts=parent["ts"], blocks=[{"type": "divider"}]
    )
    return {
        "auth.test": client.auth_test(),
        "conversations.list": client.conversations_list(limit=2),
        "conversations.info": client.conversations_info(channel="C001"),
        "conversations.history": client.conversations_history(channel="C001", limit=3, oldest="1"),
        "conversations.replies": client.conversations_replies(channel="C001", ts=parent["ts"]),
        "users.list": client.users_list(limit=2),
        "users.info": client.users_info(user="UBOT"),
        "users.lookupByEmail": client.users_lookupByEmail(email="person1@example.com"),
        "chat.postMessage": posted,
    }


def test_slack_answers_use_only_the_vendors_keys(sandbox: Sandbox, kit: Any) -> None:
    answers = _slack_answers(sandbox, kit)
    assert answers.keys() <= SLACK.keys()
    problems = {m: extra_keys(a.data, SLACK[m]) for m, a in answers.items()}
    assert {m: p for m, p in problems.items() if p} == {}


def test_slack_errors_have_the_vendors_keys(kit: Any) -> None:
    with pytest.raises(SlackApiError) as raised:
        kit.slack().conversations_info(channel="CNOPE")
    assert extra_keys(raised.value.response.data, SLACK["conversations.info"]) == []


# -- GitHub ----------------------------------------------------------------------------

GITHUB_HEADERS = {
    "etag",
    "last-modified",
    "link",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "x-ratelimit-used",
    "x-ratelimit-resource",
}


def _github_answers(sandbox: Sandbox, kit: Any) -> dict[str, tuple[dict[str, str], Any]]:
    repo = sandbox.world.github.repos["acme/postmortems"]
    with sandbox.world.lock:
        repo.commits.append(
            GitCommit(
                sha="c" * 40,
                committed_at=repo.commits[-1].committed_at,
                changes={"README.md": "# PMs\n"},
                renames={"pm.md": "postmortems/2024/pm-1.md"},
            )
        )
        repo.issues.append(_issue_from_recording())
    requester = kit.github().requester
    base = "/repos/acme/postmortems"

    def get(path: str, **params: Any) -> tuple[dict[str, str], Any]:
        headers, data = requester.requestJsonAndCheck("GET", base + path, parameters=params)
        return {k.lower(): v for k, v in headers.items()}, data

    answers = {
        "repo": get(""),
        "branch": get("/branches/main"),
        "commits": get("/commits", per_page=2),
        "commit": get("/commits/" + "c" * 40),
        "tree_recursive": get("/git/trees/main", recursive=1),
        "contents_file": get("/contents/README.md"),
        "contents_dir": get("/contents/postmortems/2024"),
        "issue": get("/issues/28"),
        "issues": get("/issues", state="all"),
        "pull": get("/pulls/28"),
    }
    blob_sha = answers["tree_recursive"][1]["tree"][0]["sha"]
    answers["blob"] = get(f"/git/blobs/{blob_sha}")
    headers, data = requester.requestJsonAndCheck("GET", "/rate_limit")
    answers["rate_limit"] = ({k.lower(): v for k, v in headers.items()}, data)
    return answers


def _issue_from_recording() -> dict[str, Any]:
    """The recorded issue #28, made a pull request, as the world would hold it."""
    issue = json.loads(json.dumps(GITHUB["issue"]["body"]))
    issue.update(
        {
            "number": 28,
            "state": "open",
            "updated_at": "2024-03-02T00:00:00Z",
            "created_at": "2024-03-01T00:00:00Z",
            "closed_at": None,
            "pull_request": {"url": "https://api.github.com/repos/x/y/pulls/28", "merged_at": None},
        }
    )
    return issue


def github_sample(name: str) -> Any:
    """The recorded body for an answer, with the relations GitHub documents applied."""
    body = json.loads(json.dumps(GITHUB[name]["body"]))
    issue = {**GITHUB["issue"]["body"], "pull_request": {"url": "", "merged_at": None}}
    detail = {k: v for k, v in GITHUB["commit"]["body"].items() if k not in ("files", "stats")}
    if name == "issue":  # ours is a pull request, which GitHub marks with pull_request
        return issue
    if name == "issues":  # list items are issues; the 2012 recording predates many keys
        return [issue]
    if name == "commits":  # list items are commit details without files and stats
        return [{**body[0], **detail}]
    if name == "pull":  # a pull request's user, assignees and milestone are its issue's
        body.update({key: issue[key] for key in ("user", "assignee", "assignees", "milestone")})
    if isinstance(body, dict) and "url" not in body:
        body["url"] = ""  # PyGithub adds the request's URL to a GET answer that lacks one
    return body


def test_github_answers_use_only_the_vendors_keys(sandbox: Sandbox, kit: Any) -> None:
    answers = _github_answers(sandbox, kit)
    problems = {name: extra_keys(data, github_sample(name)) for name, (_, data) in answers.items()}
    assert {name: p for name, p in problems.items() if p} == {}


def test_github_sends_the_headers_github_sends(sandbox: Sandbox, kit: Any) -> None:
    missing = {}
    for name, (headers, _) in _github_answers(sandbox, kit).items():
        wanted = set(GITHUB[name]["headers"]) & GITHUB_HEADERS
        missing[name] = sorted(wanted - headers.keys())
    assert {name: m for name, m in missing.items() if m} == {}
