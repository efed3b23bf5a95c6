"""Small builders of records for the store tests: defaults plus the fields a test cares about."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import fields, is_dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from opsaudit.records import (
    Blob,
    Channel,
    Commit,
    FileChange,
    Incident,
    IncidentEvent,
    IncidentsPost,
    MessageMeta,
    Service,
    WorkItem,
)
from opsaudit.sandbox.state import git_blob_sha, slack_ts

T = TypeVar("T")
T0 = datetime(2026, 10, 3, 14, 0, 0, 123456, tzinfo=UTC)


def at(minutes: float) -> datetime:
    """``T0`` plus some minutes (keeps the microseconds of ``T0``)."""
    return T0 + timedelta(minutes=minutes)


def commit(engine: Engine, save: Callable[..., None], batch: Any) -> None:
    """Save ``batch`` with ``save`` in a transaction of its own, as the sync does."""
    with Session(engine) as session, session.begin():
        save(session=session, batch=batch)


def read(engine: Engine, load: Callable[..., T], **kwargs: Any) -> T:
    """Call ``load`` in a fresh session (what another process would see)."""
    with Session(engine) as session:
        return load(session=session, **kwargs)


def datetimes(value: Any) -> Iterator[datetime]:
    """Every datetime inside a record, a tuple of records or a list of them."""
    if isinstance(value, datetime):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from datetimes(item)
    elif is_dataclass(value):
        for f in fields(value):
            yield from datetimes(getattr(value, f.name))


def service(id: str = "PSVC001", **kw: Any) -> Service:
    base: dict[str, Any] = {"id": id, "name": "Checkout API", "html_url": "", "team_ids": ()}
    return Service(**base | kw)


def incident(id: str = "Q1ABCDEF", *, minutes: float = 0, **kw: Any) -> Incident:
    base: dict[str, Any] = {
        "id": id,
        "number": 1234,
        "title": "Checkout 5xx",
        "status": "triggered",
        "urgency": "high",
        "created_at": at(minutes),
        "service_id": "PSVC001",
    }
    return Incident(**base | kw)


def log_event(
    id: str, incident_id: str = "Q1ABCDEF", *, minutes: float = 0, **kw: Any
) -> IncidentEvent:
    base: dict[str, Any] = {"id": id, "incident_id": incident_id, "created_at": at(minutes)}
    return IncidentEvent(**base | {"kind": "acknowledged"} | kw)


def channel(id: str, name: str, **kw: Any) -> Channel:
    base: dict[str, Any] = {"id": id, "name": name, "created": T0}
    return Channel(**base | kw)


def message(channel_id: str, *, minutes: float, seq: int = 0, **kw: Any) -> MessageMeta:
    moment = at(minutes)
    base: dict[str, Any] = {"channel_id": channel_id, "ts": slack_ts(moment, seq)}
    base["posted_at"] = moment
    return MessageMeta(**base | kw)


def post(ts_minutes: float, text: str, **kw: Any) -> IncidentsPost:
    moment = at(ts_minutes)
    base: dict[str, Any] = {"channel_id": "CINCIDENTS", "ts": slack_ts(moment)}
    base["posted_at"] = moment
    return IncidentsPost(**base | {"text": text} | kw)


def sha(name: str) -> str:
    """A commit sha made from a name (stable, 40 hex digits)."""
    return hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()


def blob(text: str) -> Blob:
    return Blob(sha=git_blob_sha(text), text=text)


def add(path: str, text: str) -> FileChange:
    return FileChange(path=path, status="added", blob_sha=git_blob_sha(text))


def edit(path: str, text: str) -> FileChange:
    return FileChange(path=path, status="modified", blob_sha=git_blob_sha(text))


def remove(path: str) -> FileChange:
    return FileChange(path=path, status="removed", blob_sha=None)


def rename(old: str, new: str, text: str) -> FileChange:
    return FileChange(path=new, status="renamed", blob_sha=git_blob_sha(text), previous_path=old)


def git_commit(name: str, when: datetime, *changes: FileChange, **kw: Any) -> Commit:
    base: dict[str, Any] = {"sha": sha(name), "committed_at": when, "author": "Ana"}
    base["message"] = name
    return Commit(**base | {"changes": tuple(changes)} | kw)


def issue(number: int, state: str = "open", **kw: Any) -> WorkItem:
    base: dict[str, Any] = {"repo": "example-org/ops-docs", "number": number, "state": state}
    return WorkItem(**base | kw)
