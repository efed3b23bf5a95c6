"""Per-channel indexes over ``world.slack.messages``: the channel view sorted by ts, threads.

A channel's index is rebuilt when its message list is replaced or changes length
(a post, or a test adding a message). Call with ``world.lock`` held.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from opsaudit.sandbox.state import JSON

TsKey = tuple[int, int]


class SlackError(Exception):
    """Answered as ``{"ok": false, "error": <code>, **extra}`` with HTTP 200."""

    def __init__(self, code: str, **extra: object) -> None:
        super().__init__(code)
        self.code = code
        self.extra = extra


def ts_key(ts: str) -> TsKey:
    """A Slack ts as a sortable pair (seconds, microseconds); garbage sorts first."""
    seconds, _, fraction = ts.strip().partition(".")
    try:
        return int(seconds or 0), int((fraction + "000000")[:6])
    except ValueError:
        return (0, 0)


def in_channel_view(message: JSON) -> bool:
    """Top-level messages, thread parents and replies also sent to the channel."""
    thread_ts = message.get("thread_ts")
    return (
        thread_ts is None
        or thread_ts == message["ts"]
        or (message.get("subtype") == "thread_broadcast")
    )


@dataclass
class ChannelIndex:
    """One channel's messages: the history view ascending by ts, and every thread."""

    view: list[JSON] = field(default_factory=list)
    view_keys: list[TsKey] = field(default_factory=list)
    by_ts: dict[str, JSON] = field(default_factory=dict)
    replies: dict[str, list[JSON]] = field(default_factory=dict)  # parent ts -> oldest first
    last_key: TsKey = (0, 0)

    @classmethod
    def build(cls, messages: list[JSON]) -> ChannelIndex:
        """Index a channel's messages (any order in, sorted out)."""
        ordered = sorted(messages, key=lambda m: ts_key(m["ts"]))
        index = cls(by_ts={m["ts"]: m for m in ordered})
        for message in ordered:
            if in_channel_view(message):
                index.view.append(message)
                index.view_keys.append(ts_key(message["ts"]))
            thread_ts = message.get("thread_ts")
            if thread_ts is not None and thread_ts != message["ts"]:
                index.replies.setdefault(thread_ts, []).append(message)
        if ordered:
            index.last_key = ts_key(ordered[-1]["ts"])
        return index


class SlackIndex:
    """The channel indexes, each rebuilt only when its message list changed."""

    def __init__(self) -> None:
        self._channels: dict[str, tuple[int, int, ChannelIndex]] = {}

    def channel(self, messages: dict[str, list[JSON]], channel_id: str) -> ChannelIndex:
        """The index of a channel's current messages."""
        current = messages.get(channel_id, [])
        known = self._channels.get(channel_id)
        if known is not None and known[0] == id(current) and known[1] == len(current):
            return known[2]
        index = ChannelIndex.build(current)
        self._channels[channel_id] = (id(current), len(current), index)
        return index
