"""The ops-sync report of the generator's organisation, against golden files.

The generated org (seed 7, 60 incidents) is synced through the sandbox into a fresh
SQLite store and evaluated twice, as the weekly job would: at 2026-11-13 12:00Z over the
8 weeks ending 2026-W46, then at the org's as-of (2026-11-20 12:00Z) over the 8 weeks
ending 2026-W47, so that the findings have a history (still open, resolved). The W47
report, rendered to Markdown and HTML, must equal ``tests/publish/golden/`` byte for byte.

To regenerate the golden files after an intended change, run::

    OPSAUDIT_UPDATE_GOLDEN=1 .venv/bin/pytest tests/publish/test_report.py -p no:cacheprovider

and review the diff of ``tests/publish/golden/`` before committing it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from sqlalchemy.orm import Session

from opsaudit import store
from opsaudit.audit import evaluate_step
from opsaudit.auditrun import AuditRun
from opsaudit.publish.report import (
    OpsSyncReport,
    build_report,
    render_html,
    render_markdown,
    report_basename,
)
from opsaudit.publish.report_model import week_bounds
from opsaudit.sandbox.org import generate
from opsaudit.sandbox.server import Sandbox
from opsaudit.sources.base import Window
from sync_fixtures import Setup, write_config

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("OPSAUDIT_UPDATE_GOLDEN") == "1"
WEEK = "2026-W47"
EARLIER = ("2026-W46", datetime(2026, 11, 13, 12, 0, tzinfo=UTC))


@dataclass(frozen=True)
class Rendered:
    report: OpsSyncReport
    outcome: AuditRun
    markdown: str
    html: str


def eight_weeks(week: str) -> Window:
    start, end = week_bounds(week)
    return Window(since=start - timedelta(weeks=7), until=end)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rendered]:
    folder = tmp_path_factory.mktemp("report")
    org = generate(seed=7, incidents=60)
    assert org.as_of == datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    with Sandbox(org.world) as sandbox:
        config, path = write_config(org=org, sandbox=sandbox, folder=folder)
        sources = Setup(org, sandbox, config, path).sync().outcomes
    engine = store.open_store(config.database.url)
    try:
        for week, as_of in (EARLIER, (WEEK, org.as_of)):
            outcome = evaluate_step(
                config=config, engine=engine, window=eight_weeks(week), as_of=as_of, sources=sources
            )
        with Session(engine) as session:
            findings = store.load_findings(session=session)
    finally:
        engine.dispose()
    report = build_report(
        run=outcome, findings=findings, week=WEEK, digest_channel="ops-compliance"
    )
    yield Rendered(report, outcome, render_markdown(report), render_html(report))


@pytest.mark.parametrize("suffix", [".md", ".html"])
def test_the_report_matches_its_golden_file(rendered: Rendered, suffix: str) -> None:
    text = rendered.markdown if suffix == ".md" else rendered.html
    golden = GOLDEN / f"{report_basename(WEEK)}{suffix}"
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        golden.write_bytes(text.encode("utf-8"))
    assert golden.exists(), f"no golden file {golden.name}: run with OPSAUDIT_UPDATE_GOLDEN=1"
    assert text.encode("utf-8") == golden.read_bytes(), (
        f"{golden.name} differs: if the change is intended, regenerate with "
        "OPSAUDIT_UPDATE_GOLDEN=1 and review the diff"
    )


def test_rendering_again_gives_the_same_bytes(rendered: Rendered) -> None:
    assert render_markdown(rendered.report) == rendered.markdown
    assert render_html(rendered.report) == rendered.html


def test_the_report_basename() -> None:
    assert report_basename("2026-W47") == "ops-sync-2026-W47"


def test_the_headline_agrees_with_the_results(rendered: Rendered) -> None:
    report, outcome = rendered.report, rendered.outcome
    violations = [r for r in outcome.results if r.status == "violation"]
    assert report.violation_total == len(violations) > 0
    # every violation this run lists is either new this week or still open
    assert report.violations.new + report.violations.still_open == len(violations)
    listed = sum(len(g.rows) for g in report.violation_groups)
    assert listed == len(violations)
    assert report.violations.resolved == len(report.resolved) > 0
    assert report.week == WEEK and report.previous_week == "2026-W46"
    assert report.trend_weeks[0] == "2026-W40" and len(report.trend_weeks) == 8
    assert not report.alerts
    assert [s.status for s in report.sources] == ["ok", "ok", "ok"]


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_the_html_is_one_self_contained_file(rendered: Rendered) -> None:
    parser = _Collector()
    parser.feed(rendered.html)
    tags = [tag for tag, _ in parser.tags]
    assert "script" not in tags
    assert not {"link", "img", "iframe", "object", "embed"} & set(tags)
    assert "url(" not in rendered.html  # no CSS fetch
    assert tags.count("svg") == len(rendered.report.compliance_trends) + len(
        rendered.report.response_trends
    )
    for tag, attrs in parser.tags:
        assert not any(name.startswith("on") for name in attrs), tag
        if tag == "a":
            assert (attrs.get("href") or "").startswith("https://"), attrs
    assert "@media print" in rendered.html


def test_the_markdown_links_only_to_the_sources(rendered: Rendered) -> None:
    tokens = MarkdownIt("commonmark").enable("table").parse(rendered.markdown)
    hrefs = [
        str(child.attrs["href"])
        for token in tokens
        for child in token.children or []
        if child.type == "link_open"
    ]
    assert hrefs and all(re.match(r"https://sandbox\.|https://github\.com/", h) for h in hrefs)
    assert not [t for t in tokens if t.type in ("html_block", "html_inline")]
