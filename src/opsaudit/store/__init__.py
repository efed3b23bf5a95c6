"""The SQL store: schema (SQLAlchemy models), migrations (Alembic) and every query.

Usage::

    engine = open_store("sqlite:///.opsaudit/opsaudit.db")  # migrated by opsaudit.runtime
    with Session(engine) as session, session.begin():
        save_incidents(session=session, batch=batch)
"""

from __future__ import annotations

from opsaudit.store.engine import StoreNotMigrated, check_schema, migrate_store, open_store
from opsaudit.store.locks import SourceBusy, source_lock
from opsaudit.store.repository import *  # noqa: F403 -- the public queries, see __all__
from opsaudit.store.repository import __all__ as _queries

__all__ = [
    "SourceBusy",
    "StoreNotMigrated",
    "check_schema",
    "migrate_store",
    "open_store",
    "source_lock",
    *_queries,
]
