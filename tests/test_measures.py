"""Facts for the metrics, taken from a context: first acks, resolutions, result weeks."""

from __future__ import annotations

from check_builders import at, context, event, incident, run_of
from opsaudit.measures import incident_facts, measure, result_facts


def test_mtta_uses_the_first_acknowledge_and_mttr_the_resolution() -> None:
    ctx = context(
        incidents=[
            incident(id="QA", number=1, resolved=40),
            incident(id="QB", number=2, created=at(100)),  # open at as-of
        ],
        events=[
            event("trigger", 0, incident_id="QA"),
            event("acknowledge", 6, incident_id="QA"),
            event("acknowledge", 9, incident_id="QA"),
            event("resolve", 40, incident_id="QA"),
            event("trigger", 100, incident_id="QB"),
            event("resolve", 500, incident_id="QB"),  # after as-of: still open then
        ],
        as_of=at(200),
    )
    facts = {f.id: f for f in incident_facts(run_of(ctx))}
    assert facts["QA"].acknowledged_at == at(6) and facts["QA"].resolved_at == at(40)
    assert facts["QB"].acknowledged_at is None and facts["QB"].resolved_at is None
    metrics = measure(run_of(ctx))
    assert metrics.by_severity == [
        {
            "severity": "Sev1",
            "count": 2,
            "mtta_median_s": 360,
            "mtta_p90_s": 360,
            "mttr_median_s": 2400,
            "mttr_p90_s": 2400,
        }
    ]
    rates = {row["rule"]: row["rate"] for row in metrics.compliance}
    assert rates["response.ack"] == 0.5  # QA acked in 6 min; QB not acked in 100 min


def test_results_are_dated_by_their_incident() -> None:
    ctx = context(incidents=[incident(resolved=40)], events=[event("acknowledge", 3)])
    weeks = {f.week for f in result_facts(run_of(ctx)) if f.rule == "response.ack"}
    assert weeks == {"2026-W45"}
