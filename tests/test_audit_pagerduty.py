"""``opsaudit audit`` on a generated organisation as real PagerDuty accounts log it
(issue 8, item 5): integration acknowledgements, monitoring and timeout resolutions, a
delayed first assignment, and a window of 9 months against a sandbox that refuses
since and until more than 6 months apart. Real clients, HTTPS, the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from opsaudit.cli import main
from opsaudit.sandbox.org import generate
from sync_fixtures import Setup, serve_org


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Setup, dict[str, Any]]]:
    folder = tmp_path_factory.mktemp("pd-cases")
    with (
        pytest.MonkeyPatch.context() as monkeypatch,
        serve_org(generate(seed=7, incidents=60), folder, monkeypatch) as setup,
    ):
        as_of = setup.org.as_of
        since = (as_of - timedelta(days=270)).date().isoformat()  # 9 months back
        out = folder / "results.json"
        args = ["audit", "--config", str(setup.config_path), "--format", "json"]
        args += ["--since", since, "--until", as_of.isoformat(), "--as-of", as_of.isoformat()]
        code = main([*args, "--output", str(out)])
        document = json.loads(out.read_text(encoding="utf-8"))
        assert code == 0, document["sources"]
        yield setup, document


def _incidents_where(setup: Setup, match: Any) -> list[str]:
    """Ids of the incidents with a log entry that ``match`` accepts."""
    entries = setup.org.world.pagerduty.log_entries
    return sorted({e["incident"]["id"] for e in entries if match(e)})


def _result(document: dict[str, Any], rule: str, incident_id: str) -> dict[str, Any]:
    (found,) = [
        r for r in document["results"] if r["rule"] == rule and r["subject"]["key"] == incident_id
    ]
    return found


def _primary(setup: Setup, incident_id: str) -> str:
    entries = setup.org.world.pagerduty.log_entries
    ack = next(
        e
        for e in entries
        if e["incident"]["id"] == incident_id
        and e["type"] == "acknowledge_log_entry"
        and e["agent"]["type"] == "user_reference"
    )
    return str(ack["agent"]["summary"])


def test_nine_months_against_the_six_month_limit_find_exactly_the_planted(
    audited: tuple[Setup, dict[str, Any]],
) -> None:
    setup, document = audited
    assert document["sources"]["pagerduty"]["status"] == "ok"
    # the window was cut: two /incidents queries, and none was refused (the exit was 0)
    assert setup.sandbox.counts["pagerduty GET /incidents"] >= 2
    found = {
        (r["rule"], r["subject"]["key"]) for r in document["results"] if r["status"] == "violation"
    }
    assert found == {(p.rule, p.subject) for p in setup.org.planted}


def test_integration_acknowledgements_are_no_response(
    audited: tuple[Setup, dict[str, Any]],
) -> None:
    setup, document = audited
    acked = _incidents_where(
        setup,
        lambda e: e["type"] == "acknowledge_log_entry" and "integration" in e["agent"]["type"],
    )
    assert len(acked) == 2  # the planted late person, and one in time
    results = {i: _result(document, "response.ack", i) for i in acked}
    statuses = sorted(r["status"] for r in results.values())
    assert statuses == ["pass", "violation"]
    for incident_id, result in results.items():
        person = _primary(setup, incident_id)
        assert result["message"].startswith(f"Acknowledged by {person} ")
        assert result["message"].endswith(
            "; acknowledged by integration Datadog 1 min after trigger, not a person"
        )
        if result["status"] == "violation":
            assert " 40 min after trigger (limit " in result["message"]


def test_a_timeout_resolution_is_no_response_a_monitoring_one_is(
    audited: tuple[Setup, dict[str, Any]],
) -> None:
    setup, document = audited
    (timed_out,) = _incidents_where(
        setup, lambda e: e["type"] == "resolve_log_entry" and e["channel"]["type"] == "timeout"
    )
    result = _result(document, "response.ack", timed_out)
    assert result["status"] == "violation"
    assert result["message"].startswith("Neither acknowledged by a person nor resolved")
    assert result["message"].endswith(
        "; resolved by the service's auto-resolve timeout 4 h 00 min after trigger, not a response"
    )
    (monitored,) = _incidents_where(
        setup,
        lambda e: e["type"] == "resolve_log_entry" and "integration" in e["agent"]["type"],
    )
    result = _result(document, "response.ack", monitored)
    assert result["status"] == "pass"
    assert result["message"].startswith("Resolved by integration Datadog ")


def test_a_delayed_first_assignment_is_the_primarys(
    audited: tuple[Setup, dict[str, Any]],
) -> None:
    setup, document = audited
    created = {i["id"]: i["created_at"] for i in setup.org.world.pagerduty.incidents}
    first: dict[str, str] = {}
    for e in sorted(setup.org.world.pagerduty.log_entries, key=lambda e: e["created_at"]):
        if e["type"] == "assign_log_entry":
            first.setdefault(e["incident"]["id"], e["created_at"])
    (delayed,) = [i for i, at in first.items() if at != created[i]]
    result = _result(document, "escalation.secondary", delayed)
    assert result["status"] == "violation"
    assert result["message"].startswith(
        "Neither escalated to a further responder nor resolved within 30 min"
    )
