"""Migrations: an empty database gets exactly the models' schema, re-running is a no-op,
old rows are rewritten in our words, and opening without migrating says what to do."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url
from store_builders import commit, incident, read, service

from opsaudit.records import MERGED, IncidentBatch
from opsaudit.store import (
    StoreNotMigrated,
    load_incidents,
    load_log_events,
    load_messages,
    open_store,
    save_incidents,
)
from opsaudit.store.engine import MIGRATIONS_DIR
from opsaudit.store.schema import Base


def _head() -> str | None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config).get_current_head()


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
        assert context.get_current_revision() == _head()


def test_every_table_and_index_of_the_models_exists(engine: Engine) -> None:
    found = inspect(engine)
    assert set(found.get_table_names()) == {*Base.metadata.tables, "alembic_version"}
    assert {ix["name"] for ix in found.get_indexes("log_events")} == {
        "ix_log_events_incident_id",
        "ix_log_events_created_at",
    }


def test_messages_table_has_no_text_column(engine: Engine) -> None:
    columns = {c["name"] for c in inspect(engine).get_columns("messages")}
    assert "text" not in columns
    assert {"channel_id", "ts", "posted_at", "bot_id", "subtype"} <= columns


def test_opening_again_keeps_the_data_and_the_revision(store_url: str) -> None:
    first = open_store(store_url, migrate=True)
    commit(first, save_incidents, IncidentBatch(services=[service()], incidents=[incident()]))
    first.dispose()

    again = open_store(store_url, migrate=True)
    try:
        assert read(again, load_incidents) == [incident()]
        with again.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version"))
            assert versions.scalars().all() == [_head()]
    finally:
        again.dispose()


def test_sqlite_parent_folder_is_created(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "opsaudit.db"
    engine = open_store(f"sqlite:///{target}", migrate=True)
    engine.dispose()
    assert target.is_file()


def test_in_memory_sqlite_is_usable() -> None:
    engine = open_store("sqlite://", migrate=True)
    try:
        commit(engine, save_incidents, IncidentBatch(incidents=[incident()]))
        assert read(engine, load_incidents) == [incident()]
    finally:
        engine.dispose()


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_postgresql_url_uses_psycopg_3(store_url: str) -> None:
    assert store_url.startswith("postgresql://")
    engine = open_store(store_url, migrate=True)
    try:
        assert engine.dialect.driver == "psycopg"
        columns = {c["name"]: c["type"] for c in inspect(engine).get_columns("incidents")}
        assert (
            getattr(columns["created_at"], "timezone", None) is True
        )  # timestamptz, not a naive timestamp
    finally:
        engine.dispose()


def test_opening_an_unmigrated_store_says_to_run_migrations(tmp_path: Path) -> None:
    with pytest.raises(StoreNotMigrated, match="run migrations"):
        open_store(f"sqlite:///{tmp_path / 'fresh.db'}")


def _raw_engine(url: str) -> Engine:
    """An engine on ``url`` that neither migrates nor checks the schema."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
    return create_engine(parsed)


def _upgrade(url: str, revision: str) -> None:
    engine = _raw_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


_OLD_ROWS = [
    "INSERT INTO incidents (id, number, title, status, urgency, created_at, service_id, "
    "html_url, resolve_reason, assignee_ids, responder_requests) VALUES "
    "('Q1', 1, 't', 'resolved', 'high', '2026-11-02 10:00:00', 'S', '', "
    "'merge_resolve_reason', '[]', '[]'), "
    "('Q2', 2, 't', 'resolved', 'high', '2026-11-02 11:00:00', 'S', '', NULL, '[]', '[]')",
    "INSERT INTO log_events (id, incident_id, type, created_at, agent_type, agent_id, "
    "user_ids) VALUES "
    "('R1', 'Q2', 'trigger_log_entry', '2026-11-02 11:00:00', 'service_reference', 'S', '[]'), "
    "('R2', 'Q2', 'acknowledge_log_entry', '2026-11-02 11:01:00', 'user_reference', 'U', '[]'), "
    "('R3', 'Q2', 'annotate_log_entry', '2026-11-02 11:02:00', 'api_token_reference', 'T', '[]'), "
    "('R4', 'Q2', 'resolve_log_entry', '2026-11-02 11:03:00', "
    "'inbound_integration_reference', 'I', '[]'), "
    "('R5', 'Q2', 'notify_log_entry', '2026-11-02 11:04:00', NULL, NULL, '[]')",
    "INSERT INTO messages (channel_id, ts, posted_at, user_id, bot_id, subtype) VALUES "
    "('C', '1.000001', '2026-11-02 11:00:00', 'U1', NULL, NULL), "
    "('C', '1.000002', '2026-11-02 11:00:01', 'U1', NULL, 'thread_broadcast'), "
    "('C', '1.000003', '2026-11-02 11:00:02', 'U1', NULL, 'channel_join'), "
    "('C', '1.000004', '2026-11-02 11:00:03', NULL, 'B1', 'bot_message'), "
    "('C', '1.000005', '2026-11-02 11:00:04', 'U2', 'B2', NULL), "
    "('C', '1.000006', '2026-11-02 11:00:05', 'USLACKBOT', NULL, NULL), "
    "('C', '1.000007', '2026-11-02 11:00:06', NULL, NULL, 'tombstone'), "
    "('C', '1.000008', '2026-11-02 11:00:07', 'U1', NULL, 'file_share')",
]


def test_0004_rewrites_stored_vendor_words_into_ours(store_url: str) -> None:
    _upgrade(store_url, "0003")
    old = _raw_engine(store_url)
    try:
        with old.begin() as connection:
            for statement in _OLD_ROWS:
                connection.execute(text(statement))
    finally:
        old.dispose()

    engine = open_store(store_url, migrate=True)
    try:
        incidents = {i.id: i.resolve_reason for i in read(engine, load_incidents)}
        assert incidents == {"Q1": MERGED, "Q2": None}
        events = read(engine, load_log_events, incident_ids=["Q2"])
        assert [(e.id, e.kind, e.actor_kind) for e in events] == [
            ("R1", "triggered", "service"),
            ("R2", "acknowledged", "person"),
            ("R3", "other", "automation"),
            ("R4", "resolved", "integration"),
            ("R5", "notified", None),
        ]
        messages = read(engine, load_messages, channel_ids=["C"])
        assert [m.author_kind for m in messages] == [
            "person",
            "person",
            "system",
            "bot",
            "bot",
            "system",
            "system",
            "person",
        ]
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()
