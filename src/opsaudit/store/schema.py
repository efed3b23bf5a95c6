"""The store's tables: one per record kind of ``opsaudit.records``, plus sync state and runs.

Vendor ids are the primary keys (natural keys), so saving is an upsert by id. There are
no foreign keys between vendor objects: a log entry may arrive before or without its
incident, a file change names a blob that an earlier sync fetched. The one exception
is a commit's file changes, which live and die with their commit.

Every string column round-trips any Python ``str`` (:mod:`opsaudit.store.safetext`).
Every instant is stored as UTC and read back as an aware UTC ``datetime``
(:class:`UTCDateTime`); Slack's ``ts`` stays a string, it is the message's id.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, ForeignKey, Index, Integer, MetaData
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import DateTime, TypeDecorator

from opsaudit.store.safetext import SafeString, SafeText

NAMING_CONVENTION = {
    "pk": "pk_%(table_name)s",
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}

# Every string column keeps any str, NUL and lone surrogates included (store.safetext):
# free text as much as ids, since a vendor's id is its text too (a NUL in an incident id
# must not fail the sync of every incident). JSON columns need no escape: their text is
# json.dumps's ASCII, where NUL and surrogates are \u escapes (PostgreSQL's json, not
# jsonb, keeps those).
ID = SafeString(64)  # vendor ids, shas (SHA-256 repositories have 64 hex digits)
KIND = SafeString(64)  # short vocabulary values: statuses, types, subtypes
TEXT = SafeText()


class UTCDateTime(TypeDecorator[datetime]):
    """An aware instant, kept in UTC.

    PostgreSQL stores ``timestamptz`` and answers in the session's zone; SQLite keeps
    text without a zone. Either way the value goes in as UTC and comes out as aware UTC.
    A naive value is refused: its zone would be a guess.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} cannot be stored")
        value = value.astimezone(UTC)
        # SQLite's DATETIME text has no zone field; strip it so the text is plain UTC
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


# --------------------------------------------------------------------------- incidents


class ServiceRow(Base):
    __tablename__ = "services"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(TEXT)
    html_url: Mapped[str] = mapped_column(TEXT)
    team_ids: Mapped[list[Any]]


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(TEXT)
    email: Mapped[str] = mapped_column(TEXT)


class PriorityRow(Base):
    __tablename__ = "priorities"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(TEXT)
    sort_order: Mapped[int] = mapped_column(Integer)


class IncidentRow(Base):
    __tablename__ = "incidents"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    number: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(TEXT)
    status: Mapped[str] = mapped_column(KIND)
    urgency: Mapped[str] = mapped_column(KIND)
    created_at: Mapped[datetime] = mapped_column(index=True)
    service_id: Mapped[str] = mapped_column(ID, index=True)
    html_url: Mapped[str] = mapped_column(TEXT)
    priority_id: Mapped[str | None] = mapped_column(ID)
    priority_name: Mapped[str | None] = mapped_column(TEXT)
    resolved_at: Mapped[datetime | None]
    resolve_reason: Mapped[str | None] = mapped_column(KIND)
    merged_into_id: Mapped[str | None] = mapped_column(ID)
    escalation_policy_id: Mapped[str | None] = mapped_column(ID)
    assignee_ids: Mapped[list[Any]]
    # [{"requested_at": iso, "requester_id", "user_ids", "escalation_policy_ids"}]
    responder_requests: Mapped[list[Any]]
    updated_at: Mapped[datetime | None]


class LogEventRow(Base):
    __tablename__ = "log_events"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    incident_id: Mapped[str] = mapped_column(ID, index=True)
    type: Mapped[str] = mapped_column(KIND)
    created_at: Mapped[datetime] = mapped_column(index=True)
    agent_type: Mapped[str | None] = mapped_column(KIND)
    agent_id: Mapped[str | None] = mapped_column(ID)
    user_ids: Mapped[list[Any]]
    escalation_policy_id: Mapped[str | None] = mapped_column(ID)
    channel_type: Mapped[str | None] = mapped_column(KIND)
    agent_name: Mapped[str | None] = mapped_column(TEXT)


# ------------------------------------------------------------------------------- chat


class ChannelRow(Base):
    __tablename__ = "channels"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(TEXT, index=True)
    created: Mapped[datetime]
    is_archived: Mapped[bool]
    is_private: Mapped[bool]
    creator: Mapped[str | None] = mapped_column(ID)
    # why the source could not read it (one line), or None: read, or not needed
    unreadable: Mapped[str | None] = mapped_column(TEXT)


class MessageRow(Base):
    """A message's metadata. There is deliberately no text column: war-room bodies
    are never kept."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_channel_id_posted_at", "channel_id", "posted_at"),)
    channel_id: Mapped[str] = mapped_column(ID, primary_key=True)
    ts: Mapped[str] = mapped_column(SafeString(32), primary_key=True)
    posted_at: Mapped[datetime]
    thread_ts: Mapped[str | None] = mapped_column(SafeString(32))
    user_id: Mapped[str | None] = mapped_column(ID)
    bot_id: Mapped[str | None] = mapped_column(ID)
    bot_name: Mapped[str | None] = mapped_column(TEXT)
    subtype: Mapped[str | None] = mapped_column(KIND)
    author_kind: Mapped[str] = mapped_column(KIND)  # person | bot | system


class IncidentsPostRow(Base):
    __tablename__ = "incidents_posts"
    channel_id: Mapped[str] = mapped_column(ID, primary_key=True)
    ts: Mapped[str] = mapped_column(SafeString(32), primary_key=True)
    posted_at: Mapped[datetime] = mapped_column(index=True)
    text: Mapped[str] = mapped_column(TEXT)
    thread_ts: Mapped[str | None] = mapped_column(SafeString(32))
    user_id: Mapped[str | None] = mapped_column(ID)
    permalink: Mapped[str] = mapped_column(TEXT)


# ------------------------------------------------------------------ documents, tracker


class CommitRow(Base):
    __tablename__ = "commits"
    sha: Mapped[str] = mapped_column(ID, primary_key=True)
    committed_at: Mapped[datetime] = mapped_column(index=True)
    # order in the default branch's history (oldest first); breaks committed_at ties
    position: Mapped[int] = mapped_column(Integer, unique=True)
    author: Mapped[str] = mapped_column(TEXT)
    message: Mapped[str] = mapped_column(TEXT)


class FileChangeRow(Base):
    __tablename__ = "file_changes"
    commit_sha: Mapped[str] = mapped_column(
        ID, ForeignKey("commits.sha", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)  # within the commit
    path: Mapped[str] = mapped_column(TEXT, index=True)
    status: Mapped[str] = mapped_column(KIND)
    blob_sha: Mapped[str | None] = mapped_column(ID)
    previous_path: Mapped[str | None] = mapped_column(TEXT)


class BlobRow(Base):
    __tablename__ = "blobs"
    sha: Mapped[str] = mapped_column(ID, primary_key=True)
    text: Mapped[str] = mapped_column(TEXT)


class ParseRow(Base):
    """A parse of a blob kept for the next run (:mod:`opsaudit.parsing.cache`): its kind,
    the key of the parser's version and settings, and the parse as ASCII JSON."""

    __tablename__ = "parse_cache"
    blob_sha: Mapped[str] = mapped_column(ID, primary_key=True)
    kind: Mapped[str] = mapped_column(KIND, primary_key=True)
    key: Mapped[str] = mapped_column(KIND, primary_key=True)
    value: Mapped[str] = mapped_column(TEXT)


class WorkItemRow(Base):
    """A tracker issue or pull request (the table keeps its first name)."""

    __tablename__ = "issue_states"
    repo: Mapped[str] = mapped_column(SafeString(255), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(KIND)
    html_url: Mapped[str] = mapped_column(TEXT)
    title: Mapped[str] = mapped_column(TEXT)
    closed_at: Mapped[datetime | None]
    is_pull_request: Mapped[bool]
    merged_at: Mapped[datetime | None]


# --------------------------------------------------------------------- sync and runs


class SyncStateRow(Base):
    __tablename__ = "sync_state"
    source: Mapped[str] = mapped_column(KIND, primary_key=True)
    cursor: Mapped[dict[str, Any]]
    last_status: Mapped[str] = mapped_column(KIND)  # ok | failed
    last_error: Mapped[str | None] = mapped_column(TEXT)
    last_started_at: Mapped[datetime | None]
    last_finished_at: Mapped[datetime | None]
    requests: Mapped[int] = mapped_column(Integer)


class AuditRunRow(Base):
    __tablename__ = "audit_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    as_of: Mapped[datetime]
    window_since: Mapped[datetime]
    window_until: Mapped[datetime]
    status: Mapped[str] = mapped_column(KIND)  # running | done | failed
    sources: Mapped[dict[str, Any]]


# ---------------------------------------------------------------------------- results


class ResultRow(Base):
    """One result of one audit run, as the JSON contract shows it (``payload``)."""

    __tablename__ = "results"
    run_id: Mapped[int] = mapped_column(
        ForeignKey("audit_runs.id", ondelete="CASCADE"), primary_key=True
    )
    rule: Mapped[str] = mapped_column(SafeString(64), primary_key=True)
    subject_key: Mapped[str] = mapped_column(SafeString(512), primary_key=True)
    status: Mapped[str] = mapped_column(KIND)
    payload: Mapped[dict[str, Any]]


class FindingRow(Base):
    """The life of a (check, subject) across runs: when its violation was first and
    last seen, and when it stopped being one."""

    __tablename__ = "findings"
    rule: Mapped[str] = mapped_column(SafeString(64), primary_key=True)
    subject_key: Mapped[str] = mapped_column(SafeString(512), primary_key=True)
    status: Mapped[str] = mapped_column(KIND)  # the latest run's status
    first_seen: Mapped[datetime | None]  # first run (by as-of) that found it a violation
    last_seen: Mapped[datetime | None]  # latest run that found it a violation
    resolved_at: Mapped[datetime | None]  # first run after that found it no longer one
    last_run_id: Mapped[int] = mapped_column(Integer)


# ---------------------------------------------------------------------------- digests


class DigestRow(Base):
    """A Slack digest that was posted, keyed by the hash of what it said."""

    __tablename__ = "digests"
    fingerprint: Mapped[str] = mapped_column(SafeString(64), primary_key=True)
    as_of: Mapped[datetime] = mapped_column(index=True)
    channel_id: Mapped[str] = mapped_column(ID)
    ts: Mapped[str] = mapped_column(SafeString(32))
    announced: Mapped[int] = mapped_column(Integer)  # how many (rule, subject) it announced
    still_open: Mapped[int] = mapped_column(Integer)
    replies: Mapped[int] = mapped_column(Integer)


class DigestAnnouncementRow(Base):
    """A violation a digest announced: (rule, subject) once, until it is a new one again."""

    __tablename__ = "digest_announcements"
    rule: Mapped[str] = mapped_column(SafeString(64), primary_key=True)
    subject_key: Mapped[str] = mapped_column(SafeString(512), primary_key=True)
    first_announced_at: Mapped[datetime]  # the as-of of the first digest that announced it
    last_announced_at: Mapped[datetime]  # ... and of the latest one (a new life re-announces)
    fingerprint: Mapped[str] = mapped_column(SafeString(64))  # that latest digest
    channel_id: Mapped[str] = mapped_column(ID)
    ts: Mapped[str] = mapped_column(SafeString(32))  # the message (parent or reply) that holds it


class ReportUploadRow(Base):
    """A report uploaded to a chat channel: once per period (report file name) and channel."""

    __tablename__ = "report_uploads"
    period: Mapped[str] = mapped_column(SafeString(128), primary_key=True)  # ops-sync-2026-W47
    channel_id: Mapped[str] = mapped_column(ID, primary_key=True)
    content_sha256: Mapped[str] = mapped_column(SafeString(64))  # of the files uploaded
    uploaded_at: Mapped[datetime]
    html_link: Mapped[str] = mapped_column(TEXT)  # the HTML file's permalink ("" if none)
    markdown_link: Mapped[str] = mapped_column(TEXT)
