"""prefect.yaml names flows that exist, with parameters their signatures accept."""

from __future__ import annotations

from pathlib import Path

import yaml

from flow_modules import load_flow_module

ROOT = Path(__file__).resolve().parents[2]


def test_every_deployment_points_at_a_flow_that_accepts_its_parameters() -> None:
    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    assert spec["deployments"], "deployments are declared"
    for deployment in spec["deployments"]:
        path, _, name = deployment["entrypoint"].partition(":")
        assert (ROOT / path).is_file(), path
        module = load_flow_module(Path(path).stem)
        flow = getattr(module, name)
        accepted = set(flow.parameters.properties)
        assert set(deployment.get("parameters", {})) <= accepted, deployment["name"]
        if "params" in deployment.get("parameters", {}):
            module.AuditParams.model_validate(deployment["parameters"]["params"])
