"""Small hand-built worlds and the real vendor clients pointed at a running sandbox."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pagerduty
import pytest
from github import Auth, Github
from slack_sdk import WebClient

from opsaudit.sandbox.server import Sandbox
from opsaudit.sandbox.state import GitCommit, RepoWorld, World, slack_ts

JSON = dict[str, Any]
T0 = datetime(2024, 3, 1, tzinfo=UTC)  # tests pass since/until around it explicitly
PD = "https://api.pagerduty.com"


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# -- PagerDuty -------------------------------------------------------------------------


def pd_ref(kind: str, object_id: str, summary: str) -> JSON:
    plural = {"escalation_policy": "escalation_policies"}.get(kind, kind + "s")
    return {
        "id": object_id,
        "type": f"{kind}_reference",
        "summary": summary,
        "self": f"{PD}/{plural}/{object_id}",
        "html_url": f"https://sandbox.pagerduty.com/{plural}/{object_id}",
    }


def pd_object(kind: str, object_id: str, name: str, **extra: Any) -> JSON:
    full = {**pd_ref(kind, object_id, name), "type": kind, "name": name}
    return {**full, **extra}


def add_pagerduty(world: World, *, incidents: int, start: datetime = T0) -> None:
    """Services, users, priorities and ``incidents`` incidents an hour apart from ``start``."""
    pd = world.pagerduty
    pd.users = [
        pd_object("user", f"PU{n}", f"User {n}", email=f"user{n}@example.com") for n in range(3)
    ]
    pd.teams = [pd_object("team", "PT1", "Core")]
    pd.escalation_policies = [
        pd_object(
            "escalation_policy", "PEP1", "Default", escalation_rules=[], services=[], teams=[]
        )
    ]
    pd.services = [
        pd_object(
            "service",
            f"PS{n}",
            f"Service {n}",
            status="active",
            escalation_policy=pd_ref("escalation_policy", "PEP1", "Default"),
            teams=[pd_ref("team", "PT1", "Core")],
        )
        for n in range(2)
    ]
    pd.priorities = [
        pd_object("priority", f"PP{n}", f"P{n}", description=f"Severity {n}") for n in range(1, 4)
    ]
    for n in range(1, incidents + 1):
        add_incident(world, number=n, created=start + timedelta(hours=n - 1))


def add_incident(world: World, *, number: int, created: datetime) -> JSON:
    """A resolved incident (every third one still triggered) with its log entries."""
    pd = world.pagerduty
    incident_id = f"PI{number:05d}"
    service, user = pd.services[number % 2], pd.users[number % 3]
    resolved = number % 3 != 0
    ref = pd_ref("incident", incident_id, f"[#{number}] Outage {number}")
    trigger_id = f"PL{number:05d}T"
    incident = {
        **ref,
        "type": "incident",
        "incident_number": number,
        "title": f"Outage {number}",
        "created_at": iso(created),
        "updated_at": iso(created + timedelta(minutes=30)),
        "last_status_change_at": iso(created + timedelta(minutes=30)),
        "resolved_at": iso(created + timedelta(minutes=30)) if resolved else None,
        "status": "resolved" if resolved else "triggered",
        "urgency": "high" if number % 2 else "low",
        "incident_key": f"key-{number}",
        "service": pd_ref("service", service["id"], service["name"]),
        "escalation_policy": pd_ref("escalation_policy", "PEP1", "Default"),
        "teams": [pd_ref("team", "PT1", "Core")],
        "priority": dict(pd.priorities[number % 3]),
        "assignments": []
        if resolved
        else [{"at": iso(created), "assignee": pd_ref("user", user["id"], user["name"])}],
        "acknowledgements": [],
        "first_trigger_log_entry": pd_ref("trigger_log_entry", trigger_id, "Triggered"),
    }
    pd.incidents.append(incident)
    kinds = ["trigger", "notify"] + (["acknowledge", "resolve"] if resolved else [])
    for k, kind in enumerate(kinds):
        entry_id = trigger_id if kind == "trigger" else f"PL{number:05d}{kind[0].upper()}"
        pd.log_entries.append(
            {
                **pd_ref(f"{kind}_log_entry", entry_id, kind.title()),
                "type": f"{kind}_log_entry",
                "created_at": iso(created + timedelta(minutes=10 * k)),
                "agent": pd_ref("user", user["id"], user["name"]),
                "channel": {"type": "web_trigger" if kind == "trigger" else "website"},
                "service": pd_ref("service", service["id"], service["name"]),
                "incident": ref,
                "teams": [pd_ref("team", "PT1", "Core")],
            }
        )
    return incident


# -- Slack -----------------------------------------------------------------------------


def slack_user(user_id: str, name: str, *, bot: bool = False) -> JSON:
    profile: JSON = {
        "real_name": name.title(),
        "display_name": name,
        "email": f"{name}@example.com",
    }
    if bot:
        profile |= {"bot_id": "B0BOT", "api_app_id": "A0APP"}
        del profile["email"]
    return {
        "id": user_id,
        "team_id": "T0SANDBOX",
        "name": name,
        "deleted": False,
        "real_name": name.title(),
        "is_bot": bot,
        "is_admin": False,
        "profile": profile,
        "updated": 1_700_000_000,
    }


def slack_channel(
    channel_id: str, name: str, *, private: bool = False, archived: bool = False
) -> JSON:
    return {
        "id": channel_id,
        "name": name,
        "name_normalized": name,
        "is_channel": not private,
        "is_group": private,
        "is_im": False,
        "is_mpim": False,
        "is_private": private,
        "is_archived": archived,
        "is_general": False,
        "created": int(T0.timestamp()),
        "creator": "U1",
        "is_member": True,
        "num_members": 3,
        "topic": {"value": "", "creator": "", "last_set": 0},
        "purpose": {"value": f"#{name}", "creator": "U1", "last_set": 0},
    }


def add_slack(world: World, *, channels: int, messages: int) -> None:
    """Users, channels (the last one archived) and a channel of ``messages`` top-level
    posts a minute apart, every fifth with a two-reply thread."""
    slack = world.slack
    slack.users = [slack_user(f"U{n}", f"person{n}") for n in range(1, 6)]
    slack.users.append(slack_user("UBOT", "opsaudit", bot=True))
    slack.channels = [
        slack_channel(f"C{n:03d}", f"inc-{n}", private=n % 4 == 0) for n in range(1, channels + 1)
    ]
    slack.channels[-1]["is_archived"] = True
    history: list[JSON] = []
    for n in range(messages):
        ts = slack_ts(T0 + timedelta(minutes=n))
        message: JSON = {
            "type": "message",
            "user": f"U{n % 5 + 1}",
            "text": f"update {n}",
            "ts": ts,
            "team": "T0SANDBOX",
        }
        history.append(message)
        if n % 5 == 0:
            replies = [slack_ts(T0 + timedelta(minutes=n, seconds=s)) for s in (10, 20)]
            message.update(
                {
                    "thread_ts": ts,
                    "reply_count": 2,
                    "reply_users": ["U2"],
                    "reply_users_count": 1,
                    "latest_reply": replies[-1],
                }
            )
            history.extend(
                {
                    "type": "message",
                    "user": "U2",
                    "text": f"reply {r}",
                    "ts": r,
                    "thread_ts": ts,
                    "parent_user_id": message["user"],
                }
                for r in replies
            )
    slack.messages["C001"] = history


# -- GitHub ----------------------------------------------------------------------------


def add_github(world: World, *, commits: int) -> RepoWorld:
    """acme/postmortems: a README, then one post-mortem per commit, a day apart."""
    repo = RepoWorld(full_name="acme/postmortems", created_at=T0)
    repo.commits.append(
        GitCommit(
            sha=f"{0:040x}",
            committed_at=T0,
            message="init",
            changes={"README.md": "# Post-mortems\n"},
        )
    )
    for n in range(1, commits):
        repo.commits.append(
            GitCommit(
                sha=f"{n:040x}",
                committed_at=T0 + timedelta(days=n),
                message=f"pm {n}",
                changes={f"postmortems/2024/pm-{n}.md": f"# PM {n}\n\nRoot cause {n}\n"},
            )
        )
    world.github.repos[repo.full_name] = repo
    return repo


def build_world(
    *, incidents: int = 30, channels: int = 5, messages: int = 40, commits: int = 12
) -> World:
    world = World()
    add_pagerduty(world, incidents=incidents)
    add_slack(world, channels=channels, messages=messages)
    add_github(world, commits=commits)
    return world


# -- fixtures --------------------------------------------------------------------------


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def sandbox(world: World) -> Iterator[Sandbox]:
    with Sandbox(world) as sb:
        yield sb


class Kit:
    """The real clients, pointed at a sandbox and trusting its CA (closed at teardown).

    A fixture rather than importable helpers: test modules cannot import a conftest safely.
    """

    def __init__(self, sb: Sandbox) -> None:
        self.sb = sb
        self.tokens = sb.world.tokens
        self.opened: list[Any] = []
        self.add_incident = add_incident
        self.iso = iso

    def close(self) -> None:
        for client in self.opened:
            client.close()

    def trust(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.sb.ca_file))

    def pd(self, token: str | None = None) -> pagerduty.RestApiV2Client:
        client = pagerduty.RestApiV2Client(
            token or self.tokens.pagerduty, base_url=self.sb.pagerduty_url, verify=self.trust()
        )
        client.sleep_timer = 0.01  # its backoff on 429 and 5xx, in seconds
        self.opened.append(client)
        return client

    def slack(self, token: str | None = None) -> WebClient:
        return WebClient(
            token=token or self.tokens.slack, base_url=self.sb.slack_url, ssl=self.trust()
        )

    def github(self, *, token: str | None = None, **options: Any) -> Github:
        client = Github(
            base_url=self.sb.github_url,
            auth=Auth.Token(token or self.tokens.github),
            verify=str(self.sb.ca_file),
            seconds_between_requests=None,
            **{"retry": None, **options},
        )
        self.opened.append(client)
        return client


@pytest.fixture
def kit(sandbox: Sandbox) -> Iterator[Kit]:
    tools = Kit(sandbox)
    yield tools
    tools.close()


@pytest.fixture
def kit_for() -> Iterator[Callable[[Sandbox], Kit]]:
    """Clients for a sandbox a test starts itself."""
    made: list[Kit] = []

    def make(sb: Sandbox) -> Kit:
        made.append(Kit(sb))
        return made[-1]

    yield make
    for tools in made:
        tools.close()
