"""Opening the store: an engine for a URL, its schema checked or migrated to the newest revision.

The schema is owned by Alembic. Migrating is the composition root's job
(:mod:`opsaudit.runtime` opens with ``migrate=True``, once per run, under a lock so
that two runs starting together do not both upgrade); any other open only checks
that the schema is the one this code was written for, and says so clearly if not.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.pool import StaticPool

from opsaudit.config import ConfigError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# pg_advisory_xact_lock key of the migrations: any constant the application owns
_PG_LOCK_KEY = 0x6F70_7361_7564_6974 & 0x7FFF_FFFF_FFFF_FFFF  # "opsaudit"


class StoreNotMigrated(Exception):
    """The store's schema is not the one this code needs: migrations must run first."""


def open_store(url: str, *, migrate: bool = False) -> Engine:
    """Open the database at ``url`` (any SQLAlchemy URL) and return its engine.

    With ``migrate`` the schema is brought to the newest revision first (under a lock);
    without, it must already be there, or :class:`StoreNotMigrated` says what to run.
    A URL of no usable database, or a database that does not answer, is a
    :class:`~opsaudit.config.ConfigError` naming ``database.url`` (never the password).
    ``postgresql://`` means psycopg 3 (also under SQLAlchemy 2.0, whose default was
    psycopg2). For a SQLite file the parent folder is created when missing; an
    in-memory SQLite database keeps one connection, or every checkout would see a new,
    empty database.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError("database.url: not a database URL") from None
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        if _sqlite_in_memory(parsed):
            kwargs["poolclass"] = StaticPool
            kwargs["connect_args"] = {"check_same_thread": False}
        else:
            Path(str(parsed.database)).expanduser().parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(parsed, **kwargs)
    except (NoSuchModuleError, ArgumentError, ImportError) as exc:
        raise ConfigError(
            f"database.url: {parsed.render_as_string(hide_password=True)} is no database "
            f"this opsaudit can use ({type(exc).__name__}); use sqlite:// or postgresql://"
        ) from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        _reach(engine)
        if migrate:
            migrate_store(engine)
        else:
            check_schema(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def _reach(engine: Engine) -> None:
    """Connect once: a database that does not answer is a configuration error."""
    try:
        with engine.connect():
            pass
    except DBAPIError as exc:
        where = engine.url.render_as_string(hide_password=True)
        reason = next(iter(str(exc.orig).strip().splitlines()), "") if exc.orig else ""
        password = engine.url.password
        if password:
            reason = reason.replace(str(password), "***")
        raise ConfigError(
            f"database.url: cannot connect to {where}: {reason or type(exc).__name__}"
        ) from None


def migrate_store(engine: Engine) -> None:
    """Run ``alembic upgrade head`` on ``engine`` in one transaction, one run at a time."""
    config = _alembic_config()
    with _migration_lock(engine), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # held until this transaction ends: a second run waits, then finds nothing to do
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        # env.py uses this connection instead of building its own engine from a URL
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def check_schema(engine: Engine) -> None:
    """Raise :class:`StoreNotMigrated` unless the store is at the newest revision."""
    head = head_revision()
    with engine.connect() as connection:
        current = _current_revision(connection)
    if current != head:
        where = engine.url.render_as_string(hide_password=True)
        found = f"at revision {current}" if current else "not initialised"
        raise StoreNotMigrated(
            f"the store {where} is {found}, this opsaudit needs revision {head}: "
            "run migrations first (opsaudit sync or audit migrate it, "
            "or opsaudit.store.open_store(url, migrate=True))"
        )


def head_revision() -> str | None:
    """The newest revision of the migrations shipped with this code."""
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """On a SQLite file, an exclusive lock on a file next to it while migrating.

    SQLite's own locks do not cover Alembic's DDL (pysqlite runs it outside the
    transaction it opens for DML); PostgreSQL has its advisory lock instead.
    """
    database = engine.url.database or ""
    if engine.dialect.name != "sqlite" or _sqlite_in_memory(engine.url):
        yield
        return
    import fcntl  # POSIX only; only a SQLite file store needs it

    lock_path = Path(database).expanduser().with_name(Path(database).name + ".migrate-lock")
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sqlite_in_memory(url: URL) -> bool:
    database = url.database or ""
    return database in ("", ":memory:") or "mode=memory" in str(url.query.get("mode", ""))


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    # SQLite ignores foreign keys (and so ON DELETE CASCADE) unless asked per connection
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
