"""Every store test runs twice: on a SQLite file and on PostgreSQL (a schema of its own).

PostgreSQL is the server at ``OPSAUDIT_TEST_PG_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``); when none answers, those tests skip.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from opsaudit.store import open_store
from pg_server import fresh_schema, server_or_skip


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Engine]:
    """An engine on the test server's default schema, or a skip when it is not there."""
    engine = server_or_skip()
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: a SQLite file in a folder not yet made, or a fresh
    PostgreSQL schema (dropped afterwards) that the URL puts first on the search path."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'state' / 'opsaudit.db'}"
        return
    with fresh_schema(request.getfixturevalue("pg_admin")) as url:
        yield url


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    """The store at ``store_url``, migrated."""
    opened = open_store(store_url, migrate=True)
    yield opened
    opened.dispose()
