"""Slack's external file upload, the three steps ``WebClient.files_upload_v2`` takes.

1. ``files.getUploadURLExternal`` (``filename``, ``length``): a file id and an upload URL
   on the same host (real Slack: ``https://files.slack.com/upload/v1/...``), no token
   needed to use it.
2. ``POST`` of the raw bytes to that URL: HTTP 200 and ``OK - <bytes>``; an unknown or
   used URL gets a 404.
3. ``files.completeUploadExternal`` (``files`` as JSON ``[{"id", "title"}]``,
   ``channel_id``, ``initial_comment``): shares the files in the channel as one message
   whose text is the comment and whose ``files`` are the file objects, and answers
   ``{"files": [...]}`` with each file's ``permalink``. A file can be completed once.

Both methods need the ``files:write`` scope (``world.slack.scopes``); without it Slack
answers ``missing_scope`` with ``needed`` and ``provided``. Called under ``world.lock``.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from opsaudit.sandbox.slack_access import require
from opsaudit.sandbox.slack_chat import post_message
from opsaudit.sandbox.slack_index import SlackError, SlackIndex
from opsaudit.sandbox.state import JSON, World
from opsaudit.sandbox.web import Request, Response, int_arg

UPLOAD_PATH = "/upload/v1/"  # under the Slack API's prefix: the sandbox has one host
FILES_WRITE = "files:write"
MAX_FILE_BYTES = 1024 * 1024 * 1024  # Slack's 1 GB cap
PREVIEW_CHARS = 1000  # the start of a text file, as Slack's ``preview`` shows it


@dataclass
class _Pending:
    name: str
    length: int
    key: str  # the secret part of the upload URL
    data: bytes | None = None


@dataclass
class SlackFiles:
    """The uploads under way and the files completed, for one sandbox."""

    world: World
    index: SlackIndex
    pending: dict[str, _Pending] = field(default_factory=dict)  # by file id
    completed: dict[str, JSON] = field(default_factory=dict)  # file objects by id
    host: str = "127.0.0.1"  # set by the API per request: upload URLs are absolute

    def get_upload_url(self, params: dict[str, str]) -> JSON:
        """Step 1: reserve a file id and an upload URL."""
        self._need_scope()
        name = params.get("filename") or ""
        length = int_arg(params.get("length"), default=-1)
        if not name or length < 0:
            raise SlackError("invalid_arguments")
        if length > MAX_FILE_BYTES:
            raise SlackError("file_upload_size_restricted")
        file_id = f"F{secrets.token_hex(5).upper()}"
        key = secrets.token_urlsafe(16)
        self.pending[file_id] = _Pending(name=name, length=length, key=key)
        url = f"https://{self.host}/slack/api{UPLOAD_PATH}{file_id}/{key}"
        return {"upload_url": url, "file_id": file_id}

    def receive(self, request: Request) -> Response:
        """Step 2: the bytes, POSTed to the upload URL."""
        file_id, _, key = request.path.removeprefix(UPLOAD_PATH).partition("/")
        pending = self.pending.get(file_id)
        if request.method != "POST" or pending is None or pending.key != key:
            return Response(404, b"Not Found", [("Content-Type", "text/plain")])
        pending.data = request.body
        body = f"OK - {len(request.body)}".encode()
        return Response(200, body, [("Content-Type", "text/plain; charset=utf-8")])

    def complete(self, params: dict[str, str]) -> JSON:
        """Step 3: finish the uploads, and share them in ``channel_id`` when given."""
        self._need_scope()
        wanted = _files_argument(params.get("files"))
        uploads = []
        for item in wanted:
            pending = self.pending.get(str(item.get("id")))
            if pending is None or pending.data is None:
                raise SlackError("file_not_found")
            uploads.append((str(item["id"]), pending, str(item.get("title") or pending.name)))
        channel_id = params.get("channel_id") or ""
        files = [self._file_object(fid, p, title) for fid, p, title in uploads]
        if channel_id:
            comment = params.get("initial_comment") or ""
            shared = post_message(
                self.world,
                self.index,
                {"channel": channel_id, "text": comment or " ".join(f["name"] for f in files)},
            )
            message = shared["message"]
            message["text"] = comment
            message["upload"] = True
            message["display_as_bot"] = False
            message["files"] = files
            for file in files:
                file["channels"] = [shared["channel"]]
                file["shares"] = {"public": {shared["channel"]: [{"ts": shared["ts"]}]}}
        for file_id, _, _ in uploads:
            del self.pending[file_id]
        self.completed.update((f["id"], f) for f in files)
        return {"files": files}

    def _need_scope(self) -> None:
        require(self.world.slack, FILES_WRITE)

    def _file_object(self, file_id: str, pending: _Pending, title: str) -> JSON:
        """A file object as Slack returns it (the fields a client reads)."""
        slack = self.world.slack
        bot = next((u for u in slack.users if u.get("is_bot")), {})
        user = str(bot.get("id", "U0OPSAUDIT"))
        data = pending.data or b""
        kind = pending.name.rpartition(".")[2].lower() if "." in pending.name else "text"
        base = f"https://{slack.team_domain}.slack.com/files/{user}/{file_id}/{pending.name}"
        now = int(time.time())
        file: JSON = {
            "id": file_id,
            "created": now,
            "timestamp": now,
            "name": pending.name,
            "title": title,
            "mimetype": _MIME.get(kind, "text/plain"),
            "filetype": kind,
            "pretty_type": kind.upper(),
            "user": user,
            "user_team": slack.team_id,
            "editable": False,
            "size": len(data),
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": True,
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": f"https://files.slack.com/files-pri/{slack.team_id}-{file_id}/"
            f"{pending.name}",
            "permalink": base,
            "channels": [],
            "groups": [],
            "ims": [],
            "shares": {},
            "has_rich_preview": False,
            "file_access": "visible",
        }
        if kind in _TEXT_KINDS:
            text = data.decode("utf-8", "replace")
            file["preview"] = text[:PREVIEW_CHARS]
            file["preview_is_truncated"] = len(text) > PREVIEW_CHARS
            file["lines"] = text.count("\n") + 1
        return file


_MIME = {"html": "text/html", "md": "text/markdown", "json": "application/json"}
_TEXT_KINDS = frozenset({"html", "md", "text", "txt", "json"})


def _files_argument(raw: str | None) -> list[dict[str, Any]]:
    try:
        loaded = json.loads(raw or "")
    except ValueError:
        raise SlackError("invalid_arguments") from None
    if not isinstance(loaded, list) or not loaded:
        raise SlackError("invalid_arguments")
    if not all(isinstance(item, dict) and item.get("id") for item in loaded):
        raise SlackError("invalid_arguments")
    return loaded
