"""prefect.yaml names flows that exist, with parameters their signatures accept."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from prefect.exceptions import ParameterTypeError

from flow_modules import load_flow_module
from opsaudit.policy import DEFAULT_POLICY

ROOT = Path(__file__).resolve().parents[2]


def test_every_deployment_points_at_a_flow_that_accepts_its_parameters() -> None:
    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    names = [d["name"] for d in spec["deployments"]]
    assert names == ["nightly-audit", "adhoc-audit", "weekly-ops-sync", "violation-digest"]
    for deployment in spec["deployments"]:
        path, _, name = deployment["entrypoint"].partition(":")
        assert (ROOT / path).is_file(), path
        flow = getattr(load_flow_module(Path(path).stem), name)
        # the same validation Prefect applies to a run's parameters
        flow.validate_parameters(deployment.get("parameters", {}))


def test_the_run_forms_are_flat_typed_and_described() -> None:
    expected = {
        ("audit", "audit"): {"config", "since", "until", "as_of", "offline"},
        ("weekly_ops_sync", "weekly_ops_sync"): {
            "config",
            "week",
            "as_of",
            "offline",
            "output_dir",
            "publish",
        },
        ("violation_digest", "violation_digest"): {"config", "as_of", "dry_run", "offline"},
    }
    for (module, name), fields in expected.items():
        flow = getattr(load_flow_module(module), name)
        schema = flow.parameters.model_dump()
        assert set(schema["properties"]) == fields
        assert schema.get("required", []) == []  # the form opens filled: every field defaults
        for field, spec in schema["properties"].items():
            assert spec.get("description"), f"{name}.{field} has no description"
        # as `prefect deployment run ... --param config=...` sends it
        given = flow.validate_parameters({"config": "/etc/opsaudit.yaml"})
        assert given["config"] == "/etc/opsaudit.yaml"


def _types(spec: dict[str, object]) -> set[object]:
    """The JSON types a form field takes (``anyOf`` for optional ones)."""
    options = spec.get("anyOf") or [spec]
    assert isinstance(options, list)
    return {option.get("type") for option in options}


def test_every_deployment_s_form_is_flat_typed_described_and_filled() -> None:
    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    for deployment in spec["deployments"]:
        path, _, name = deployment["entrypoint"].partition(":")
        schema = getattr(load_flow_module(Path(path).stem), name).parameters.model_dump()
        assert schema.get("required", []) == [], deployment["name"]
        assert not schema.get("definitions"), f"{deployment['name']}: a nested model"
        for field, prop in schema["properties"].items():
            where = f"{deployment['name']}.{field}"
            assert prop.get("description"), f"{where} has no description"
            assert "default" in prop, f"{where} has no default"
            types = _types(prop)
            assert None not in types, f"{where} is untyped"
            assert not types & {"object", "array"}, f"{where} is not a plain field"


def test_the_digest_runs_on_weekdays_after_the_nightly_audit_in_the_policy_time_zone() -> None:
    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    by_name = {d["name"]: d for d in spec["deployments"]}
    (digest,) = by_name["violation-digest"]["schedules"]
    (nightly,) = by_name["nightly-audit"]["schedules"]
    assert digest["timezone"] == DEFAULT_POLICY["timezone"] == nightly["timezone"]
    minute, hour, _, _, weekdays = digest["cron"].split()
    nightly_minute, nightly_hour, *_ = nightly["cron"].split()
    assert (int(hour), int(minute)) > (int(nightly_hour), int(nightly_minute))
    assert weekdays == "MON-FRI"


def test_a_bad_week_is_refused_by_the_form() -> None:
    flow = load_flow_module("weekly_ops_sync").weekly_ops_sync
    flow.validate_parameters({"week": "2026-W47"})
    with pytest.raises(ParameterTypeError):
        flow.validate_parameters({"week": "last week"})
