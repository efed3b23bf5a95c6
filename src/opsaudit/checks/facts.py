"""The facts an :class:`~opsaudit.auditrun.AuditRun` carries, taken from a context.

This is where the evaluation's views become plain data for publishers: the audited
incidents (trigger, first acknowledgement, resolution), the excluded ones, the
post-mortems with the incidents they link to, and the records results may cite.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from opsaudit.auditrun import (
    AuditRun,
    ExcludedIncident,
    IncidentSummary,
    LinkedIncident,
    PostMortemSummary,
    SourceRecords,
)
from opsaudit.checks.context import Context
from opsaudit.checks.model import Result
from opsaudit.checks.responders import counts
from opsaudit.checks.spec import CheckSpec
from opsaudit.checks.views import IncidentView
from opsaudit.records import Incident


def audit_run(
    context: Context,
    results: list[Result],
    *,
    specs: Iterable[CheckSpec],
    run_id: int = 0,
    document: dict[str, Any] | None = None,
) -> AuditRun:
    """The run of ``results``, evaluated over ``context`` with the checks ``specs``."""
    used = tuple(specs)
    snapshot = context.snapshot
    return AuditRun(
        run_id=run_id,
        as_of=context.as_of,
        window=context.settings.window,
        sources=dict(snapshot.sources),
        results=results,
        specs=used,
        titles={s.id: s.title_for(context.policy) for s in used},
        due_soon_days=context.policy.due_soon_days,
        incidents=tuple(incident_summary(view) for view in context.incidents),
        excluded=tuple(
            ExcludedIncident(
                id=i.id,
                number=i.number,
                title=i.title,
                url=context.links.incident_url(i),
                triggered_at=i.created_at,
                reason=why,
            )
            for i, why in context.not_audited
        ),
        postmortems=tuple(
            PostMortemSummary(
                path=view.file.path,
                title=view.subject.title,
                url=view.subject.url,
                landed_at=view.file.landed_at,
                incidents=tuple(
                    LinkedIncident(
                        i.id, i.number, context.severity(i), context.links.incident_url(i)
                    )
                    for i in context.incidents_of(view.file)
                ),
            )
            for view in map(context.postmortem_view, snapshot.postmortems)
        ),
        records=SourceRecords(
            incidents=snapshot.incidents,
            log_entries=tuple(e for events in snapshot.log_events.values() for e in events),
            messages=tuple(m for ms in snapshot.messages.values() for m in ms),
            summary_posts=snapshot.incidents_posts,
            postmortems=snapshot.postmortems,
            issues=tuple(snapshot.issues.values()),
        ),
        document=document if document is not None else {},
    )


def _linked(context: Context, incident: Incident) -> LinkedIncident:
    url = context.links.incident_url(incident)
    return LinkedIncident(incident.id, incident.number, context.severity(incident), url)


def incident_summary(view: IncidentView) -> IncidentSummary:
    # MTTA counts a person's acknowledgement only, as response.ack does
    ack = next((e for e in view.events if e.kind == "acknowledged" and counts(e)), None)
    acknowledged: datetime | None = ack.created_at if ack else None
    return IncidentSummary(
        id=view.incident.id,
        number=view.incident.number,
        title=view.incident.title,
        url=view.subject.url,
        severity=view.severity,
        service=view.service_name,
        brand=view.brand,
        triggered_at=view.triggered_at,
        acknowledged_at=acknowledged,
        resolved_at=view.resolved_at,
    )
