"""Opening the store: an engine for a URL, with the schema migrated to the newest revision.

The schema is owned by Alembic. ``open_store`` runs ``upgrade head`` on every open,
which is cheap when there is nothing to do, so a fresh SQLite file, an old database
and an up-to-date one all come back ready to use.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def open_store(url: str) -> Engine:
    """Open the database at ``url`` (any SQLAlchemy URL), migrate it to head, return it.

    ``postgresql://`` means psycopg 3 (also under SQLAlchemy 2.0, whose default was
    psycopg2). For a SQLite file the parent folder is created when missing; an
    in-memory SQLite database keeps one connection, or every checkout would see a new,
    empty database.
    """
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        if _sqlite_in_memory(parsed):
            kwargs["poolclass"] = StaticPool
            kwargs["connect_args"] = {"check_same_thread": False}
        else:
            Path(str(parsed.database)).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    migrate(engine)
    return engine


def migrate(engine: Engine) -> None:
    """Run ``alembic upgrade head`` on ``engine`` in one transaction."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        # env.py uses this connection instead of building its own engine from a URL
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _sqlite_in_memory(url: URL) -> bool:
    database = url.database or ""
    return database in ("", ":memory:") or "mode=memory" in str(url.query.get("mode", ""))


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    # SQLite ignores foreign keys (and so ON DELETE CASCADE) unless asked per connection
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
