"""A small builder of Slack worlds for the Slack source's tests.

Channels and messages are stored as the Web API returns them (``conversations.list``
channel objects; ``conversations.history`` messages with ``thread_ts``, ``reply_count``,
``latest_reply`` on thread parents), see /work/shared/vendor/slack/.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from netutil import free_port  # noqa: F401  (re-exported for the tests)
from opsaudit.records import ChatBatch
from opsaudit.sandbox.server import Sandbox
from opsaudit.sandbox.state import World, slack_ts
from opsaudit.sources.base import Cursor, Deadline, Endpoint, RequestCounter, RetryPolicy
from opsaudit.sources.slack import WarRoomScope, fetch_slack, ts_datetime

# Yesterday, on the hour: the sandbox, like Slack, hides messages dated after the real now.
NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=1)
SINCE = NOW - timedelta(days=30)
# War-room bodies must never leave the source: every war-room message carries this.
SENTINEL = "SENTINEL-war-room-body-7f3a"


class SlackWorldBuilder:
    """Adds channels and messages to ``world.slack``; returns ids and ts for assertions."""

    def __init__(self, world: World | None = None) -> None:
        self.world = world if world is not None else World()
        self._seq = 0

    @property
    def slack(self) -> Any:
        return self.world.slack

    def channel(
        self,
        name: str,
        *,
        created: datetime,
        private: bool = False,
        archived: bool = False,
    ) -> str:
        """A channel (public by default); returns its id."""
        channel_id = f"C{len(self.slack.channels) + 1:08d}"
        self.slack.channels.append(
            {
                "id": channel_id,
                "name": name,
                "name_normalized": name,
                "created": int(created.timestamp()),
                "creator": "U00000001",
                "is_channel": not private,
                "is_group": private,
                "is_im": False,
                "is_mpim": False,
                "is_private": private,
                "is_archived": archived,
                "is_general": False,
                "is_member": True,
                "topic": {"value": "", "creator": "", "last_set": 0},
                "purpose": {"value": "", "creator": "", "last_set": 0},
                "num_members": 3,
            }
        )
        self.slack.messages.setdefault(channel_id, [])
        return channel_id

    def archive(self, channel_id: str) -> None:
        with self.world.lock:
            next(c for c in self.slack.channels if c["id"] == channel_id)["is_archived"] = True

    def message(
        self,
        channel_id: str,
        *,
        at: datetime,
        text: str = "",
        user: str | None = "U00000002",
        subtype: str | None = None,
        bot: tuple[str, str] | None = None,  # (bot_id, bot name)
        thread_ts: str | None = None,  # the parent's ts, for a reply
    ) -> str:
        """A message (a thread reply when ``thread_ts`` is given); returns its ts."""
        self._seq += 1
        ts = slack_ts(at, self._seq)
        message: dict[str, Any] = {"type": "message", "ts": ts, "text": text}
        if user is not None:
            message["user"] = user
        if subtype is not None:
            message["subtype"] = subtype
        if bot is not None:
            message["bot_id"] = bot[0]
            message["username"] = bot[1]
            message["bot_profile"] = {"id": bot[0], "name": bot[1], "app_id": "A00000001"}
        with self.world.lock:
            messages = self.slack.messages.setdefault(channel_id, [])
            if thread_ts is not None:
                message["thread_ts"] = thread_ts
                if user is not None:
                    message["parent_user_id"] = "U00000002"
                parent = next(m for m in messages if m["ts"] == thread_ts)
                parent["thread_ts"] = thread_ts
                parent["reply_count"] = int(parent.get("reply_count", 0)) + 1
                parent["reply_users"] = sorted({*parent.get("reply_users", []), user or ""})
                parent["reply_users_count"] = len(parent["reply_users"])
                parent["latest_reply"] = max(
                    ts, parent.get("latest_reply", ts), key=lambda t: float(t)
                )
            messages.append(message)
        return ts


def summary_text(room: str, *, heading: str = "*Incident summary*") -> str:
    """A post in the runbook's communications template (fields are not checked here)."""
    return (
        f"{heading}\n*What:* Checkout errors in #{room}\n*When:* 2026-11-10 10:00 UTC\n"
        "*Status:* investigating\n*Service(s):* Checkout API\n*Brand(s):* shop\n"
        "*Latest update:* 10:05 UTC\nRolling back.\n*Next update by:* 10:35 UTC"
    )


PAGE = 3  # small pages, so every read spans several
FAST = RetryPolicy(attempts=4, backoff=0.0)
PD_BOT = ("B00000PD", "PagerDuty")


@dataclass
class Org:
    """A small workspace: three war rooms, a decoy, #incidents and filler channels."""

    b: SlackWorldBuilder
    ids: dict[str, str] = field(default_factory=dict)  # channel name -> id
    summaries: list[str] = field(default_factory=list)  # ts of the expected summary posts
    young_thread: str = ""  # ts of a #incidents thread parent younger than 7 days

    @property
    def world(self) -> World:
        return self.b.world

    def ts_in(self, name: str, *, after: datetime = SINCE) -> set[str]:
        """Every message ts of a channel posted at or after ``after``."""
        channel = self.world.slack.messages[self.ids[name]]
        return {m["ts"] for m in channel if ts_datetime(m["ts"]) >= after}


def _war_room(b: SlackWorldBuilder, name: str, *, created: datetime, **kwargs: Any) -> str:
    room = b.channel(name, created=created, **kwargs)
    at = created + timedelta(minutes=1)
    b.message(room, at=at, subtype="channel_join", text=f"<@U00000002> has joined {SENTINEL}")
    b.message(room, at=at + timedelta(minutes=1), user=None, bot=PD_BOT, text=f"Paged {SENTINEL}")
    parent = b.message(room, at=at + timedelta(minutes=2), text=f"Looking {SENTINEL}")
    for n in range(4):  # more replies than a page holds
        b.message(room, at=at + timedelta(minutes=3 + n), text=f"r{n} {SENTINEL}", thread_ts=parent)
    for n in range(3):
        b.message(room, at=at + timedelta(minutes=10 + n), text=f"update {n} {SENTINEL}")
    return room


def build_org() -> Org:
    org = Org(SlackWorldBuilder())
    b, ids = org.b, org.ids
    ids["incident-12"] = _war_room(b, "incident-12", created=NOW - timedelta(days=20))
    b.archive(ids["incident-12"])
    ids["incident-12-retro"] = _war_room(b, "incident-12-retro", created=NOW - timedelta(days=18))
    ids["incident-34"] = _war_room(b, "incident-34", created=NOW - timedelta(days=2), private=True)
    ids["incident-56"] = _war_room(b, "incident-56", created=NOW - timedelta(days=3))
    for name in ("general", "random", "eng-payments", "eng-search", "ops-compliance"):
        ids[name] = b.channel(name, created=NOW - timedelta(days=400))
        b.message(ids[name], at=NOW - timedelta(days=5), text="hello")

    inc = ids["incidents"] = b.channel("incidents", created=NOW - timedelta(days=400))
    b.message(inc, at=SINCE - timedelta(days=1), text=summary_text("incident-1"))  # before since
    old = b.message(inc, at=NOW - timedelta(days=10), text=summary_text("incident-12"))
    b.message(inc, at=NOW - timedelta(days=9), text="Resolved, thanks all", thread_ts=old)
    b.message(inc, at=NOW - timedelta(days=4), text="We will post an incident summary soon.")
    young = b.message(
        inc,
        at=NOW - timedelta(days=2),
        text=summary_text("incident-34", heading="**Incident summary**"),
    )
    update = b.message(
        inc,
        at=NOW - timedelta(days=2, minutes=-30),
        thread_ts=young,
        text=summary_text("incident-34", heading="_Incident summary_"),
    )
    b.message(
        inc,
        at=NOW - timedelta(days=1),
        user=None,
        bot=("B00000SP", "Statuspage"),
        subtype="bot_message",
        text="Statuspage: investigating",
    )
    plain = b.message(
        inc,
        at=NOW - timedelta(hours=20),
        text=summary_text("incident-56", heading="Incident summary"),
    )
    org.summaries = [old, young, update, plain]
    org.young_thread = young
    return org


SCOPE = WarRoomScope(
    keys={"12": NOW - timedelta(days=19), "34": None, "56": NOW - timedelta(days=1)}
)


def endpoint(sb: Sandbox, token: str | None = None) -> Endpoint:
    return Endpoint(api_url=sb.slack_url, token=token or sb.world.tokens.slack, ca_file=sb.ca_file)


def sync(
    sb: Sandbox,
    *,
    cursor: Cursor | None = None,
    now: datetime = NOW,
    scope: WarRoomScope = SCOPE,
    counter: RequestCounter | None = None,
    retry: RetryPolicy = FAST,
    page_size: int = PAGE,
    join: bool = True,
    said: list[str] | None = None,
) -> tuple[ChatBatch, Cursor]:
    """One sync of the test workspace (small pages by default, so every read spans several);
    its progress lines go to ``said``."""
    deadline = Deadline(source="slack", progress=(said if said is not None else []).append)
    return fetch_slack(
        endpoint=replace(endpoint(sb), deadline=deadline),
        incidents_channel="incidents",
        war_rooms=scope,
        cursor=cursor,
        now=now,
        since=SINCE,
        counter=counter,
        retry=retry,
        page_size=page_size,
        join_channels=join,
    )


def sync_saying(
    sb: Sandbox, *, join: bool = True, page_size: int = PAGE
) -> tuple[ChatBatch, Cursor, RequestCounter, list[str]]:
    """A full sync that also returns its request count and its progress lines."""
    said: list[str] = []
    counter = RequestCounter()
    batch, cursor = sync(sb, counter=counter, page_size=page_size, join=join, said=said)
    return batch, cursor, counter, said


def by_channel(batch: ChatBatch) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for m in batch.messages:
        found.setdefault(m.channel_id, set()).add(m.ts)
    return found
