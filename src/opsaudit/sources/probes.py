"""``opsaudit check-config``'s calls: one or two cheap requests per source, through the
same clients (TLS context, CA file, deadline) a sync uses, each turned into findings a
user can act on: what works, and what to fix."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from opsaudit.sources.base import Deadline, Endpoint, RequestCounter, RetryPolicy, SourceError

if TYPE_CHECKING:
    from opsaudit.config import Config
    from opsaudit.sources.slack_post import SlackPoster

PROBE_TIME = timedelta(seconds=30)  # all of one source's probe, its retries included
PROBE_RETRY = RetryPolicy(attempts=2, backoff=0.5, max_wait=5.0)
# the bot token scopes the Slack source and the digest need, and what for
SLACK_SCOPES = {
    "channels:read": "list public channels",
    "groups:read": "list private war rooms",
    "channels:history": "read public channels",
    "groups:history": "read private war rooms",
    "channels:join": "join public war rooms (sources.slack.join_channels)",
    "users:read": "look users up",
    "users:read.email": "mention owners by e-mail in the digest",
    "chat:write": "post the digest",
    "files:write": "upload the report (report --publish)",
}


@dataclass(frozen=True)
class Finding:
    """One line of check-config: ``ok`` or not, and what works or what to fix."""

    source: str
    ok: bool
    text: str


Probe = Callable[["Config", Endpoint], list[Finding]]


def probe(name: str, config: Config, token: str) -> list[Finding]:
    """The findings for source ``name`` of ``config``, tried with ``token``."""
    section = config.sources.section(name)
    assert section is not None
    seconds = min(PROBE_TIME, section.timeout).total_seconds()
    endpoint = Endpoint(
        api_url=section.api_url,
        token=token,
        ca_file=section.ca_file,
        deadline=Deadline(source=name, seconds=seconds, key="check-config"),
    )
    try:
        return PROBES[name](config, endpoint)
    except SourceError as exc:
        message = exc.message
        if "not trusted" in message:  # names the host and the CA file already
            message += f": is ca_file the CA that signed {section.api_url}?"
        return [Finding(name, False, message)]


def _refused(source: str, detail: str, fix: str) -> list[Finding]:
    return [Finding(source, False, f"token refused ({detail}): {fix}")]


def _pagerduty(config: Config, endpoint: Endpoint) -> list[Finding]:
    import pagerduty

    from opsaudit.sources.pagerduty_client import AuditClient, describe

    client = AuditClient(
        endpoint=endpoint, retry=PROBE_RETRY, counter=RequestCounter(), page_size=1
    )
    try:
        with client:
            response = client.get("/incidents", params={"limit": 1, "total": "true"})
    except pagerduty.Error as exc:
        endpoint.deadline.check()
        raise SourceError("pagerduty", f"{endpoint.api_url}: {describe(exc)}") from None
    except SourceError as exc:
        if "HTTP 401" not in exc.message and "HTTP 403" not in exc.message:
            raise
        fix = "set PAGERDUTY_API_TOKEN to a REST API key of the account (read-only is enough)"
        return _refused("pagerduty", exc.message, fix)
    if not response.is_success:
        return [Finding("pagerduty", False, f"GET /incidents: HTTP {response.status_code}")]
    total = response.json().get("total")
    listed = f"{total} incidents of the last 30 days" if isinstance(total, int) else "incidents"
    return [Finding("pagerduty", True, f"token accepted: GET /incidents lists {listed}")]


def _slack(config: Config, endpoint: Endpoint) -> list[Finding]:
    from opsaudit.sources.slack_post import SlackPoster

    api = SlackPoster(endpoint=endpoint, retry=PROBE_RETRY)
    try:
        me = api.call("auth.test")
    except SourceError as exc:
        if not any(code in exc.message for code in ("invalid_auth", "not_authed", "token_")):
            raise
        return _refused("slack", exc.message, "set SLACK_BOT_TOKEN to the app's bot token (xoxb-)")
    found = [Finding("slack", True, f"token accepted: bot @{me.get('user')} of {me.get('url')}")]
    joins = bool(getattr(config.sources.section("slack"), "join_channels", True))
    wanted = [s for s in SLACK_SCOPES if joins or s != "channels:join"]
    found += _slack_scopes(api.last_headers, wanted)
    try:
        found.append(_incidents_channel(api, config))
    except SourceError as exc:  # a missing scope, say: the other findings still stand
        found.append(Finding("slack", False, f"incidents channel: {exc.message}"))
    try:  # found the way the digest finds it
        digest = config.digest.channel.removeprefix("#")
        found.append(
            Finding("slack", True, f"digest channel #{digest} found ({api.channel_id(digest)})")
        )
    except SourceError as exc:
        found.append(Finding("slack", False, exc.message))
    return found


def _incidents_channel(api: SlackPoster, config: Config) -> Finding:
    """The incidents channel, among the channels the sync lists (public and private)."""
    name = str(getattr(config.sources.section("slack"), "incidents_channel", "incidents"))
    name = name.removeprefix("#")
    listed = api.pages(
        "conversations.list",
        "channels",
        types="public_channel,private_channel",
        exclude_archived="true",
        limit=1000,
    )
    channel = next((c for c in listed if name in (c.get("name"), c.get("id"))), None)
    if channel is None:
        return Finding(
            "slack",
            False,
            f"incidents channel #{name} not found (a private channel is seen only when the "
            "bot is in it): check sources.slack.incidents_channel",
        )
    text = f"incidents channel #{channel.get('name')} found ({channel.get('id')})"
    if channel.get("is_member") is False:
        text += f"; the bot is not in it: invite it (/invite @bot in #{channel.get('name')})"
    return Finding("slack", True, text)


def _slack_scopes(headers: dict[str, Any], wanted: list[str]) -> list[Finding]:
    """What the ``x-oauth-scopes`` header (the token's scopes) lacks."""
    header = next((v for k, v in headers.items() if k.lower() == "x-oauth-scopes"), None)
    if header is None:
        return [Finding("slack", True, "scopes not reported (no x-oauth-scopes): not checked")]
    have = {s.strip() for s in str(header).split(",")}
    missing = [s for s in wanted if s not in have]
    if not missing:
        return [Finding("slack", True, f"scopes: the {len(wanted)} needed are granted")]
    return [
        Finding(
            "slack",
            False,
            f"scope {scope} missing (to {SLACK_SCOPES[scope]}): add it to the app's "
            "bot token scopes, then reinstall the app",
        )
        for scope in missing
    ]


def _github(config: Config, endpoint: Endpoint) -> list[Finding]:
    from github.GithubException import BadCredentialsException, UnknownObjectException

    from opsaudit.sources.github_client import Calls, make_client

    section = config.sources.section("github")
    repo_name, folder = str(getattr(section, "repo", "")), str(getattr(section, "path", ""))
    calls = Calls(token=endpoint.token, deadline=endpoint.deadline)
    client = make_client(endpoint=endpoint, retry=PROBE_RETRY, page_size=1)
    try:
        with calls.call(f"GET /repos/{repo_name}"):
            try:
                repo = client.get_repo(repo_name)  # lazy: read when asked
                branch = repo.default_branch  # GET /repos/{owner}/{repo}
            except BadCredentialsException as exc:
                fix = f"set GITHUB_TOKEN to a token that can read {repo_name}"
                return _refused("github", f"bad credentials, HTTP {exc.status}", fix)
            except UnknownObjectException:
                return [Finding("github", False, f"repository {repo_name} {_NO_REPO}")]
        with calls.call("GET /rate_limit"):
            rate = client.get_rate_limit().resources.core
        found = [
            Finding(
                "github",
                True,
                f"token accepted: repository {repo.full_name} found (rate limit: "
                f"{rate.remaining} of {rate.limit} requests left this hour)",
            )
        ]
        with calls.call(f"GET /repos/{repo_name}/contents/{folder}"):
            try:
                contents = repo.get_contents(folder, ref=branch)
            except UnknownObjectException:
                where = f"folder {folder} not found on {branch}"
                return [*found, Finding("github", False, f"{where}: check sources.github.path")]
    finally:
        client.close()
    if not isinstance(contents, list):
        text = f"{folder} is a file, not a folder: check sources.github.path"
        return [*found, Finding("github", False, text)]
    return [*found, Finding("github", True, f"folder {folder} found ({len(contents)} entries)")]


_NO_REPO = (
    "not found (HTTP 404): check sources.github.repo, and that the token can read it "
    "(GitHub answers 404 for a private repository a token cannot see)"
)

PROBES: dict[str, Probe] = {"pagerduty": _pagerduty, "slack": _slack, "github": _github}
