"""Slack digests that were posted and the violations they announced.

Revision ID: 0003
Revises: 0002

Frozen like 0001: plain SQLAlchemy types, never the models.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "digests",
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("ts", sa.String(length=32), nullable=False),
        sa.Column("announced", sa.Integer(), nullable=False),
        sa.Column("still_open", sa.Integer(), nullable=False),
        sa.Column("replies", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("fingerprint", name="pk_digests"),
    )
    op.create_index("ix_digests_as_of", "digests", ["as_of"], unique=False)
    op.create_table(
        "digest_announcements",
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("subject_key", sa.String(length=512), nullable=False),
        sa.Column("first_announced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_announced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("ts", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("rule", "subject_key", name="pk_digest_announcements"),
    )


def downgrade() -> None:
    op.drop_table("digest_announcements")
    op.drop_index("ix_digests_as_of", table_name="digests")
    op.drop_table("digests")
