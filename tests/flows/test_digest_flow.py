"""The violation-digest flow under Prefect: posted in the sandbox's Slack, once, with an
artifact; a failed source fails the run after the digest is posted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_audit_flow import latest_artifact

from flow_modules import load_flow_module
from opsaudit.publish.artifacts import DIGEST_KEY
from opsaudit.sandbox.org import generate
from sync_fixtures import Setup, serve_org

flows = load_flow_module("violation_digest")


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Setup]:
    with serve_org(generate(seed=5, incidents=30), tmp_path, monkeypatch) as setup:
        yield setup


def channel_messages(setup: Setup) -> list[dict[str, Any]]:
    slack = setup.org.world.slack
    room = next(c["id"] for c in slack.channels if c["name"] == setup.config.digest.channel)
    with setup.org.world.lock:
        return list(slack.messages.get(room, []))


def test_the_digest_is_posted_once_with_its_artifact(prefect_backend: None, setup: Setup) -> None:
    summary = flows.violation_digest(config=str(setup.config_path), as_of=setup.org.as_of)
    assert summary["posted"] and summary["failed_sources"] == []
    posted = channel_messages(setup)
    parent = next(m for m in posted if m["ts"] == summary["ts"])
    assert summary["new_violations"] >= 1
    assert f"{summary['new_violations']} new" in parent["text"]
    artifact = latest_artifact(DIGEST_KEY)
    assert artifact is not None
    assert f"Posted to #ops-compliance (ts {summary['ts']}" in str(artifact.data)
    assert f"{summary['new_violations']} new violations" in str(artifact.description)

    again = flows.violation_digest(config=str(setup.config_path), as_of=setup.org.as_of)
    assert not again["posted"] and again["new_violations"] == 0
    assert channel_messages(setup) == posted, "a second run posts nothing new"
    artifact = latest_artifact(DIGEST_KEY)
    assert artifact is not None and "Nothing posted" in str(artifact.data)


def test_a_failed_source_fails_the_run_naming_it_after_posting(
    prefect_backend: None, setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_revoked")
    state = flows.violation_digest(
        config=str(setup.config_path), as_of=setup.org.as_of, return_state=True
    )
    assert state.is_failed()
    message = str(state.message)
    assert "digest posted, but a source failed" in message and "github: " in message
    (parent, *_) = channel_messages(setup)
    assert "Source failed: github" in str(parent["blocks"]), "the digest says a source failed"


def test_a_dry_run_posts_nothing_and_shows_the_digest(prefect_backend: None, setup: Setup) -> None:
    summary = flows.violation_digest(
        config=str(setup.config_path), as_of=setup.org.as_of, dry_run=True
    )
    assert summary["reason"] == "dry_run" and channel_messages(setup) == []
    artifact = latest_artifact(DIGEST_KEY)
    assert artifact is not None and "Dry run: would be posted" in str(artifact.data)
