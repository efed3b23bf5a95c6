"""Migrations: an empty database gets exactly the models' schema, and re-running is a no-op."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text
from store_builders import commit, incident, read, service

from opsaudit.records import PagerDutyBatch
from opsaudit.store import load_incidents, open_store, save_pagerduty
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
    first = open_store(store_url)
    commit(first, save_pagerduty, PagerDutyBatch(services=[service()], incidents=[incident()]))
    first.dispose()

    again = open_store(store_url)
    try:
        assert read(again, load_incidents) == [incident()]
        with again.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version"))
            assert versions.scalars().all() == [_head()]
    finally:
        again.dispose()


def test_sqlite_parent_folder_is_created(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "opsaudit.db"
    engine = open_store(f"sqlite:///{target}")
    engine.dispose()
    assert target.is_file()


def test_in_memory_sqlite_is_usable() -> None:
    engine = open_store("sqlite://")
    try:
        commit(engine, save_pagerduty, PagerDutyBatch(incidents=[incident()]))
        assert read(engine, load_incidents) == [incident()]
    finally:
        engine.dispose()


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_postgresql_url_uses_psycopg_3(store_url: str) -> None:
    assert store_url.startswith("postgresql://")
    engine = open_store(store_url)
    try:
        assert engine.dialect.driver == "psycopg"
        columns = {c["name"]: c["type"] for c in inspect(engine).get_columns("incidents")}
        assert (
            getattr(columns["created_at"], "timezone", None) is True
        )  # timestamptz, not a naive timestamp
    finally:
        engine.dispose()
