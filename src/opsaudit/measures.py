"""The facts the metrics are computed from, taken from one audit's context and results.

:mod:`opsaudit.metrics` is pure pandas over plain facts; this module prepares those
facts: each audited incident's trigger, first acknowledgement and resolution (cut at
the as-of time), and each result's week (its incident's trigger, its post-mortem's
landing, or its deadline).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from opsaudit.checks.context import Context
from opsaudit.checks.model import Result
from opsaudit.metrics import (
    IncidentFact,
    ResultFact,
    compliance_rates,
    incident_frame,
    iso_week,
    response_metrics,
)


@dataclass(frozen=True)
class Metrics:
    by_severity: list[dict[str, object]]
    by_service: list[dict[str, object]]
    compliance: list[dict[str, object]]


def incident_facts(context: Context) -> list[IncidentFact]:
    """One fact per audited incident of the window."""
    facts = []
    for view in context.incidents:
        ack = view.first("acknowledged")
        facts.append(
            IncidentFact(
                id=view.incident.id,
                number=view.incident.number,
                severity=view.severity,
                service=view.service_name,
                brand=view.brand,
                triggered_at=view.triggered_at,
                acknowledged_at=ack.created_at if ack else None,
                resolved_at=view.resolved_at,
            )
        )
    return facts


def result_facts(context: Context, results: Sequence[Result]) -> list[ResultFact]:
    """One fact per result, dated by its subject."""
    triggers = {i.id: i.created_at for i in context.snapshot.incidents}
    landings = {f.path: f.landed_at for f in context.snapshot.postmortems}
    facts = []
    for result in results:
        key = result.subject.key
        moment: datetime = (
            triggers.get(key)
            or landings.get(key)
            or result.deadline
            or landings.get(key.partition("#")[0])
            or context.as_of
        )
        facts.append(ResultFact(rule=result.rule, status=result.status, week=iso_week(moment)))
    return facts


def measure(context: Context, results: Sequence[Result]) -> Metrics:
    """Response times per severity and per service/brand, and compliance per check."""
    frame = incident_frame(incident_facts(context))
    return Metrics(
        by_severity=response_metrics(frame, by=["severity"]),
        by_service=response_metrics(frame, by=["service", "brand"]),
        compliance=compliance_rates(result_facts(context, results)),
    )
