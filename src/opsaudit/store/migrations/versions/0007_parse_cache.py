"""Parses of post-mortem blobs kept across runs (table ``parse_cache``).

Revision ID: 0007
Revises: 0006

Frozen like 0001: plain SQLAlchemy types, never the models.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "parse_cache",
        sa.Column("blob_sha", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("blob_sha", "kind", "key", name="pk_parse_cache"),
    )


def downgrade() -> None:
    op.drop_table("parse_cache")
