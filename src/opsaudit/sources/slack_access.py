"""Whether the bot can read a channel, joining it first where it may; and why not, in
words a user can act on (``Channel.unreadable``, the checks' ``unknown`` messages).

A bot token reads only channels its bot is in. ``conversations.list`` says so per
channel (``is_member``); a public channel can be joined (``conversations.join``, scope
``channels:join``) when ``sources.slack.join_channels`` is true; a private channel the
bot is not in is not listed at all, so it cannot be named here.
"""

from __future__ import annotations

from opsaudit.sources.slack_client import JSON, SlackApi, SlackCallError

# the answers that concern one channel, not the whole workspace or token
CHANNEL_ERRORS = frozenset(
    {
        "not_in_channel",
        "missing_scope",
        "channel_not_found",
        "is_archived",
        "method_not_supported_for_channel_type",
    }
)


def not_member(name: str) -> str:
    return f"the bot is not a member of #{name}: invite it or enable sources.slack.join_channels"


def access_problem(api: SlackApi, channel: JSON, *, join: bool) -> str | None:
    """None when the bot is (or now became) a member; else why it cannot read it."""
    if channel.get("is_member", True):
        return None
    name = str(channel.get("name", ""))
    if not join or channel.get("is_private"):
        return not_member(name)
    try:
        api.call("conversations.join", channel=channel["id"])
    except SlackCallError as exc:
        return unreadable_because(channel, exc, joining=True)
    channel["is_member"] = True
    return None


def unreadable_because(channel: JSON, exc: SlackCallError, *, joining: bool = False) -> str:
    """Why a channel cannot be read, from Slack's answer; re-raises anything else."""
    if exc.code not in CHANNEL_ERRORS:
        raise exc
    name = str(channel.get("name", ""))
    if exc.code == "missing_scope":
        action = "join" if joining else "read"
        return (
            f"the Slack app lacks the scope {exc.needed or '(not named)'} to {action} #{name}: "
            "add it to the app's bot token scopes and reinstall the app"
        )
    if exc.code == "is_archived":
        return f"the bot is not a member of #{name}, which is archived and cannot be joined"
    if exc.code == "channel_not_found":
        return (
            f"Slack answers channel_not_found for #{name}: private channels are readable "
            "only by their members; invite the bot"
        )
    if exc.code == "not_in_channel":
        return not_member(name)
    return f"Slack answers {exc.code} for #{name}: invite the bot"
