"""``chat.postMessage`` (with Slack's Block Kit limits) and ``chat.getPermalink``.

Called by :mod:`opsaudit.sandbox.slack_api` with ``world.lock`` held; a post appends to
``world.slack.messages`` and updates the thread parent as Slack would.
"""

from __future__ import annotations

import json
import time
from typing import Any

from opsaudit.sandbox.slack_index import SlackError, SlackIndex, TsKey, ts_key
from opsaudit.sandbox.state import JSON, World

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_BLOCK_ID = 255
MAX_TEXT = 40_000


def post_message(world: World, index: SlackIndex, params: dict[str, str]) -> JSON:
    """Append a message (or thread reply) and answer as ``chat.postMessage`` does."""
    channel = _find_channel(world, params.get("channel", ""))
    if channel is None:
        raise SlackError("channel_not_found")
    if channel.get("is_archived"):
        raise SlackError("is_archived")
    text = params.get("text") or ""
    blocks = _blocks(params.get("blocks"))
    if not text and not blocks:
        raise SlackError("no_text")
    if len(text) > MAX_TEXT:
        raise SlackError("msg_too_long")
    if blocks is not None:
        problems = block_problems(blocks)
        if problems:
            raise SlackError(
                "invalid_blocks",
                errors=problems,
                response_metadata={"messages": [f"[ERROR] {p}" for p in problems]},
            )
    channel_index = index.channel(world.slack.messages, channel["id"])
    parent = None
    if params.get("thread_ts"):
        parent = channel_index.by_ts.get(params["thread_ts"])
        # a reply's ts is no thread: Slack wants the parent's
        if parent is None or parent.get("thread_ts") not in (None, parent["ts"]):
            raise SlackError("thread_not_found")
    bot = next((u for u in world.slack.users if u.get("is_bot")), {})
    user_id = str(bot.get("id", "U0OPSAUDIT"))
    message: JSON = {
        "type": "message",
        "user": user_id,
        "bot_id": bot.get("profile", {}).get("bot_id", "B0OPSAUDIT"),
        "app_id": bot.get("profile", {}).get("api_app_id", "A0OPSAUDIT"),
        "text": text,
        "team": world.slack.team_id,
        "ts": _new_ts(channel_index.last_key),
    }
    if blocks is not None:
        message["blocks"] = blocks
    if parent is not None:
        message["thread_ts"] = parent["ts"]
        message["parent_user_id"] = parent.get("user", "")
        if params.get("reply_broadcast") in ("1", "true", "True"):
            message["subtype"] = "thread_broadcast"
        _add_reply(parent, message)
    world.slack.messages.setdefault(channel["id"], []).append(message)
    return {"channel": channel["id"], "ts": message["ts"], "message": message}


def get_permalink(world: World, index: SlackIndex, params: dict[str, str]) -> JSON:
    """``https://<domain>.slack.com/archives/<C>/p<ts digits>`` (threads add ``thread_ts``)."""
    channel = _find_channel(world, params.get("channel", ""))
    if channel is None:
        raise SlackError("channel_not_found")
    message = index.channel(world.slack.messages, channel["id"]).by_ts.get(
        params.get("message_ts", "")
    )
    if message is None:
        raise SlackError("message_not_found")
    link = (
        f"https://{world.slack.team_domain}.slack.com/archives/{channel['id']}"
        f"/p{message['ts'].replace('.', '')}"
    )
    thread_ts = message.get("thread_ts")
    if thread_ts and thread_ts != message["ts"]:
        link += f"?thread_ts={thread_ts}&cid={channel['id']}"
    return {"channel": channel["id"], "permalink": link}


def block_problems(blocks: Any) -> list[str]:
    """What Slack would refuse in these blocks, as its ``errors`` list words it."""
    if not isinstance(blocks, list):
        return ["must be an array [json-pointer:/blocks]"]
    problems = []
    if len(blocks) > MAX_BLOCKS:
        problems.append(f"no more than {MAX_BLOCKS} items allowed [json-pointer:/blocks]")
    for n, block in enumerate(blocks):
        where = f"[json-pointer:/blocks/{n}"
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            problems.append(f"missing required field: type {where}]")
            continue
        if len(str(block.get("block_id", ""))) > MAX_BLOCK_ID:
            problems.append(f"must be less than {MAX_BLOCK_ID + 1} characters {where}/block_id]")
        if block["type"] != "section":
            continue
        text = block.get("text")
        if isinstance(text, dict) and len(str(text.get("text", ""))) > MAX_SECTION_TEXT:
            problems.append(f"must be less than {MAX_SECTION_TEXT + 1} characters {where}/text]")
        fields = block.get("fields") or []
        if len(fields) > MAX_FIELDS:
            problems.append(f"no more than {MAX_FIELDS} items allowed {where}/fields]")
        for m, item in enumerate(fields):
            if isinstance(item, dict) and len(str(item.get("text", ""))) > MAX_FIELD_TEXT:
                problems.append(
                    f"must be less than {MAX_FIELD_TEXT + 1} characters {where}/fields/{m}/text]"
                )
    return problems


def _blocks(raw: str | None) -> Any:
    if raw is None or raw == "":
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise SlackError("invalid_blocks_format") from None


def _find_channel(world: World, channel: str) -> JSON | None:
    name = channel.removeprefix("#")
    for candidate in world.slack.channels:
        if candidate["id"] == channel or candidate.get("name") == name:
            return candidate
    return None


def _new_ts(after: TsKey) -> str:
    """Now, or a microsecond after the channel's newest message if that is later."""
    now = ts_key(f"{time.time():.6f}")
    seconds, micros = max(now, (after[0], after[1] + 1))
    seconds, micros = seconds + micros // 1_000_000, micros % 1_000_000
    return f"{seconds}.{micros:06d}"


def _add_reply(parent: JSON, reply: JSON) -> None:
    parent["thread_ts"] = parent["ts"]
    parent["reply_count"] = int(parent.get("reply_count", 0)) + 1
    users = list(parent.get("reply_users", []))
    if reply["user"] not in users:
        users.append(reply["user"])
    parent["reply_users"] = users
    parent["reply_users_count"] = len(users)
    parent["latest_reply"] = reply["ts"]
