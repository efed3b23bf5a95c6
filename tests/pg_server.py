"""The PostgreSQL server of the tests: ``OPSAUDIT_TEST_PG_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``), or a skip that says why when none answers.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

PG_URL = os.environ.get("OPSAUDIT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def psycopg_url(url: str = PG_URL) -> URL:
    """``url`` with the driver the package uses (psycopg 3)."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def server_or_skip(**options: Any) -> Engine:
    """An engine on the test server, or a skip naming the server and the reason."""
    url = psycopg_url()
    engine = create_engine(url, connect_args={"connect_timeout": 3}, **options)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        pytest.skip(f"PostgreSQL not reachable at {url.render_as_string()}: {reason}")
    return engine


@contextmanager
def fresh_schema(admin: Engine) -> Iterator[str]:
    """The URL of a new, empty schema (first on the search path), dropped afterwards."""
    schema = f"t_{secrets.token_hex(6)}"
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
