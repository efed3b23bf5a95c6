"""Hostile-input tests run on SQLite and, when a server answers, on PostgreSQL.

PostgreSQL is the server at ``OPSAUDIT_TEST_PG_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``), a fresh schema per test; when none
answers, those parametrisations skip.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pg_server import fresh_schema, server_or_skip


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hostile.db'}"
        return
    admin = server_or_skip()
    try:
        with fresh_schema(admin) as url:
            yield url
    finally:
        admin.dispose()
