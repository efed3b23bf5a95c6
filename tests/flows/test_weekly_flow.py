"""The weekly ops-sync flow: report files, and the report, violations and link as artifacts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect.artifacts import Artifact

from flow_modules import load_flow_module
from opsaudit.publish.artifacts import HTML_KEY, REPORT_KEY, VIOLATIONS_KEY
from opsaudit.sandbox.org import generate
from sync_fixtures import Setup, serve_org

flows = load_flow_module("weekly_ops_sync")


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Setup]:
    with serve_org(generate(seed=6, incidents=30), tmp_path, monkeypatch) as setup:
        yield setup


def test_the_flow_writes_the_report_and_its_artifacts(
    prefect_backend: None, setup: Setup, tmp_path: Path
) -> None:
    summary = flows.weekly_ops_sync(
        config=str(setup.config_path),
        week="2026-W47",
        as_of=setup.org.as_of,
        output_dir=str(tmp_path / "reports"),
    )
    assert summary["week"] == "2026-W47" and summary["failed_sources"] == []
    html = Path(summary["html"])
    assert html.is_file() and Path(summary["markdown"]).is_file()
    report = Artifact.get(REPORT_KEY)
    assert report is not None and "2026-W47" in str(report.data)
    link = Artifact.get(HTML_KEY)
    assert link is not None and html.resolve().as_uri() in str(link.data)
    table = Artifact.get(VIOLATIONS_KEY)
    assert table is not None and "rule" in str(table.data)
