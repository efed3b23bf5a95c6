"""What a bot token may see and read in Slack: scopes, membership, ``conversations.join``.

As the Web API does (docs.slack.dev, each method's "Scopes" and "Errors"):

- a method the token lacks the scope for answers ``missing_scope`` with ``needed`` (the
  scope) and ``provided`` (the token's scopes, comma-separated);
- ``conversations.list`` lists every public channel, but private channels only where
  the bot is a member (``is_member`` on each channel object is the bot's own);
- ``conversations.history``/``replies`` of a public channel the bot is not in answer
  ``not_in_channel``; a private channel the bot is not in does not exist for it
  (``channel_not_found``);
- ``conversations.join`` joins a public channel (scope ``channels:join``); a private
  one answers ``method_not_supported_for_channel_type``, an archived one
  ``is_archived``; joining twice succeeds with the warning ``already_in_channel``.
"""

from __future__ import annotations

from opsaudit.sandbox.slack_index import SlackError
from opsaudit.sandbox.state import JSON, SlackWorld

# every scope the auditor's Slack app asks for (README, "Connecting your accounts")
ALL_SCOPES = frozenset(
    {
        "channels:read",
        "groups:read",
        "channels:history",
        "groups:history",
        "channels:join",
        "users:read",
        "users:read.email",
        "chat:write",
        "files:write",
    }
)
_READ = {"public_channel": "channels:read", "private_channel": "groups:read"}
_HISTORY = {"public_channel": "channels:history", "private_channel": "groups:history"}


def require(slack: SlackWorld, scope: str) -> None:
    """Raise Slack's ``missing_scope`` unless the token has ``scope``."""
    granted = ALL_SCOPES if slack.scopes is None else slack.scopes
    if scope not in granted:
        raise SlackError("missing_scope", needed=scope, provided=",".join(sorted(granted)))


def channel_type(channel: JSON) -> str:
    """``public_channel``, ``private_channel``, ``im`` or ``mpim``."""
    if channel.get("is_im"):
        return "im"
    if channel.get("is_mpim"):
        return "mpim"
    return "private_channel" if channel.get("is_private") else "public_channel"


def visible(channel: JSON) -> bool:
    """Whether the bot can see the channel at all (a private one only as a member)."""
    return channel_type(channel) != "private_channel" or bool(channel.get("is_member", True))


def require_listing(slack: SlackWorld, types: set[str]) -> None:
    """The scopes ``conversations.list`` needs for the ``types`` asked."""
    for kind in sorted(types):
        if kind in _READ:
            require(slack, _READ[kind])


def find_visible(slack: SlackWorld, channel_id: str | None) -> JSON:
    """The channel by id as the bot sees it (``channel_not_found`` if it cannot)."""
    if not channel_id:
        raise SlackError("invalid_arguments")
    for channel in slack.channels:
        if channel["id"] == channel_id and visible(channel):
            return channel
    raise SlackError("channel_not_found")


def readable(slack: SlackWorld, channel_id: str | None) -> JSON:
    """The channel whose messages the bot may read, or Slack's error for it."""
    channel = find_visible(slack, channel_id)
    kind = channel_type(channel)
    require(slack, _HISTORY.get(kind, "channels:history"))
    if not channel.get("is_member", True):
        raise SlackError("not_in_channel")
    return channel


def join(slack: SlackWorld, channel_id: str | None) -> JSON:
    """``conversations.join``: the bot becomes a member of a public channel."""
    require(slack, "channels:join")
    channel = find_visible(slack, channel_id)
    if channel_type(channel) != "public_channel":
        raise SlackError("method_not_supported_for_channel_type")
    if channel.get("is_archived"):
        raise SlackError("is_archived")
    if channel.get("is_member", True):
        return {
            "channel": channel,
            "warning": "already_in_channel",
            "response_metadata": {"warnings": ["already_in_channel"]},
        }
    channel["is_member"] = True
    channel["num_members"] = int(channel.get("num_members") or 0) + 1
    return {"channel": channel}
