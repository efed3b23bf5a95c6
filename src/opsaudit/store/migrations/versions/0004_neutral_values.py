"""Vendor-neutral values: incident event kinds, actor kinds, resolve reasons, author kinds.

Revision ID: 0004
Revises: 0003

Rewrites in place what earlier revisions stored in PagerDuty's words
(``log_events.type``, ``log_events.agent_type``, ``incidents.resolve_reason``) into
ours, and adds ``messages.author_kind`` filled from the stored subtype, bot and user.
The column names stay: renaming them would rebuild the largest tables for nothing.

Frozen like 0001: the mappings are written out here, never imported from the sources
(a later change to an adapter must not change what this revision did).
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

EVENT_KINDS = {
    "trigger_log_entry": "triggered",
    "assign_log_entry": "assigned",
    "acknowledge_log_entry": "acknowledged",
    "escalate_log_entry": "escalated",
    "delegate_log_entry": "delegated",
    "notify_log_entry": "notified",
    "resolve_log_entry": "resolved",
}
ACTOR_KINDS = {
    "user_reference": "person",
    "service_reference": "service",
    "integration_reference": "integration",
    "inbound_integration_reference": "integration",
}
PERSON_SUBTYPES = ("thread_broadcast", "file_share", "me_message")


def _case(column: str, mapping: dict[str, str], otherwise: str) -> str:
    whens = " ".join(f"WHEN '{old}' THEN '{new}'" for old, new in mapping.items())
    return f"CASE {column} {whens} ELSE '{otherwise}' END"


def _listed(values: Iterable[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def upgrade() -> None:
    kinds = _listed([*EVENT_KINDS.values(), "other"])
    op.execute(
        f"UPDATE log_events SET type = {_case('type', EVENT_KINDS, 'other')} "
        f"WHERE type NOT IN ({kinds})"
    )
    actors = _listed([*sorted(set(ACTOR_KINDS.values())), "automation"])
    op.execute(
        f"UPDATE log_events SET agent_type = {_case('agent_type', ACTOR_KINDS, 'automation')} "
        f"WHERE agent_type IS NOT NULL AND agent_type NOT IN ({actors})"
    )
    op.execute(
        "UPDATE incidents SET resolve_reason = "
        "CASE resolve_reason WHEN 'merge_resolve_reason' THEN 'merged' ELSE 'other' END "
        "WHERE resolve_reason IS NOT NULL AND resolve_reason NOT IN ('merged', 'other')"
    )

    op.add_column("messages", sa.Column("author_kind", sa.String(length=64), nullable=True))
    # the Slack adapter's rule (sources/slack_records.py, author_kind), as it was at 0004
    op.execute(
        "UPDATE messages SET author_kind = CASE "
        f"WHEN subtype IS NOT NULL AND subtype <> '' "
        f"AND subtype NOT IN ({_listed(PERSON_SUBTYPES)}, 'bot_message') THEN 'system' "
        "WHEN (bot_id IS NOT NULL AND bot_id <> '') OR subtype = 'bot_message' THEN 'bot' "
        "WHEN user_id = 'USLACKBOT' THEN 'system' "
        "ELSE 'person' END"
    )
    with op.batch_alter_table("messages") as batch:
        batch.alter_column("author_kind", existing_type=sa.String(length=64), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("author_kind")
    # "other" and "automation" name several vendor values: they stay as they are
    back_kinds = {new: old for old, new in EVENT_KINDS.items()}
    op.execute(
        f"UPDATE log_events SET type = {_case('type', back_kinds, 'other')} "
        f"WHERE type IN ({_listed(back_kinds)})"
    )
    back_actors = {
        "person": "user_reference",
        "service": "service_reference",
        "integration": "integration_reference",
    }
    op.execute(
        f"UPDATE log_events SET agent_type = {_case('agent_type', back_actors, 'automation')} "
        f"WHERE agent_type IN ({_listed(back_actors)})"
    )
    op.execute(
        "UPDATE incidents SET resolve_reason = 'merge_resolve_reason' "
        "WHERE resolve_reason = 'merged'"
    )
