"""Who or what made an incident event, by name: ``log_events.agent_name``.

Revision ID: 0006
Revises: 0005

Results say who acknowledged or resolved an incident ("acknowledged by integration
Datadog, not a person"): the vendor's name of the event's agent is kept beside its
kind. Rows stored before stay without one (NULL): their results name the kind of
agent only (a person's name still comes from the stored users).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column("log_events", sa.Column("agent_name", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("log_events") as batch:
        batch.drop_column("agent_name")
