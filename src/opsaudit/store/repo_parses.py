"""Parses of post-mortem blobs kept across runs (:mod:`opsaudit.parsing.cache`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsaudit.store._sql import in_chunks, insert_missing
from opsaudit.store.schema import ParseRow

ParseKey = tuple[str, str, str]  # (blob sha, kind, settings key)


def load_parses(*, session: Session, shas: Iterable[str]) -> dict[ParseKey, str]:
    """The kept parses of the blobs ``shas`` (every kind and key), as JSON text."""
    found: dict[ParseKey, str] = {}
    columns = (ParseRow.blob_sha, ParseRow.kind, ParseRow.key, ParseRow.value)
    for chunk in in_chunks(shas):
        for sha, kind, key, value in session.execute(
            select(*columns).where(ParseRow.blob_sha.in_(chunk))
        ):
            found[(sha, kind, key)] = value
    return found


def save_parses(*, session: Session, parses: Mapping[ParseKey, str]) -> None:
    """Keep ``parses``; one kept already stays as it is (a blob's parse never changes)."""
    rows = (
        {"blob_sha": sha, "kind": kind, "key": key, "value": value}
        for (sha, kind, key), value in parses.items()
    )
    insert_missing(session, ParseRow, rows, keys=["blob_sha", "kind", "key"])
