"""The audit flow under Prefect: one task per source step, evaluation in plain code."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from flow_modules import load_flow_module
from opsaudit import flowtasks, store
from opsaudit.sandbox.org import generate
from sync_fixtures import Setup, serve_org

flows = load_flow_module("audit")


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Setup]:
    with serve_org(generate(seed=4, incidents=30), tmp_path, monkeypatch) as setup:
        yield setup


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
    assert summary["counts"]["violation"] >= 1
    with Session(store.open_store(setup.config.database.url)) as session:
        stored = store.load_results(session=session, run_id=summary["run_id"])
    assert sum(summary["counts"].values()) == len(stored)
    assert {api: setup.sandbox.counts[api] > 0 for api in ("pagerduty", "slack", "github")} == {
        "pagerduty": True,
        "slack": True,
        "github": True,
    }


def test_a_failing_source_task_is_recorded_and_the_flow_completes(
    prefect_backend: None, setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_revoked")
    # the same task, without the production waits between its retries
    fast = flowtasks.sync_source.with_options(retry_delay_seconds=0)
    monkeypatch.setattr(flowtasks, "sync_source", fast)
    summary = flows.audit(**params(setup))
    assert summary["failed_sources"] == ["github"]
    assert summary["counts"].get("unknown", 0) > 0


def test_an_offline_run_makes_no_request(prefect_backend: None, setup: Setup) -> None:
    flows.audit(**params(setup))
    setup.sandbox.reset_counts()
    summary = flows.audit(**params(setup, offline=True))
    assert sum(setup.sandbox.counts[api] for api in ("pagerduty", "slack", "github")) == 0
    assert summary["failed_sources"] == []
