"""Dialect-aware bulk writes shared by the repository modules.

Upserts use ``INSERT ... ON CONFLICT`` of SQLite or PostgreSQL, so saving a batch
twice leaves the same rows. Rows go as executemany calls of at most ``MAX_PARAMS``
values each, so however the driver folds them into multi-row statements (SQLAlchemy's
"insertmanyvalues" does on PostgreSQL) none passes the bound-parameter cap (SQLite's
is 32,766 since 3.32; PostgreSQL's 65,535). ``IN`` lists are chunked the same way.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session

T = TypeVar("T")
Row = dict[str, Any]

# below SQLite's cap, with room to spare; old SQLite builds allow only 999
MAX_PARAMS = 30_000 if sqlite3.sqlite_version_info >= (3, 32, 0) else 900


def chunked(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """``items`` in consecutive slices of at most ``size``."""
    for start in range(0, len(items), max(1, size)):
        yield items[start : start + max(1, size)]


def rows_per_statement(columns: int) -> int:
    """How many rows of ``columns`` values fit in one statement under the cap."""
    return max(1, MAX_PARAMS // max(1, columns))


def dialect_insert(
    session: Session, model: type[DeclarativeBase]
) -> postgresql.Insert | sqlite.Insert:
    """An ``INSERT`` into ``model``'s table that can take ``ON CONFLICT`` (SQLite or
    PostgreSQL, as the session's database is)."""
    # the Core table, not the ORM entity: plain executemany, no ORM bulk bookkeeping
    table = cast(Table, model.__table__)
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"the store supports SQLite and PostgreSQL, not {dialect}")


def _unique(rows: Iterable[Row], keys: Sequence[str]) -> list[Row]:
    # PostgreSQL refuses to update one row twice in a statement: the last copy wins
    by_key = {tuple(row[k] for k in keys): row for row in rows}
    return list(by_key.values())


def upsert(
    session: Session,
    model: type[DeclarativeBase],
    rows: Iterable[Row],
    *,
    keys: Sequence[str],
    keep: Sequence[str] = (),
) -> None:
    """Insert ``rows``, or update every column but ``keys`` and ``keep`` where they exist."""
    unique = _unique(rows, keys)
    if not unique:
        return
    stmt = dialect_insert(session, model)
    update = {c: stmt.excluded[c] for c in unique[0] if c not in keys and c not in keep}
    if update:
        stmt = stmt.on_conflict_do_update(index_elements=list(keys), set_=update)
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
    execute_many(session, stmt, unique)


def insert_missing(
    session: Session, model: type[DeclarativeBase], rows: Iterable[Row], *, keys: Sequence[str]
) -> None:
    """Insert the ``rows`` whose key is not stored yet; stored rows stay untouched."""
    unique = _unique(rows, keys)
    if unique:
        stmt = dialect_insert(session, model).on_conflict_do_nothing(index_elements=list(keys))
        execute_many(session, stmt, unique)


def execute_many(
    session: Session, stmt: postgresql.Insert | sqlite.Insert, rows: list[Row]
) -> None:
    """Run ``stmt`` over ``rows`` as executemany calls under the parameter cap."""
    # executemany is ~10x faster than one huge VALUES list (no per-row compiling); each
    # call stays under the parameter cap whatever multi-row batching the driver does
    for chunk in chunked(rows, rows_per_statement(len(rows[0]))):
        session.execute(stmt, list(chunk))


def in_chunks(values: Iterable[T]) -> Iterator[list[T]]:
    """Distinct ``values`` in lists small enough for one ``IN (...)`` each."""
    distinct = list(dict.fromkeys(values))
    for chunk in chunked(distinct, MAX_PARAMS):
        yield list(chunk)
