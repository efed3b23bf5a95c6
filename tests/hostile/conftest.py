"""Hostile-input tests run on SQLite and, when a server answers, on PostgreSQL.

PostgreSQL is the server at ``OPSAUDIT_TEST_PG_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``), a fresh schema per test; when none
answers, those parametrisations skip.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

PG_URL = os.environ.get("OPSAUDIT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hostile.db'}"
        return
    url = make_url(PG_URL)
    admin = create_engine(
        url.set(drivername="postgresql+psycopg"), connect_args={"connect_timeout": 3}
    )
    schema = f"t_{secrets.token_hex(6)}"
    try:
        with admin.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
    except OperationalError as exc:
        admin.dispose()
        pytest.skip(f"PostgreSQL not reachable at {url.render_as_string()}: {exc.orig}")
    try:
        yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
