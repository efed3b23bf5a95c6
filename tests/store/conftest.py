"""Every store test runs twice: on a SQLite file and on PostgreSQL (a schema of its own).

PostgreSQL is the server at ``OPSAUDIT_TEST_PG_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``); when none answers, those tests skip.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from opsaudit.store import open_store

PG_URL = os.environ.get("OPSAUDIT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Engine]:
    """An engine on the test server's default schema, or a skip when it is not there."""
    url = make_url(PG_URL)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        pytest.skip(f"PostgreSQL not reachable at {url.render_as_string()}: {reason}")
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: a SQLite file in a folder not yet made, or a fresh
    PostgreSQL schema (dropped afterwards) that the URL puts first on the search path."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'state' / 'opsaudit.db'}"
        return
    admin: Engine = request.getfixturevalue("pg_admin")
    schema = f"t_{secrets.token_hex(6)}"
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    """The store at ``store_url``, migrated."""
    opened = open_store(store_url, migrate=True)
    yield opened
    opened.dispose()
