"""What real Slack workspaces add to the generated organisation, each with its result.

No draw of the generator's random stream is made here (the cases are picked by
position), so the rest of the world is the same with or without them.

- **Access** (in organisations with at least :data:`ACCESS_MIN_ROOMS` Sev1 war rooms
  free of war-room faults): the first such room is private and the bot is not in it,
  so it is invisible: a planted ``warroom.opened`` violation; the second is public,
  archived, and the bot was never in it, so it cannot be joined: ``warroom.opened``
  from its creation (a pass) and ``warroom.cadence`` unknown; the third is public and
  the bot is not in it: the source joins it and the results are as usual.
- **Subtypes**: every war room hears Slack's own messages besides its people (pins,
  reminders, Slackbot, huddles, bots added, a private room's conversion, and a
  tombstone where a message with replies was deleted); none is a human message. In a
  room with a planted ``warroom.cadence`` gap, some of them fall inside the gap: read as
  human messages, they would hide it.
- **Edits**: some human messages carry ``edited: {user, ts}``, as an edit leaves them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

from opsaudit.sandbox.org_common import Plan, Planted
from opsaudit.sandbox.state import JSON, SlackWorld, slack_ts

ACCESS_MIN_ROOMS = 3
SLACKBOT = "USLACKBOT"


def plant_real_slack(*, plans: list[Plan], sw: SlackWorld, now: datetime) -> list[Planted]:
    """Apply the cases above to the generated war rooms; the violations planted."""
    rooms = {c["id"]: c for c in sw.channels}
    planted: list[Planted] = []
    with_room = [p for p in plans if p.warroom_id is not None and p.kind == "normal"]
    for n, plan in enumerate(with_room):
        assert plan.warroom_id is not None
        messages = sw.messages[plan.warroom_id]
        _system_messages(plan, rooms[plan.warroom_id], messages, now)
        if n % 3 == 0:
            _edit_one(messages)
    free = [
        p
        for p in with_room
        if p.resolved is not None
        and p.resolved + timedelta(days=1) <= now
        and not (p.fault or "").startswith("warroom.")
    ]
    if len(free) < ACCESS_MIN_ROOMS:
        return planted
    invisible, unjoinable, joinable = (rooms[str(p.warroom_id)] for p in free[:3])
    invisible |= {"is_private": True, "is_member": False}
    unjoinable |= {"is_private": False, "is_archived": True, "is_member": False}
    joinable |= {"is_private": False, "is_archived": False, "is_member": False}
    note = f"#{free[0].number}: its private war room is invisible to the bot (not a member)"
    planted.append(Planted("warroom.opened", free[0].id, note))
    return planted


def _system_messages(plan: Plan, room: JSON, messages: list[JSON], now: datetime) -> None:
    """Slack's own messages in a war room, at moments that matter for its cadence."""
    humans = sorted(
        (m for m in messages if "subtype" not in m and m.get("user") and "bot_id" not in m),
        key=lambda m: float(m["ts"]),
    )
    if not humans:
        return
    first = _at(humans[0])
    # inside the widest stretch between two human messages: a planted gap if there is one
    pairs = list(pairwise(humans))
    start, end = (
        max(((_at(a), _at(b)) for a, b in pairs), key=lambda p: p[1] - p[0])
        if pairs
        else (first, first + timedelta(minutes=4))
    )
    step = (end - start) / 8
    user = humans[0]["user"]
    notes = [
        ("pinned_item", user, f"<@{user}> pinned a message to this channel."),
        ("reminder_add", user, f"<@{user}> set up a reminder in 10 minutes."),
        (None, SLACKBOT, "Reminder: post an update in the war room."),
        ("huddle_thread", user, ""),
        ("bot_add", user, f"<@{user}> added an integration to this channel: Statuspage"),
    ]
    for k, (subtype, who, text) in enumerate(notes, start=1):
        _add(messages, start + step * k, who, text, subtype, seq=900 + k, now=now)
    deleted = _add(
        messages, start + step * 6, SLACKBOT, "This message was deleted.", "tombstone", 906, now
    )
    if deleted is not None:  # a deleted message whose replies live on: a tombstone
        deleted |= {"hidden": True, "thread_ts": deleted["ts"], "reply_count": 0}
    if room.get("is_private"):
        text = f"<@{user}> made this channel private."
        converted = "channel_convert_to_private"
        _add(messages, first + timedelta(seconds=1), user, text, converted, 907, now)


def _add(
    messages: list[JSON],
    at: datetime,
    user: str,
    text: str,
    subtype: str | None,
    seq: int,
    now: datetime,
) -> JSON | None:
    if at > now:
        return None
    message: JSON = {"type": "message", "user": user, "text": text, "ts": slack_ts(at, seq)}
    if subtype is not None:
        message["subtype"] = subtype
    messages.append(message)
    return message


def _edit_one(messages: list[JSON]) -> None:
    person = next((m for m in messages if "subtype" not in m and "bot_id" not in m), None)
    if person is not None and person.get("user") != SLACKBOT:
        edited = slack_ts(_at(person) + timedelta(minutes=1), 1)
        person["edited"] = {"user": person.get("user"), "ts": edited}


def _at(message: JSON) -> datetime:
    return datetime.fromtimestamp(int(str(message["ts"]).partition(".")[0]), tz=UTC)
