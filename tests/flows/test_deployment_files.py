"""The three ways of deploying (prefect.yaml, flows/serve.py, the Docker pool) agree."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from flow_modules import load_flow_module

ROOT = Path(__file__).resolve().parents[2]


def _deployments(path: Path) -> dict[str, dict[str, Any]]:
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {d["name"]: d for d in spec["deployments"]}


def _schedules(entry: dict[str, Any]) -> list[tuple[str, str | None, bool]]:
    return [
        (s["cron"], s.get("timezone"), s.get("active", True)) for s in entry.get("schedules") or []
    ]


def test_serve_py_serves_every_deployment_of_prefect_yaml_as_declared() -> None:
    declared = _deployments(ROOT / "prefect.yaml")
    served = {d.name: d for d in load_flow_module("serve").deployments()}
    assert set(served) == set(declared)
    for name, entry in declared.items():
        deployment = served[name]
        assert deployment.entrypoint == entry["entrypoint"]
        assert deployment.tags == entry.get("tags", [])
        assert deployment.description == entry.get("description")
        assert deployment.concurrency_limit == entry.get("concurrency_limit")
        got = [(s.schedule.cron, s.schedule.timezone, s.active) for s in deployment.schedules]
        assert got == _schedules(entry), name


def test_the_docker_pool_deploys_the_same_flows_on_the_same_schedules() -> None:
    declared = _deployments(ROOT / "prefect.yaml")
    docker = _deployments(ROOT / "deploy" / "prefect-docker.yaml")
    assert set(docker) == set(declared)
    for name, entry in declared.items():
        assert docker[name]["entrypoint"] == entry["entrypoint"], name
        assert _schedules(docker[name]) == _schedules(entry), name
        assert docker[name].get("concurrency_limit") == entry.get("concurrency_limit"), name
        assert docker[name]["work_pool"]["name"] == "docker"


def test_the_image_holds_what_the_docker_deployments_run() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    docker = yaml.safe_load((ROOT / "deploy" / "prefect-docker.yaml").read_text(encoding="utf-8"))
    workdir = docker["pull"][0]["prefect.deployments.steps.set_working_directory"]["directory"]
    assert f"WORKDIR {workdir}" in dockerfile
    assert "COPY flows ./flows" in dockerfile
    assert "uv sync --frozen" in dockerfile  # the locked dependencies, nothing newer
