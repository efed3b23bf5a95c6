"""A failed source's error is one short line: no SQL, no parameters, no source text, no token.

The database errors here are real ones, raised by SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError
from store_pg import pg_server, pg_url  # noqa: F401 -- fixtures

from opsaudit.secrets import Redactor
from opsaudit.sync import ERROR_LIMIT, describe_failure, short_line

POSTMORTEM = "# Post-mortem\n\n" + "The checkout fell over because of the cache. " * 100


def _raised(engine: Engine, *statements: str, **params: str) -> DBAPIError:
    with pytest.raises(DBAPIError) as caught, engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement), params)
    return caught.value


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:  # noqa: F811
    engine = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
    yield engine
    engine.dispose()


@pytest.mark.postgres
def test_postgresql_nul_error_keeps_neither_statement_nor_text(pg_engine: Engine) -> None:
    exc = _raised(
        pg_engine,
        "CREATE TABLE blobs (sha text PRIMARY KEY, text text)",
        "INSERT INTO blobs VALUES ('b1', :text)",
        text=POSTMORTEM + "\x00",
    )
    # what used to be stored and published: the statement and part of the text
    assert "INSERT" in str(exc) and "checkout fell over" in str(exc)
    error = describe_failure(exc)
    assert error.startswith("database error DataError"), error
    assert "NUL" in error
    assert "INSERT" not in error and "checkout" not in error and "\n" not in error


@pytest.mark.postgres
def test_postgresql_unique_violation_keeps_the_constraint_not_the_key(pg_engine: Engine) -> None:
    exc = _raised(
        pg_engine,
        "CREATE TABLE findings (subject_key text PRIMARY KEY)",
        "INSERT INTO findings VALUES (:key)",
        "INSERT INTO findings VALUES (:key)",
        key="docs/incidents/secret-project.md",
    )
    assert "secret-project" in str(exc.orig)  # the driver's DETAIL line names the key
    error = describe_failure(exc)
    assert error == (
        "database error IntegrityError (UniqueViolation): "
        'duplicate key value violates unique constraint "findings_pkey"'
    )


def test_sqlite_error_is_class_and_reason(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    exc = _raised(engine, "INSERT INTO nowhere VALUES (:text)", text=POSTMORTEM)
    engine.dispose()
    assert describe_failure(exc) == "database error OperationalError: no such table: nowhere"


def test_a_long_message_is_cut_to_one_bounded_line() -> None:
    error = describe_failure(ValueError(POSTMORTEM.replace("\n\n", " ") + "\nsecond line"))
    assert len(error) == ERROR_LIMIT and error.endswith("\u2026")
    assert "\n" not in error and "second line" not in error


def test_control_characters_and_surrogates_are_not_published() -> None:
    error = describe_failure(RuntimeError("bad \x00 byte \udcff and \x1b[31m colour"))
    assert error == "bad byte and [31m colour"
    error.encode("utf-8")


def test_a_token_is_redacted_before_the_line_is_cut() -> None:
    token = "ghp_" + "T" * 36
    Redactor.register(token)
    # the token straddles the limit: cut first, its first half would be published
    message = "x" * (ERROR_LIMIT - 10) + f" {token} rest"
    assert token[:8] not in describe_failure(PermissionError(message))
    assert token not in short_line(f"stored: {token}")
    assert "[redacted]" in short_line(f"stored: {token}")


def test_an_exception_without_a_message_is_named_by_its_class() -> None:
    assert describe_failure(TimeoutError()) == "TimeoutError"
