"""What the publishers need of a chat workspace: :class:`ChatPoster`.

The digest and the report (its summary and files) go through this protocol; a source module
implements it for one vendor (:class:`opsaudit.sources.slack_post.SlackPoster`), and
the entry point hands it in. No publisher imports a vendor's client.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Upload:
    """A file to share in a channel: its name, its bytes and the title shown."""

    name: str
    content: bytes
    title: str


class ChatPoster(Protocol):
    """Posting to one chat workspace, with the lookups a message's mentions need."""

    def lookup(self, emails: Iterable[str]) -> tuple[dict[str, str], tuple[str, ...]]:
        """Chat user ids by e-mail (each asked once), and warnings: an address the
        workspace does not know gives no id; a failed lookup stops the lookups and
        becomes a warning."""
        ...

    def channel_id(self, channel: str) -> str:
        """The id of the channel named ``channel`` (``#`` optional), or ``channel``
        when it is an id already; an error when there is no such channel."""
        ...

    def post(self, channel_id: str, *, text: str, blocks: list[Any], thread_ts: str | None) -> str:
        """Post one message (a reply in the thread of ``thread_ts`` when given); its id."""
        ...

    def upload(self, channel_id: str, *, files: Sequence[Upload], comment: str) -> list[str]:
        """Share ``files`` in the channel as one message whose text is ``comment``; each
        file's permalink, in order ("" when the workspace gives none)."""
        ...
