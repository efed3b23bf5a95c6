"""One sync of a source at a time per store: the second waits for the first.

Two syncs of one source at once (an ``audit`` and a scheduled ``sync``, two flow runs)
would both read the same cursor, fetch the same pages and write the same rows. With
:func:`source_lock` held around a sync step (read the cursor, fetch, save) the second
waits, then starts from the cursor the first saved and fetches only what is new since.
Waiting rather than failing ("another sync is running") keeps both runs whole: neither
ends with its source failed and its checks unknown.

PostgreSQL: a session-level advisory lock keyed by the schema and the source, on a
connection of its own that holds no transaction while the fetch runs (a crashed process
drops its connection, and with it the lock). A SQLite file: an exclusive lock on a file
next to the database. An in-memory SQLite database belongs to one process: no lock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, text

WAIT_SECONDS = 900.0  # the longest a sync step waits for another sync of its source
POLL_SECONDS = 0.2
# first key of the two-int advisory locks: the sync locks' namespace (the migration
# lock uses the one-bigint key space, which does not overlap)
_PG_NAMESPACE = 0x6F70_7361  # "opsa"


class SourceBusy(Exception):
    """Another sync of the source held it for longer than the wait allows."""


@contextmanager
def source_lock(engine: Engine, source: str, *, wait: float = WAIT_SECONDS) -> Iterator[None]:
    """Hold the sync lock of ``source`` in the store behind ``engine``, waiting up to
    ``wait`` seconds for another sync of it to finish (:class:`SourceBusy` after)."""
    if engine.dialect.name == "postgresql":
        with _pg_lock(engine, source, wait=wait):
            yield
        return
    database = engine.url.database or ""
    if engine.dialect.name != "sqlite" or database in ("", ":memory:"):
        yield
        return
    with _file_lock(Path(database).expanduser(), source, wait=wait):
        yield


@contextmanager
def _pg_lock(engine: Engine, source: str, *, wait: float) -> Iterator[None]:
    key = {"ns": _PG_NAMESPACE, "source": source}
    # hashtext: the same int4 in every process; current_schema: one lock per store
    target = "(:ns, hashtext(coalesce(current_schema(), '') || '/' || :source))"
    with engine.connect() as connection:
        _wait(
            lambda: _pg_try(connection, f"SELECT pg_try_advisory_lock{target}", key),
            source=source,
            wait=wait,
        )
        try:
            yield
        finally:
            try:
                connection.execute(text(f"SELECT pg_advisory_unlock{target}"), key)
                connection.commit()
            except Exception:
                # never hand a connection that may still hold the lock back to the pool
                connection.invalidate()
                raise


def _pg_try(connection: Connection, statement: str, key: dict[str, object]) -> bool:
    got = bool(connection.execute(text(statement), key).scalar())
    connection.commit()  # no transaction stays open while the lock is held or awaited
    return got


@contextmanager
def _file_lock(database: Path, source: str, *, wait: float) -> Iterator[None]:
    import fcntl  # POSIX only; only a SQLite file store needs it

    path = database.with_name(f"{database.name}.sync-{source}.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:

        def attempt() -> bool:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        _wait(attempt, source=source, wait=wait)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _wait(attempt: Callable[[], bool], *, source: str, wait: float) -> None:
    deadline = time.monotonic() + wait
    while not attempt():
        if time.monotonic() >= deadline:
            raise SourceBusy(f"another sync of {source} is still running after {wait:.0f} s")
        time.sleep(POLL_SECONDS)
