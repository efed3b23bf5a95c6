"""The facts the metrics are computed from, taken from one audit run.

:mod:`opsaudit.metrics` is pure pandas over plain facts; this module prepares those
facts: each audited incident's trigger, first acknowledgement and resolution (cut at
the as-of time), and each result's week (its incident's trigger, its post-mortem's
landing, or its deadline).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from opsaudit.auditrun import AuditRun
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


def incident_facts(run: AuditRun) -> list[IncidentFact]:
    """One fact per audited incident of the window."""
    return list(run.incidents)


def result_facts(run: AuditRun) -> list[ResultFact]:
    """One fact per result, dated by its subject."""
    triggers = {i.id: i.created_at for i in run.records.incidents}
    landings = {p.path: p.landed_at for p in run.postmortems}
    facts = []
    for result in run.results:
        key = result.subject.key
        moment: datetime = (
            triggers.get(key)
            or landings.get(key)
            or result.deadline
            or landings.get(key.partition("#")[0])
            or run.as_of
        )
        facts.append(ResultFact(rule=result.rule, status=result.status, week=iso_week(moment)))
    return facts


def measure(run: AuditRun) -> Metrics:
    """Response times per severity and per service/brand, and compliance per check."""
    frame = incident_frame(incident_facts(run))
    return Metrics(
        by_severity=response_metrics(frame, by=["severity"]),
        by_service=response_metrics(frame, by=["service", "brand"]),
        compliance=compliance_rates(result_facts(run)),
    )
