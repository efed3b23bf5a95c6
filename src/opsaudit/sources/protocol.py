"""What a source is to the rest of opsaudit: one adapter object per vendor.

An adapter (``pagerduty_source.SOURCE``...) declares its name, the capabilities it
provides, its configuration section, where its token comes from and its sync steps; it
fetches through its vendor's client (:meth:`Source.fetch`) and saves the batch through
the store (:meth:`Source.save`). Everything else (sync order, statuses, tokens, the
``sources`` section of the configuration) follows from the ordered table in
:mod:`opsaudit.sources.table`. Adding a source is one adapter and one line there.

This module and the table import no vendor client and no SQLAlchemy: the pure core
reads :func:`~opsaudit.sources.table.providers` from them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Set
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict, field_validator

from opsaudit.policy import Policy
from opsaudit.records import Capability, Incident
from opsaudit.sources.base import Cursor, Endpoint, RequestCounter, RetryPolicy, Window

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from opsaudit.parsing.incident_refs import IncidentRef


DEFAULT_TIMEOUT = timedelta(hours=2)  # a large organisation's first full sync fits
_TIMEOUT = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_TIMEOUT_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


class SourceSection(BaseModel):
    """A source's section of the configuration file (``sources.<name>``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    api_url: str
    ca_file: Path | None = None
    # everything the source does in one sync (requests, retries, waits) ends by then
    timeout: timedelta = DEFAULT_TIMEOUT

    @field_validator("timeout", mode="before")
    @classmethod
    def _duration(cls, value: object) -> timedelta:
        match = _TIMEOUT.match(value) if isinstance(value, str) else None
        if match is None:
            raise ValueError(f"{value!r} is not a duration like 90s, 30m or 2h")
        amount = timedelta(**{_TIMEOUT_UNITS[match.group(2)]: int(match.group(1))})
        if not timedelta(seconds=1) <= amount <= timedelta(days=7):
            raise ValueError(f"{value!r} is not between 1s and 7d")
        return amount

    @field_validator("api_url")
    @classmethod
    def _https(cls, value: str) -> str:
        if not value.startswith("https://"):
            raise ValueError("must be an https:// URL (TLS verification is never off)")
        return value

    def postmortem_folder(self) -> str | None:
        """The folder of post-mortems this source holds, if it holds documents."""
        return None

    def audit_settings(self) -> dict[str, Any]:
        """What the checks' settings (``AuditSettings``) take from this section: chiefly
        the templates of this vendor's web addresses (``incident_url``...)."""
        return {}


def literal(url: str) -> str:
    """A configured address made safe to put in a URL template (braces doubled)."""
    return url.rstrip("/").replace("{", "{{").replace("}", "}}")


class StoredFacts(Protocol):
    """What a source may read from the store while it syncs, in neutral terms."""

    def incidents(self, *, since: datetime | None = None) -> list[Incident]:
        """Stored incidents triggered at or after ``since`` (all of them when None)."""
        ...

    def postmortem_texts(self) -> list[str]:
        """The texts of the post-mortems the default branch holds now."""
        ...

    def postmortem_incident_refs(
        self, *, web_hosts: tuple[str, ...], prefix: str, ticket: str, max_bytes: int | None
    ) -> list[IncidentRef]:
        """The incidents the post-mortems the default branch holds now name (each
        file's first ``max_bytes``), each once; a file unchanged since an earlier run
        is not read again (its parse is kept)."""
        ...

    def known_document_versions(self) -> Set[str]:
        """Ids of document versions (blob shas) already stored: never fetched again."""
        ...


@dataclass(frozen=True)
class FetchJob:
    """Everything one sync step of one source gets."""

    endpoint: Endpoint
    section: SourceSection
    policy: Policy
    window: Window
    cursor: Cursor | None
    now: datetime
    stored: StoredFacts
    counter: RequestCounter
    retry: RetryPolicy


@dataclass(frozen=True)
class Fetched:
    """A step's new records (the source's batch type) and the source's next cursor."""

    batch: Any
    cursor: Cursor


class Source(Protocol):
    """One vendor behind one capability set."""

    name: ClassVar[str]  # "pagerduty": config section, token, stored status, JSON key
    provides: ClassVar[frozenset[Capability]]
    section: ClassVar[type[SourceSection]]
    token_env: ClassVar[str]  # environment variable holding the token
    secret_block: ClassVar[str]  # Prefect Secret block holding it in a flow run
    steps: ClassVar[tuple[str, ...]]  # its sync steps; the table orders all of them

    def fetch(self, step: str, job: FetchJob) -> Fetched | None:
        """Fetch one step; None when there is nothing to fetch (no request is made and
        nothing is saved). Raises on any failure; nothing has been stored then."""
        ...

    def save(self, session: Session, batch: Any) -> Mapping[str, int]:
        """Save a fetched batch in ``session`` (the caller commits); what was stored,
        counted for the sync summary (``{"incidents": 12, ...}``)."""
        ...
