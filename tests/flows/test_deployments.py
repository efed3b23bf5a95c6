"""prefect.yaml names flows that exist, with parameters their signatures accept."""

from __future__ import annotations

from pathlib import Path

import yaml

from flow_modules import load_flow_module

ROOT = Path(__file__).resolve().parents[2]


def test_every_deployment_points_at_a_flow_that_accepts_its_parameters() -> None:
    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    names = [d["name"] for d in spec["deployments"]]
    assert names == ["nightly-audit", "adhoc-audit", "weekly-ops-sync"]
    for deployment in spec["deployments"]:
        path, _, name = deployment["entrypoint"].partition(":")
        assert (ROOT / path).is_file(), path
        flow = getattr(load_flow_module(Path(path).stem), name)
        # the same validation Prefect applies to a run's parameters
        flow.validate_parameters(deployment.get("parameters", {}))
