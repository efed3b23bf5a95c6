"""The Slack adapter: provides ``chat`` (war rooms and the ``#incidents`` channel)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field, field_validator

from opsaudit.policy import ticket_of
from opsaudit.records import Capability, ChatBatch
from opsaudit.sources.protocol import Fetched, FetchJob, SourceSection

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from opsaudit.sources.base import Endpoint
    from opsaudit.sources.slack_post import SlackPoster


class SlackSection(SourceSection):
    api_url: str = "https://slack.com/api/"
    incidents_channel: str = "incidents"
    # join public war rooms the bot is not in (scope channels:join) to read them
    join_channels: bool = True
    # history is read again this many days back on each sync: edits, new thread replies
    reread_days: int = Field(default=7, ge=1, le=90)

    @field_validator("api_url")
    @classmethod
    def _slash(cls, value: str) -> str:
        # slack_sdk joins method names with urljoin: without the slash the last segment is lost
        return value if value.endswith("/") else value + "/"

    def audit_settings(self) -> dict[str, Any]:
        # the workspace's address is read off a stored permalink (the part before
        # "/archives/"): Slack's API does not give it to a bot token otherwise
        return {"message_url": "{workspace}/archives/{channel}/p{ts_digits}"}


class Slack:
    name: ClassVar[str] = "slack"
    provides: ClassVar[frozenset[Capability]] = frozenset({"chat"})
    section: ClassVar[type[SourceSection]] = SlackSection
    token_env: ClassVar[str] = "SLACK_BOT_TOKEN"
    secret_block: ClassVar[str] = "slack-bot-token"
    steps: ClassVar[tuple[str, ...]] = ("slack",)

    def fetch(self, step: str, job: FetchJob) -> Fetched | None:
        """The war rooms of the incidents stored since the window's start, and the
        incidents channel."""
        # the vendor client loads only when a sync runs, never with the table
        from opsaudit.sources.slack import WarRoomScope, fetch_slack

        section = job.section
        assert isinstance(section, SlackSection)
        policy = job.policy
        incidents = job.stored.incidents(since=job.window.since)
        keys = {
            ticket_of(policy, incident_id=i.id, number=i.number): i.resolved_at for i in incidents
        }
        batch, cursor = fetch_slack(
            endpoint=job.endpoint,
            incidents_channel=section.incidents_channel,
            war_rooms=WarRoomScope(prefix=policy.warroom.prefix or "incident-", keys=keys),
            cursor=job.cursor,
            now=job.now,
            since=job.window.since,
            counter=job.counter,
            retry=job.retry,
            join_channels=section.join_channels,
            reread=timedelta(days=section.reread_days),
        )
        return Fetched(batch, cursor)

    def save(self, session: Session, batch: Any) -> Mapping[str, int]:
        """Upsert the batch; counts channels, messages and summary posts."""
        from opsaudit.store import save_chat  # SQLAlchemy only when saving

        assert isinstance(batch, ChatBatch)
        save_chat(session=session, batch=batch)
        return {
            "channels": len(batch.channels),
            "messages": len(batch.messages),
            "summary posts": len(batch.incidents_posts),
        }

    def poster(self, endpoint: Endpoint) -> SlackPoster:
        """A client that posts to the workspace (the digest, the report's summary)."""
        from opsaudit.sources.slack_post import SlackPoster

        return SlackPoster(endpoint=endpoint)


SOURCE = Slack()
