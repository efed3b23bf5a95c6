"""Reading one Slack channel again and again: what is new, edited or deleted since the
cursor's last read (``fetch_slack`` in :mod:`opsaudit.sources.slack` says the rules)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from opsaudit.sources.base import iso, utc
from opsaudit.sources.slack_client import EPOCH, JSON, SlackApi, datetime_ts, ts_datetime, ts_key

_TS = re.compile(r"\d{1,12}(\.\d{1,6})?")


class Reader:
    """Reads one channel's history and threads, returning messages not returned before."""

    def __init__(
        self, *, api: SlackApi, now: datetime, since: datetime, page_size: int, window: timedelta
    ) -> None:
        self.api = api
        self.now = now
        self.since = since
        self.page_size = page_size
        self.window = window  # history is re-read this far back: threads and edits

    def read(self, channel: JSON, prior: JSON | None) -> tuple[list[JSON], JSON, list[str]]:
        """The channel's new messages (history and replies), its next cursor entry, and
        the top-level messages of the re-read window that history no longer has (deleted),
        of those the entry remembered."""
        if prior is None or _since_moved(prior, self.since):
            prior = {"newest_ts": None, "since": iso(self.since), "threads": {}}
            oldest = newest_seen = datetime_ts(self.since)
            inclusive, baseline = True, None
        else:
            newest_seen = prior.get("newest_ts") or datetime_ts(_prior_since(prior))
            lookback = datetime_ts(max(self.now - self.window, _prior_since(prior)))
            oldest = min(newest_seen, lookback, key=ts_key)
            inclusive = False
            # a thread not in the cursor had no reply in the window before the last read
            baseline = datetime_ts(_read_at(prior) - self.window)
        # an edit after the last read carries an edited.ts newer than anything it saw
        edits_after = prior.get("edits_after") or prior.get("newest_ts") or ""
        threads: dict[str, str] = dict(prior.get("threads") or {})

        history = {
            m["ts"]: m
            for m in self.api.pages(
                "conversations.history",
                "messages",
                channel=channel["id"],
                oldest=oldest,
                inclusive=inclusive,
                limit=self.page_size,
            )
            if m.get("ts") and (ts_key(m["ts"]) > ts_key(oldest) or inclusive)
        }
        found = {
            ts: m
            for ts, m in history.items()
            if ts_key(ts) > ts_key(newest_seen)
            or (inclusive and ts == newest_seen)
            or (not inclusive and ts_key(edited(m)) > ts_key(edits_after))
        }
        for thread_ts, after in _threads_to_read(history, found, threads, baseline).items():
            for reply in self._replies(channel["id"], thread_ts, after):
                found.setdefault(reply["ts"], reply)
                threads[thread_ts] = max(reply["ts"], threads.get(thread_ts, ""), key=ts_key)

        # remembered messages inside what history was asked for, and no longer in it
        deleted = [
            ts
            for ts in prior.get("recent") or []
            if ts_key(ts) > ts_key(oldest) and (ts not in history or tombstone(history[ts]))
        ]
        newest = max([*history, prior.get("newest_ts") or ""], key=ts_key) or None
        entry = {
            "name": channel.get("name", ""),
            "newest_ts": newest,
            "edits_after": max(
                [newest or "", edits_after, *(edited(m) for m in found.values())], key=ts_key
            )
            or None,
            "archived": bool(channel.get("is_archived")),
            "read_at": iso(self.now),
            "since": prior["since"],
            "threads": {t: r for t, r in threads.items() if self._young(r)},
            "recent": sorted(
                (t for t, m in history.items() if self._young(t) and not tombstone(m)),
                key=ts_key,
            ),
        }
        return sorted(found.values(), key=lambda m: ts_key(m["ts"])), entry, deleted

    def _replies(self, channel_id: str, thread_ts: str, after: str | None) -> list[JSON]:
        replies = []
        for message in self.api.pages(
            "conversations.replies",
            "messages",
            channel=channel_id,
            ts=thread_ts,
            oldest=after,
            limit=self.page_size,
        ):
            ts = message.get("ts")
            # the parent comes back first on every page; history already gave it
            if ts and ts != thread_ts and (after is None or ts_key(ts) > ts_key(after)):
                replies.append(message)
        return replies

    def _young(self, last_reply: str) -> bool:
        return ts_datetime(last_reply) >= self.now - self.window


def tombstone(message: JSON) -> bool:
    """What Slack leaves of a deleted message that had replies."""
    return message.get("subtype") == "tombstone"


def edited(message: JSON) -> str:
    """When the message was last edited (a ts), or "" if never (or not a ts)."""
    edited = message.get("edited")
    ts = str(edited.get("ts") or "") if isinstance(edited, dict) else ""
    return ts if _TS.fullmatch(ts) else ""


def _threads_to_read(
    history: dict[str, JSON], new: dict[str, JSON], threads: dict[str, str], baseline: str | None
) -> dict[str, str | None]:
    """Thread ts -> read its replies after this ts (None: all of them).

    A parent in history says by its ``latest_reply`` whether its thread moved; a new reply
    broadcast to the channel tells it for a parent too old to be in history.
    """
    wanted: dict[str, str | None] = {}
    for ts, message in history.items():
        thread_ts = message.get("thread_ts")
        last = threads.get(thread_ts or ts) or baseline
        if thread_ts == ts and int(message.get("reply_count") or 0) > 0:
            latest = message.get("latest_reply") or ""
            if last is None or not latest or ts_key(latest) > ts_key(last):
                wanted[ts] = last
        elif thread_ts and thread_ts != ts and ts in new and thread_ts not in history:
            wanted[thread_ts] = last
    return wanted


def needs_read(
    prior: JSON | None, channel: JSON, resolved: datetime | None, since: datetime
) -> bool:
    """Whether a channel can hold messages the audit needs and hasn't got."""
    if prior is None or _since_moved(prior, since):
        return True
    if prior.get("archived") and channel.get("is_archived"):
        return False
    read_at = utc(prior.get("read_at"))
    return not (resolved is not None and read_at is not None and resolved < read_at)


def _since_moved(prior: JSON, since: datetime) -> bool:
    return since < _prior_since(prior)


def _prior_since(prior: JSON) -> datetime:
    return utc(prior.get("since")) or EPOCH


def _read_at(prior: JSON) -> datetime:
    return utc(prior.get("read_at")) or EPOCH
