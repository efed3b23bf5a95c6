"""Slack for the generated organisation: users, channels, war rooms, ``#incidents`` posts."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from opsaudit.sandbox.org_common import Ids, Person, Plan, Planted, minutes
from opsaudit.sandbox.org_people import Directory
from opsaudit.sandbox.org_slack_real import plant_real_slack
from opsaudit.sandbox.org_summaries import post_summaries
from opsaudit.sandbox.state import JSON, SlackWorld, slack_ts

CHATTER = (
    "Has anyone seen the dashboards for search latency today?",
    "Deploy of storefront 2026.11 is done, watching error rates.",
    "Reminder: open a war room within 15 minutes for any Sev1.",
    "Quick sync on the on-call handover at 16:00?",
    "Thanks all for the quick turnaround yesterday.",
)
WARROOM_LINES = (
    "Looking at the error-rate dashboard now.",
    "Recent deploy correlates, proposing rollback.",
    "Rollback started.",
    "Vendor status page is green.",
    "DB connections look saturated.",
    "Still investigating, no new findings.",
    "Error rate dropping after the rollback.",
    "Customer support reports fewer tickets.",
    "Scaling the worker pool.",
    "Checking pg_stat_activity for long locks.",
)


class Channel:
    """One conversation and its messages, as ``conversations.*`` return them."""

    def __init__(
        self,
        sw: SlackWorld,
        *,
        cid: str,
        name: str,
        created: datetime,
        creator: str,
        now: datetime,
        private: bool = False,
    ) -> None:
        self.now, self.seq = now, 0
        self.messages: list[JSON] = sw.messages.setdefault(cid, [])
        self.info: JSON = {
            "id": cid,
            "name": name,
            "name_normalized": name,
            "created": int(created.timestamp()),
            "creator": creator,
            "is_archived": False,
            "is_private": private,
            "is_channel": True,
            "is_group": False,
            "is_im": False,
            "is_mpim": False,
            "is_general": name == "general",
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "is_member": True,
            "unlinked": 0,
            "previous_names": [],
            "context_team_id": sw.team_id,
            "num_members": 0,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
        }
        sw.channels.append(self.info)
        self.team = sw.team_id

    def post(
        self,
        at: datetime,
        text: str,
        *,
        user: str | None = None,
        subtype: str | None = None,
        bot: tuple[str, str, str] | None = None,
        parent: JSON | None = None,
    ) -> JSON | None:
        """Add a message at ``at`` (nothing after ``now``: it has not been posted yet)."""
        if at > self.now:
            return None
        self.seq += 1
        msg: JSON = {"type": "message", "text": text, "ts": slack_ts(at, self.seq % 999_999 + 1)}
        if bot is not None:
            msg |= {"subtype": "bot_message", "bot_id": bot[1], "username": bot[2]}
        else:
            msg |= {"user": user, "team": self.team}
        if subtype is not None:
            msg["subtype"] = subtype
        if parent is not None:
            msg["thread_ts"] = parent["ts"]
            msg["parent_user_id"] = parent.get("user")
            parent["thread_ts"] = parent["ts"]
            parent["reply_count"] = parent.get("reply_count", 0) + 1
            users = parent.setdefault("reply_users", [])
            if user and user not in users:
                users.append(user)
            parent["reply_users_count"] = len(users)
            parent["latest_reply"] = msg["ts"]
        self.messages.append(msg)
        return msg

    def join(self, at: datetime, person: Person) -> None:
        """A ``channel_join`` notice (not a human message)."""
        self.post(
            at,
            f"<@{person.slack_id}> has joined the channel",
            user=person.slack_id,
            subtype="channel_join",
        )
        self.info["num_members"] += 1


def fill_slack(
    *,
    rng: random.Random,
    ids: Ids,
    d: Directory,
    plans: list[Plan],
    now: datetime,
    start: datetime,
    sw: SlackWorld,
) -> list[Planted]:
    """Users, the ``#incidents`` and ``#ops-compliance`` channels, war rooms, messages;
    then what real workspaces add (``org_slack_real``). The violations planted here."""
    _users(d, sw)
    founder = d.cto.slack_id
    old = start - timedelta(days=400)
    incidents = Channel(
        sw, cid=ids.make("C", 10), name="incidents", created=old, creator=founder, now=now
    )
    Channel(sw, cid=ids.make("C", 10), name="ops-compliance", created=old, creator=founder, now=now)
    general = Channel(
        sw, cid=ids.make("C", 10), name="general", created=old, creator=founder, now=now
    )
    deploys = Channel(
        sw, cid=ids.make("C", 10), name="deploys", created=old, creator=founder, now=now
    )
    chat_every = max(1, len(plans) // 40)
    for i, plan in enumerate(plans):
        if plan.sev == 1 and plan.kind in ("normal", "drill"):
            _warroom(rng, ids, d, plan, now, sw)
        elif plan.kind == "normal" and plan.sev == 2 and rng.random() < 0.1:
            _sparse_room(rng, ids, plan, now, sw)  # Sev2 rooms are optional: no cadence rule
        if plan.kind == "normal":
            post_summaries(rng=rng, plan=plan, channel=incidents)
        if i % chat_every == 0:
            at = plan.created + minutes(rng, 30, 300)
            person = rng.choice(d.oncall).slack_id
            general.post(at, rng.choice(CHATTER), user=person)
            incidents.post(at + minutes(rng, 1, 20), rng.choice(_CHATTY_INCIDENTS), user=person)
            deploys.post(at, "Deploy finished: storefront", bot=d.bots[2])
    return plant_real_slack(plans=plans, sw=sw, now=now)


_CHATTY_INCIDENTS = (
    "Who is writing the incident summary for the checkout blip?",
    "Reminder: every Sev1 needs an *Incident summary* here within 15 minutes.",
    "The incident summary template is pinned in this channel.",
    "Incident summary: nothing new since the morning, all green.",
)


def _users(d: Directory, sw: SlackWorld) -> None:
    for p in [*d.oncall, *d.managers, d.cto]:
        first, _, last = p.name.partition(" ")
        sw.users.append(
            {
                "id": p.slack_id,
                "team_id": sw.team_id,
                "name": p.handle,
                "deleted": False,
                "real_name": p.name,
                "tz": "Etc/UTC",
                "tz_offset": 0,
                "is_bot": False,
                "is_admin": p.title == "CTO",
                "is_app_user": False,
                "updated": 1700000000,
                "profile": {
                    "real_name": p.name,
                    "display_name": p.handle,
                    "email": p.email,
                    "first_name": first,
                    "last_name": last,
                    "title": p.title,
                    "team": sw.team_id,
                },
            }
        )
    for uid, bid, name in d.bots:
        sw.users.append(
            {
                "id": uid,
                "team_id": sw.team_id,
                "name": name.lower().replace(" ", "-"),
                "deleted": False,
                "real_name": name,
                "is_bot": True,
                "is_app_user": False,
                "updated": 1700000000,
                "profile": {
                    "real_name": name,
                    "display_name": "",
                    "bot_id": bid,
                    "api_app_id": "A" + bid[1:],
                    "team": sw.team_id,
                },
            }
        )


def _warroom(
    rng: random.Random, ids: Ids, d: Directory, plan: Plan, now: datetime, sw: SlackWorld
) -> None:
    t0 = plan.created
    end = min(plan.resolved or now, now)
    room_end = end - t0
    if plan.kind == "drill" and plan.variant % 2 == 0:
        return
    if plan.fault == "warroom.opened":
        if plan.variant % 2 == 0:
            _retro(rng, ids, plan, now, sw)
            return
        created = t0 + minutes(rng, 17, 30)
    elif rng.random() < 0.1:
        created = t0 - minutes(rng, 1, 3)  # opened before the page: meets the deadline
    else:
        created = t0 + minutes(rng, 1, min(8.0, room_end.total_seconds() / 60 - 3))
    if created > now:
        return
    cid = ids.make("C", 10)
    plan.warroom_id = cid
    room = Channel(
        sw,
        cid=cid,
        name=f"incident-{plan.number}",
        created=created,
        creator=plan.primary.slack_id,
        now=now,
        private=rng.random() < 0.2,
    )
    room.join(created, plan.primary)
    room.join(created + timedelta(seconds=rng.randint(20, 90)), plan.secondary)
    room.post(
        created + timedelta(seconds=rng.randint(5, 30)),
        f"Incident #{plan.number} triggered: {plan.title} {plan.url}",
        bot=d.bots[0],
    )
    crew = [plan.primary.slack_id, plan.secondary.slack_id]
    t = max(created, t0) + minutes(rng, 1, 5)
    big_gap = plan.fault == "warroom.cadence"
    top: JSON | None = None
    while t < end:
        parent = top if top is not None and rng.random() < 0.25 else None
        subtype = "thread_broadcast" if parent is not None and rng.random() < 0.2 else None
        msg = room.post(
            t, rng.choice(WARROOM_LINES), user=rng.choice(crew), parent=parent, subtype=subtype
        )
        if parent is None:
            top = msg
        if rng.random() < 0.3:  # bot noise never counts as an update
            room.post(t + minutes(rng, 1, 4), "Alert: error rate above threshold", bot=d.bots[1])
        t += minutes(rng, 18, 24) if big_gap else minutes(rng, 5, 12)
        big_gap = False
    if plan.resolved is not None:
        room.post(
            plan.resolved + minutes(rng, 1, 5),
            "Resolved. Post-mortem to follow.",
            user=plan.primary.slack_id,
        )
        closed = plan.resolved + timedelta(days=1)
        if rng.random() < 0.4 and closed <= now:
            room.post(closed, "", user=plan.primary.slack_id, subtype="channel_archive")
            room.info["is_archived"] = True
    if rng.random() < 0.3:
        _retro(rng, ids, plan, now, sw)


def _retro(rng: random.Random, ids: Ids, plan: Plan, now: datetime, sw: SlackWorld) -> None:
    """A decoy: ``incident-<n>-retro`` is not the war room."""
    created = (plan.resolved or now) + timedelta(days=rng.randint(1, 3))
    if created > now:
        return
    room = Channel(
        sw,
        cid=ids.make("C", 10),
        name=f"incident-{plan.number}-retro",
        created=created,
        creator=plan.primary.slack_id,
        now=now,
    )
    room.join(created, plan.primary)
    room.post(created + minutes(rng, 2, 30), "Retro notes go here.", user=plan.primary.slack_id)


def _sparse_room(rng: random.Random, ids: Ids, plan: Plan, now: datetime, sw: SlackWorld) -> None:
    created = plan.created + minutes(rng, 5, 40)
    if created > now:
        return
    room = Channel(
        sw,
        cid=ids.make("C", 10),
        name=f"incident-{plan.number}",
        created=created,
        creator=plan.primary.slack_id,
        now=now,
    )
    room.join(created, plan.primary)
    room.post(created + minutes(rng, 30, 50), "Looking into it.", user=plan.primary.slack_id)
