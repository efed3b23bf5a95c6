"""The README's Prefect path, end to end, with nothing faked.

A real Prefect server on a free port, ``opsaudit sandbox serve``, the Secret blocks made
by ``opsaudit sandbox secrets``, a process worker, ``prefect deploy --all`` of
prefect.yaml; then each deployment is run through the Prefect client as the UI runs it
(parameters as JSON), and its run, artifacts, report file and Slack digest are read back.
Last, GitHub's Secret block is given a token GitHub refuses: that run ends Failed, quickly,
naming the source. Everything started is stopped, whatever happens.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import yaml

from e2e.processes import Background, http_ok, run, start, wait_for
from netutil import free_port
from opsaudit.setup.envfile import read_env_file

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TOKENS = ("PAGERDUTY_API_TOKEN", "SLACK_BOT_TOKEN", "GITHUB_TOKEN")
SERVE = ("opsaudit", "sandbox", "serve")
SMALL_ORG = ("--incidents", "30", "--seed", "5")
RUN_LIMIT = 180.0  # seconds a deployment run may take, queueing and worker polls included


@dataclass
class Stack:
    api_url: str
    env: dict[str, str]
    sandbox_dir: Path
    config: dict[str, Any]
    worker: Background


def _clean_env(base: Path, api_url: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in TOKENS and k != "OPSAUDIT_CONFIG" and not k.startswith("PREFECT_")
    }
    env.update(
        PREFECT_HOME=str(base / "prefect-home"),
        PREFECT_API_URL=api_url,
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_UI_ENABLED="false",
        PREFECT_WORKER_QUERY_SECONDS="1",
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    )
    return env


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    base = tmp_path_factory.mktemp("prefect-e2e")
    logs = base / "logs"
    logs.mkdir()
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = _clean_env(base, api_url)
    sandbox_dir = base / "sandbox"
    ready = base / "sandbox.ready"
    started: list[Background] = []
    try:
        server = start(
            "prefect-server",
            ["prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=base,
            logs=logs,
        )
        started.append(server)
        sandbox = start(
            "sandbox",
            [*SERVE, "--dir", str(sandbox_dir), "--ready-file", str(ready), *SMALL_ORG],
            env=env,
            cwd=base,
            logs=logs,
        )
        started.append(sandbox)
        config_path = sandbox_dir / "opsaudit.yaml"
        wait_for("Prefect API", http_ok(f"{api_url}/health"), within=180, watch=server)
        wait_for("sandbox serving", ready.exists, within=120, watch=sandbox)
        run(
            ["opsaudit", "sandbox", "secrets", "--env-file", str(sandbox_dir / "sandbox.env")],
            env=env,
            cwd=base,
        )
        run(["prefect", "work-pool", "create", "local", "--type", "process"], env=env, cwd=ROOT)
        run(["prefect", "work-pool", "set-concurrency-limit", "local", "1"], env=env, cwd=ROOT)
        run(["prefect", "deploy", "--all", "--no-prompt"], env=env, cwd=ROOT)
        worker_env = {**env, "OPSAUDIT_CONFIG": str(config_path)}
        worker = start(
            "worker",
            ["prefect", "worker", "start", "--pool", "local", "--type", "process"],
            env=worker_env,
            cwd=ROOT,
            logs=logs,
        )
        started.append(worker)
        config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
        yield Stack(api_url=api_url, env=env, sandbox_dir=sandbox_dir, config=config, worker=worker)
    finally:
        for process in reversed(started):
            process.stop()


@contextmanager
def _client(stack: Stack) -> Iterator[Any]:
    """A Prefect client of the test's server (the suite's own settings name none)."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with (
        temporary_settings(updates={PREFECT_API_URL: stack.api_url}),
        get_client(sync_client=True) as client,
    ):
        yield client


def run_deployment(stack: Stack, name: str, parameters: dict[str, Any]) -> Any:
    """Start a run as the UI's "Run" form does, and wait for its final state."""
    with _client(stack) as client:
        deployment = client.read_deployment_by_name(name)
        flow_run = client.create_flow_run_from_deployment(deployment.id, parameters=parameters)
        deadline = time.monotonic() + RUN_LIMIT
        while time.monotonic() < deadline:
            flow_run = client.read_flow_run(flow_run.id)
            if flow_run.state is not None and flow_run.state.is_final():
                return flow_run
            time.sleep(0.5)
    raise AssertionError(f"{name} did not finish within {RUN_LIMIT:.0f} s\n{stack.worker.tail()}")


def artifacts_of(stack: Stack, flow_run_id: UUID) -> dict[str, Any]:
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with _client(stack) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    return {a.key: a for a in found if a.key}


def task_runs_of(stack: Stack, flow_run_id: UUID) -> dict[str, Any]:
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with _client(stack) as client:
        found = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
        )
    return {t.name: t for t in found}


def _completed(stack: Stack, flow_run: Any) -> None:
    assert flow_run.state.is_completed(), (
        f"{flow_run.name}: {flow_run.state.type} {flow_run.state.message}\n{stack.worker.tail()}"
    )


def test_an_adhoc_audit_with_parameters_completes_with_its_artifacts(stack: Stack) -> None:
    since = (datetime.now(UTC) - timedelta(days=60)).date().isoformat()
    flow_run = run_deployment(stack, "audit/adhoc-audit", {"since": since, "offline": False})
    _completed(stack, flow_run)
    assert flow_run.parameters["since"] == since
    assert {"audit-summary", "audit-results"} <= set(artifacts_of(stack, flow_run.id))
    steps = task_runs_of(stack, flow_run.id)
    assert any(name.startswith("sync-github") for name in steps), sorted(steps)


def test_the_nightly_audit_runs_with_its_defaults(stack: Stack) -> None:
    flow_run = run_deployment(stack, "audit/nightly-audit", {})
    _completed(stack, flow_run)


def test_the_weekly_report_is_written_and_published(stack: Stack) -> None:
    flow_run = run_deployment(stack, "weekly-ops-sync/weekly-ops-sync", {})
    _completed(stack, flow_run)
    output = Path(stack.config["report"]["output_dir"])
    assert list(output.glob("*.html")), f"no HTML report in {output}"
    assert artifacts_of(stack, flow_run.id)


def digest_channel_messages(stack: Stack) -> list[dict[str, Any]]:
    """The digest channel's messages, read back through Slack's own client."""
    import ssl

    from slack_sdk import WebClient

    slack = stack.config["sources"]["slack"]
    token = read_env_file(stack.sandbox_dir / "sandbox.env")["SLACK_BOT_TOKEN"]
    context = ssl.create_default_context(cafile=slack["ca_file"])
    client = WebClient(token=token, base_url=slack["api_url"], ssl=context)
    channels = client.conversations_list(types="public_channel,private_channel", limit=999)
    wanted = stack.config["digest"]["channel"]
    (channel,) = [c["id"] for c in channels["channels"] if c["name"] == wanted]
    return list(client.conversations_history(channel=channel, limit=200)["messages"])


def test_the_digest_deployment_posts_the_new_violations(stack: Stack) -> None:
    before = len(digest_channel_messages(stack))
    flow_run = run_deployment(stack, "violation-digest/violation-digest", {"dry_run": False})
    _completed(stack, flow_run)
    assert len(digest_channel_messages(stack)) > before, "no digest in the channel"
    assert "violation-digest" in artifacts_of(stack, flow_run.id)


def test_github_refusing_its_token_fails_the_run_quickly_naming_it(stack: Stack) -> None:
    from prefect.blocks.system import Secret
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: stack.api_url}):
        Secret(value="ghp_refused-by-github").save("github-token", overwrite=True)
    flow_run = run_deployment(stack, "audit/adhoc-audit", {})
    assert flow_run.state.is_failed(), flow_run.state
    assert "github" in (flow_run.state.message or "").lower(), flow_run.state.message
    github = [t for name, t in task_runs_of(stack, flow_run.id).items() if "github" in name]
    assert github, "no GitHub task run"
    for task_run in github:
        assert task_run.run_count == 1, "a refused token was retried"
        assert task_run.total_run_time < timedelta(seconds=15), task_run.total_run_time
