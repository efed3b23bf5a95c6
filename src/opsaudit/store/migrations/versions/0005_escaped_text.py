"""Escaped text: every string column keeps any str (NUL, lone surrogates).

Revision ID: 0005
Revises: 0004

From this revision on, string columns hold text escaped by
:mod:`opsaudit.store.safetext`: NUL, surrogates and the escape character U+FDD0 are
written as U+FDD0 and four hex digits. Text stored before was raw. It holds no
surrogate (neither driver could encode one), and on PostgreSQL no NUL (refused), but
it may hold U+FDD0, and on SQLite NUL: left raw, a stored U+FDD0 followed by four hex
digits would read back as another character. This revision escapes those, and only
those rows are written; the schema itself does not change.

Frozen like 0001: the columns and the escape are written out here, never imported.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

ESC = "\ufdd0"
ESC_CODE = 0xFDD0
# every string column at 0004, by table
COLUMNS: dict[str, tuple[str, ...]] = {
    "audit_runs": ("status",),
    "blobs": ("sha", "text"),
    "channels": ("id", "name", "creator"),
    "commits": ("sha", "author", "message"),
    "digest_announcements": ("rule", "subject_key", "fingerprint", "channel_id", "ts"),
    "digests": ("fingerprint", "channel_id", "ts"),
    "findings": ("rule", "subject_key", "status"),
    "incidents": (
        "id",
        "title",
        "status",
        "urgency",
        "service_id",
        "html_url",
        "priority_id",
        "priority_name",
        "resolve_reason",
        "merged_into_id",
        "escalation_policy_id",
    ),
    "incidents_posts": ("channel_id", "ts", "text", "thread_ts", "user_id", "permalink"),
    "issue_states": ("repo", "state", "html_url", "title"),
    "log_events": (
        "id",
        "incident_id",
        "type",
        "agent_type",
        "agent_id",
        "escalation_policy_id",
        "channel_type",
    ),
    "messages": (
        "channel_id",
        "ts",
        "thread_ts",
        "user_id",
        "bot_id",
        "bot_name",
        "subtype",
        "author_kind",
    ),
    "priorities": ("id", "name"),
    "services": ("id", "name", "html_url"),
    "sync_state": ("source", "last_status", "last_error"),
    "users": ("id", "name", "email"),
    "file_changes": ("commit_sha", "path", "status", "blob_sha", "previous_path"),
    "results": ("rule", "subject_key", "status"),
}
_SPECIAL = re.compile("[\x00\ud800-\udfff\ufdd0]")
_ESCAPED = re.compile("\ufdd0([0-9A-F]{4})")


def _escape(value: str) -> str:
    return _SPECIAL.sub(lambda m: f"{ESC}{ord(m.group()):04X}", value)


def _unescape(value: str) -> str:
    # NUL and surrogates only where the database takes them raw (SQLite: NUL)
    def back(m: re.Match[str]) -> str:
        code = int(m.group(1), 16)
        return m.group() if 0xD800 <= code <= 0xDFFF else chr(code)

    return _ESCAPED.sub(back, value)


def upgrade() -> None:
    _rewrite(forward=True)


def downgrade() -> None:
    # PostgreSQL cannot hold NUL: an escaped NUL (or surrogate) stays escaped there
    _rewrite(forward=False)


def _rewrite(*, forward: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _rewrite_postgresql(bind, forward=forward)
    else:
        _rewrite_sqlite(bind, forward=forward)


def _rewrite_postgresql(bind: sa.Connection, *, forward: bool) -> None:
    esc, escaped = f"chr({ESC_CODE})", f"(chr({ESC_CODE}) || 'FDD0')"
    old, new = (esc, escaped) if forward else (escaped, esc)
    # a commit's sha is its file changes' key: updated together, without the foreign key
    fk_moves = bind.execute(
        sa.text(f"SELECT 1 FROM commits WHERE strpos(sha, {old}) > 0 LIMIT 1")
    ).first()
    if fk_moves:
        op.drop_constraint("fk_file_changes_commit_sha_commits", "file_changes", "foreignkey")
    for table, columns in COLUMNS.items():
        for column in columns:
            op.execute(
                f"UPDATE {table} SET {column} = replace({column}, {old}, {new}) "
                f"WHERE strpos({column}, {old}) > 0"
            )
    if fk_moves:
        op.create_foreign_key(
            "fk_file_changes_commit_sha_commits",
            "file_changes",
            "commits",
            ["commit_sha"],
            ["sha"],
            ondelete="CASCADE",
        )


def _rewrite_sqlite(bind: sa.Connection, *, forward: bool) -> None:
    # SQLite's replace() stops at a NUL: the few rows concerned are rewritten from Python
    rewrite = _escape if forward else _unescape
    for table, columns in COLUMNS.items():
        for column in columns:
            found = bind.execute(
                sa.text(
                    f"SELECT rowid, {column} FROM {table} "
                    f"WHERE instr(CAST({column} AS BLOB), X'00') > 0 "
                    f"OR instr({column}, char({ESC_CODE})) > 0"
                )
            ).all()
            for rowid, value in found:
                # foreign keys checked at commit: a commit's sha and its file changes'
                # are rewritten one after the other. Set before each write, as pysqlite
                # may have committed (which resets it) since the last one.
                bind.execute(sa.text("PRAGMA defer_foreign_keys = ON"))
                bind.execute(
                    sa.text(f"UPDATE {table} SET {column} = :value WHERE rowid = :rowid"),
                    {"value": rewrite(value), "rowid": rowid},
                )
