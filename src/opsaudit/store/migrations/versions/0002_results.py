"""Results of audit runs and the findings' life across runs.

Revision ID: 0002
Revises: 0001

Frozen like 0001: plain SQLAlchemy types, never the models.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "results",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("subject_key", sa.String(length=512), nullable=False),
        sa.Column("status", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["audit_runs.id"],
            name="fk_results_run_id_audit_runs",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "rule", "subject_key", name="pk_results"),
    )
    op.create_table(
        "findings",
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("subject_key", sa.String(length=512), nullable=False),
        sa.Column("status", sa.String(length=64), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_run_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("rule", "subject_key", name="pk_findings"),
    )


def downgrade() -> None:
    op.drop_table("findings")
    op.drop_table("results")
