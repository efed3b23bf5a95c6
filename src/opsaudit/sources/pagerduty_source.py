"""The PagerDuty adapter: provides ``incidents``.

Two sync steps: ``pagerduty`` (the window's incidents and their log) and
``pagerduty-named`` (incidents the post-mortems name that the store lacks, looked up
one by one; skipped, without a request, when all of them were looked up before).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from opsaudit.parsing.incident_refs import IncidentRef
from opsaudit.policy import ticket_kind
from opsaudit.records import Capability, IncidentBatch
from opsaudit.sources.protocol import Fetched, FetchJob, SourceSection, literal

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


class PagerDutySection(SourceSection):
    api_url: str = "https://api.pagerduty.com"
    web_url: str = "https://example.pagerduty.com"

    def audit_settings(self) -> dict[str, Any]:
        web = literal(self.web_url)
        host = urlsplit(self.web_url).hostname
        return {
            "incident_url": f"{web}/incidents/{{id}}",
            "incident_event_url": "{incident_url}/log_entries/{id}",
            "incident_hosts": (host,) if host else (),
        }


class PagerDuty:
    name: ClassVar[str] = "pagerduty"
    provides: ClassVar[frozenset[Capability]] = frozenset({"incidents"})
    section: ClassVar[type[SourceSection]] = PagerDutySection
    token_env: ClassVar[str] = "PAGERDUTY_API_TOKEN"
    secret_block: ClassVar[str] = "pagerduty-api-token"
    steps: ClassVar[tuple[str, ...]] = ("pagerduty", "pagerduty-named")

    def fetch(self, step: str, job: FetchJob) -> Fetched | None:
        """The window's incidents; for ``pagerduty-named``, also the incidents the
        post-mortems name that the store lacks, when any is left to look up."""
        # the vendor client loads only when a sync runs, never with the table
        from opsaudit.sources.pagerduty import fetch_pagerduty, looked_up

        extra: list[str] = []
        if step == "pagerduty-named":
            extra = [ref.value for ref in _named_incidents_missing(job)]
            if not set(extra) - looked_up(job.cursor):
                return None
        batch, cursor = fetch_pagerduty(
            endpoint=job.endpoint,
            window=job.window,
            cursor=job.cursor,
            now=job.now,
            extra_incidents=extra,
            counter=job.counter,
            retry=job.retry,
        )
        return Fetched(batch, cursor)

    def save(self, session: Session, batch: Any) -> Mapping[str, int]:
        """Upsert the batch; counts incidents and log entries."""
        from opsaudit.store import save_incidents  # SQLAlchemy only when saving

        assert isinstance(batch, IncidentBatch)
        save_incidents(session=session, batch=batch)
        return {"incidents": len(batch.incidents), "log entries": len(batch.log_events)}


def _named_incidents_missing(job: FetchJob) -> list[IncidentRef]:
    """Incidents the stored post-mortems name (by id, number or URL) that the store
    does not hold; a post-mortem larger than ``postmortem.max_bytes`` is read for them
    only as far as the audit reads it (its first ``max_bytes``)."""
    section = job.section
    assert isinstance(section, PagerDutySection)
    hosts = tuple(h for h in [urlsplit(section.web_url).hostname] if h)
    ticket = ticket_kind(job.policy)
    prefix = job.policy.warroom.prefix or "incident-"
    named = job.stored.postmortem_incident_refs(
        web_hosts=hosts, prefix=prefix, ticket=ticket, max_bytes=job.policy.postmortem.max_bytes
    )
    known = job.stored.incidents()
    ids = {i.id for i in known}
    numbers = {str(i.number) for i in known}
    return [r for r in named if r.value not in (ids if r.kind == "id" else numbers)]


SOURCE = PagerDuty()
