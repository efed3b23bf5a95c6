"""Posting to Slack for the publishers: :class:`SlackPoster`, the Slack Web API calls
the digest and the report make (``users.lookupByEmail``, ``conversations.list`` to find
the channel, ``chat.postMessage`` and thread replies, and the report's files through
``WebClient.files_upload_v2``: ``files.getUploadURLExternal``, a POST of each file to
its upload URL, ``files.completeUploadExternal``; scope ``files:write``).

Slack errors raise :class:`~opsaudit.sources.base.SourceError`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from opsaudit.publish.chat import Upload
from opsaudit.sources.base import DEFAULT_RETRY, Endpoint, RequestCounter, RetryPolicy, SourceError
from opsaudit.sources.slack_client import JSON, SlackApi

_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{6,}$")


class SlackPoster(SlackApi):
    """The source's client (same retries and counting), plus what the publishers need:
    the channel's id, e-mail lookups that tell "no such user" from a failure, and
    posting. It implements :class:`opsaudit.publish.chat.ChatPoster`."""

    def __init__(
        self,
        *,
        endpoint: Endpoint,
        counter: RequestCounter | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
    ) -> None:
        super().__init__(endpoint=endpoint, counter=counter or RequestCounter(), retry=retry)

    def lookup(self, emails: Iterable[str]) -> tuple[dict[str, str], tuple[str, ...]]:
        """Slack user ids by e-mail (each asked once); a failure other than "not found"
        stops the lookups and becomes a warning: the digest goes out without mentions."""
        found: dict[str, str] = {}
        for email in dict.fromkeys(emails):
            try:
                data = self.request(
                    "users.lookupByEmail", params={"email": email}, tolerate={"users_not_found"}
                )
            except SourceError as exc:
                return found, (f"no mentions: {exc.message}",)
            user_id = (data or {}).get("user", {}).get("id")
            if isinstance(user_id, str):
                found[email] = user_id
        return found, ()

    def channel_id(self, channel: str) -> str:
        """The id of the channel named ``channel`` (``#`` optional), or ``channel`` if it
        is an id already."""
        name = channel.removeprefix("#")
        if _CHANNEL_ID.match(name):
            return name
        # public channels only: listing private ones needs another scope (groups:read),
        # and a private digest channel can be configured by its id
        listed = self.pages(
            "conversations.list",
            "channels",
            types="public_channel",
            exclude_archived="true",
            limit=200,
        )
        for candidate in listed:
            if candidate.get("name") == name and isinstance(candidate.get("id"), str):
                return str(candidate["id"])
        raise SourceError(
            "slack",
            f"digest channel #{name} not found among the public channels "
            "(for a private channel, configure its id)",
        )

    def post(self, channel_id: str, *, text: str, blocks: list[Any], thread_ts: str | None) -> str:
        """Post one message (a reply when ``thread_ts``); its ts."""
        body: JSON = {
            "channel": channel_id,
            "text": text,
            "blocks": blocks,
            "unfurl_links": False,
            "unfurl_media": False,
        }
        if thread_ts is not None:
            body["thread_ts"] = thread_ts
        data = self.request("chat.postMessage", body=body)
        ts = (data or {}).get("ts")
        if not isinstance(ts, str):
            raise SourceError("slack", "chat.postMessage failed: the answer has no ts")
        return ts

    def upload(self, channel_id: str, *, files: Sequence[Upload], comment: str) -> list[str]:
        """Share ``files`` in one message with ``comment`` (``files_upload_v2``); their
        permalinks ("" for a file Slack's answer does not describe)."""
        items = [{"filename": f.name, "content": f.content, "title": f.title} for f in files]
        data = self.guarded(
            "files_upload_v2",
            lambda client: client.files_upload_v2(
                file_uploads=items, channel=channel_id, initial_comment=comment
            ),
            requests=2 * len(items) + 1,
        )
        shared = {
            str(f.get("title")): str(f.get("permalink") or "")
            for f in (data or {}).get("files") or []
            if isinstance(f, dict)
        }
        return [shared.get(f.title, "") for f in files]
