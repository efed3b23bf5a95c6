"""Channels the source could not read: ``channels.unreadable``.

Revision ID: 0008
Revises: 0007

A war room the bot is not in (or lacks a scope for) is still listed; the source now
says why it could not read it, in one line, and the checks read that. NULL: read (or
not needed). Channels stored before were read, so NULL is right for them.

Frozen like 0001: the column is written out here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column("channels", sa.Column("unreadable", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("channels") as batch:
        batch.drop_column("unreadable")
