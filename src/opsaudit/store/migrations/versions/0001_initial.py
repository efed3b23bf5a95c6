"""The initial schema: PagerDuty, Slack and GitHub records, sync state and audit runs.

Revision ID: 0001
Revises:
Create Date: 2026-11-27

Hand-checked against ``opsaudit.store.schema`` (a test compares the migrated database
with the models). Revisions are frozen: they use plain SQLAlchemy types, never the
models, so a later change to the models cannot rewrite history.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=64), nullable=nullable)


def _text(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.Text(), nullable=nullable)


def _kind(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=64), nullable=nullable)


def _time(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _json(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.JSON(), nullable=False)


def _index(table: str, *columns: str, name: str | None = None) -> None:
    op.create_index(name or f"ix_{table}_{columns[0]}", table, list(columns), unique=False)


def upgrade() -> None:
    op.create_table(
        "services",
        _id("id"),
        _text("name"),
        _text("html_url"),
        _json("team_ids"),
        sa.PrimaryKeyConstraint("id", name="pk_services"),
    )
    op.create_table(
        "users",
        _id("id"),
        _text("name"),
        _text("email"),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
    )
    op.create_table(
        "priorities",
        _id("id"),
        _text("name"),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_priorities"),
    )
    op.create_table(
        "incidents",
        _id("id"),
        sa.Column("number", sa.Integer(), nullable=False),
        _text("title"),
        _kind("status"),
        _kind("urgency"),
        _time("created_at"),
        _id("service_id"),
        _text("html_url"),
        _id("priority_id", nullable=True),
        _text("priority_name", nullable=True),
        _time("resolved_at", nullable=True),
        _kind("resolve_reason", nullable=True),
        _id("merged_into_id", nullable=True),
        _id("escalation_policy_id", nullable=True),
        _json("assignee_ids"),
        _json("responder_requests"),
        _time("updated_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_incidents"),
    )
    _index("incidents", "created_at")
    _index("incidents", "number")
    _index("incidents", "service_id")
    op.create_table(
        "log_events",
        _id("id"),
        _id("incident_id"),
        _kind("type"),
        _time("created_at"),
        _kind("agent_type", nullable=True),
        _id("agent_id", nullable=True),
        _json("user_ids"),
        _id("escalation_policy_id", nullable=True),
        _kind("channel_type", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_log_events"),
    )
    _index("log_events", "created_at")
    _index("log_events", "incident_id")

    op.create_table(
        "channels",
        _id("id"),
        _text("name"),
        _time("created"),
        sa.Column("is_archived", sa.Boolean(), nullable=False),
        sa.Column("is_private", sa.Boolean(), nullable=False),
        _id("creator", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_channels"),
    )
    _index("channels", "name")
    op.create_table(
        "messages",
        _id("channel_id"),
        sa.Column("ts", sa.String(length=32), nullable=False),
        _time("posted_at"),
        sa.Column("thread_ts", sa.String(length=32), nullable=True),
        _id("user_id", nullable=True),
        _id("bot_id", nullable=True),
        _text("bot_name", nullable=True),
        _kind("subtype", nullable=True),
        sa.PrimaryKeyConstraint("channel_id", "ts", name="pk_messages"),
    )
    _index("messages", "channel_id", "posted_at", name="ix_messages_channel_id_posted_at")
    op.create_table(
        "incidents_posts",
        _id("channel_id"),
        sa.Column("ts", sa.String(length=32), nullable=False),
        _time("posted_at"),
        _text("text"),
        sa.Column("thread_ts", sa.String(length=32), nullable=True),
        _id("user_id", nullable=True),
        _text("permalink"),
        sa.PrimaryKeyConstraint("channel_id", "ts", name="pk_incidents_posts"),
    )
    _index("incidents_posts", "posted_at")

    op.create_table(
        "commits",
        _id("sha"),
        _time("committed_at"),
        sa.Column("position", sa.Integer(), nullable=False),
        _text("author"),
        _text("message"),
        sa.PrimaryKeyConstraint("sha", name="pk_commits"),
        sa.UniqueConstraint("position", name="uq_commits_position"),
    )
    _index("commits", "committed_at")
    op.create_table(
        "file_changes",
        _id("commit_sha"),
        sa.Column("position", sa.Integer(), nullable=False),
        _text("path"),
        _kind("status"),
        _id("blob_sha", nullable=True),
        _text("previous_path", nullable=True),
        sa.ForeignKeyConstraint(
            ["commit_sha"],
            ["commits.sha"],
            name="fk_file_changes_commit_sha_commits",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("commit_sha", "position", name="pk_file_changes"),
    )
    _index("file_changes", "path")
    op.create_table(
        "blobs",
        _id("sha"),
        _text("text"),
        sa.PrimaryKeyConstraint("sha", name="pk_blobs"),
    )
    op.create_table(
        "issue_states",
        sa.Column("repo", sa.String(length=255), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        _kind("state"),
        _text("html_url"),
        _text("title"),
        _time("closed_at", nullable=True),
        sa.Column("is_pull_request", sa.Boolean(), nullable=False),
        _time("merged_at", nullable=True),
        sa.PrimaryKeyConstraint("repo", "number", name="pk_issue_states"),
    )

    op.create_table(
        "sync_state",
        _kind("source"),
        _json("cursor"),
        _kind("last_status"),
        _text("last_error", nullable=True),
        _time("last_started_at", nullable=True),
        _time("last_finished_at", nullable=True),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source", name="pk_sync_state"),
    )
    op.create_table(
        "audit_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _time("started_at"),
        _time("finished_at", nullable=True),
        _time("as_of"),
        _time("window_since"),
        _time("window_until"),
        _kind("status"),
        _json("sources"),
        sa.PrimaryKeyConstraint("id", name="pk_audit_runs"),
    )


def downgrade() -> None:
    # indexes go with their tables; file_changes before the commits it references
    for table in (
        "audit_runs",
        "sync_state",
        "issue_states",
        "blobs",
        "file_changes",
        "commits",
        "incidents_posts",
        "messages",
        "channels",
        "log_events",
        "incidents",
        "priorities",
        "users",
        "services",
    ):
        op.drop_table(table)
