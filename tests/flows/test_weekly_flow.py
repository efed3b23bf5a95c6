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
    slack = setup.org.world.slack
    room = next(c["id"] for c in slack.channels if c["name"] == setup.config.digest.channel)
    (shared,) = slack.messages[room]
    uploaded = {f["name"]: f["permalink"] for f in shared["files"]}
    assert set(uploaded) == {html.name, Path(summary["markdown"]).name}
    link = Artifact.get(HTML_KEY)
    assert uploaded[html.name] == summary["link"]
    assert link is not None and str(link.data) == f"[{html.name}]({summary['link']})"
    assert "file://" not in str(link.data)
    table = Artifact.get(VIOLATIONS_KEY)
    assert table is not None and "rule" in str(table.data)


def test_with_a_base_url_the_link_is_where_reports_are_served(
    prefect_backend: None, setup: Setup, tmp_path: Path
) -> None:
    with setup.config_path.open("a", encoding="utf-8") as config:
        config.write("report:\n  base_url: https://reports.example.com/ops/\n")
    summary = flows.weekly_ops_sync(
        config=str(setup.config_path),
        week="2026-W47",
        as_of=setup.org.as_of,
        output_dir=str(tmp_path / "reports"),
        publish=False,
    )
    assert summary["link"] == "https://reports.example.com/ops/ops-sync-2026-W47.html"
    link = Artifact.get(HTML_KEY)
    assert link is not None and str(link.data) == f"[ops-sync-2026-W47.html]({summary['link']})"
