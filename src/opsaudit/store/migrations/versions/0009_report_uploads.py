"""Reports uploaded to the digest channel: one upload per period and channel.

Revision ID: 0009
Revises: 0008

Frozen like 0001: plain SQLAlchemy types, never the models.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "report_uploads",
        sa.Column("period", sa.String(length=128), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("html_link", sa.Text(), nullable=False),
        sa.Column("markdown_link", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("period", "channel_id", name="pk_report_uploads"),
    )


def downgrade() -> None:
    op.drop_table("report_uploads")
