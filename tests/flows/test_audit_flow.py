"""The audit flow under Prefect: one task per source step, evaluation in plain code."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.client.schemas.objects import Artifact
from prefect.client.schemas.sorting import ArtifactSort
from sqlalchemy import select
from sqlalchemy.orm import Session

from flow_modules import load_flow_module
from opsaudit import flowtasks, store
from opsaudit.publish.artifacts import AUDIT_RESULTS_KEY, AUDIT_SUMMARY_KEY
from opsaudit.sandbox.org import generate
from opsaudit.sources.base import SourceError
from opsaudit.store.schema import AuditRunRow
from rule_ids import RULE_IDS
from sync_fixtures import Setup, serve_org

flows = load_flow_module("audit")


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Setup]:
    with serve_org(generate(seed=4, incidents=30), tmp_path, monkeypatch) as setup:
        yield setup


def latest_artifact(key: str) -> Artifact | None:
    """The newest artifact of ``key`` (``Artifact.get`` leaves its client's sockets open)."""
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            limit=1,
            sort=ArtifactSort.UPDATED_DESC,
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
        )
    return found[0] if found else None


def params(setup: Setup, **extra: object) -> dict[str, object]:
    since, until = setup.org.window
    return {
        "config": str(setup.config_path),
        "since": since.date(),
        "until": until.date(),
        "as_of": setup.org.as_of,
        **extra,
    }


def test_the_flow_syncs_evaluates_and_stores(prefect_backend: None, setup: Setup) -> None:
    summary = flows.audit(**params(setup))
    assert summary["failed_sources"] == []
    violations = summary["counts"]["violation"]
    assert violations >= 1
    table = latest_artifact(AUDIT_SUMMARY_KEY)
    assert table is not None
    assert f"{violations} violations, {violations} new since the last run" in str(table.description)
    rows = json.loads(str(table.data))
    assert {row["check"] for row in rows} == set(RULE_IDS)
    assert sum(int(row["new violations"]) for row in rows) == violations
    results = latest_artifact(AUDIT_RESULTS_KEY)
    assert results is not None and "violation" in str(results.data)
    with Session(store.open_store(setup.config.database.url)) as session:
        stored = store.load_results(session=session, run_id=summary["run_id"])
    assert sum(summary["counts"].values()) == len(stored)
    assert {api: setup.sandbox.counts[api] > 0 for api in ("pagerduty", "slack", "github")} == {
        "pagerduty": True,
        "slack": True,
        "github": True,
    }


def test_a_failed_source_stores_the_results_then_fails_the_run_naming_it(
    prefect_backend: None, setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_revoked")
    state = flows.audit(**params(setup), return_state=True)
    assert state.is_failed()
    assert "but a source failed" in str(state.message) and "github: " in str(state.message)
    # a refused token is final: one attempt of the task, not three
    assert setup.sandbox.counts["github"] == 1
    with Session(store.open_store(setup.config.database.url)) as session:
        (run_id,) = session.scalars(select(AuditRunRow.id)).all()
        stored = store.load_results(session=session, run_id=run_id)
    assert any(r.status == "unknown" for r in stored) and any(r.status == "pass" for r in stored)


def test_a_transient_failure_is_retried_and_a_source_failure_is_not() -> None:
    from prefect.states import Failed

    transient = flowtasks.transient
    assert transient(None, None, Failed(data=ConnectionResetError("reset")))  # type: ignore[arg-type]
    refused = SourceError("github", "HTTP 401: Bad credentials")
    assert not transient(None, None, Failed(data=refused))  # type: ignore[arg-type]


def test_an_offline_run_makes_no_request(prefect_backend: None, setup: Setup) -> None:
    flows.audit(**params(setup))
    setup.sandbox.reset_counts()
    summary = flows.audit(**params(setup, offline=True))
    assert sum(setup.sandbox.counts[api] for api in ("pagerduty", "slack", "github")) == 0
    assert summary["failed_sources"] == []
    again = latest_artifact(AUDIT_SUMMARY_KEY)
    assert again is not None and "0 new since the last run" in str(again.description)
