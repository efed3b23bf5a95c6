"""The HTML report in a real browser: headless Chromium loads it offline and draws it.

Chromium is Debian's ``chromium`` package, installed on first use where missing (as
root with apt-get); where it cannot be had these tests skip and say why. Each page is
checked three ways: Chromium's log has no console message or uncaught error, the DOM
it built holds the charts with their lines, and its screenshot is not blank (it shows
the charts' colours). Set ``OPSAUDIT_SCREENSHOTS`` to a folder to keep the screenshots.
"""

from __future__ import annotations

import importlib.util
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import browser
import pytest
from browser import Page, chromium_or_reason, console_problems, elements, ink, open_page
from sqlalchemy.orm import Session

from opsaudit import store
from opsaudit.publish.charts import line_chart
from opsaudit.runtime import open_runtime
from opsaudit.sandbox.org import generate
from opsaudit.sandbox.server import Sandbox
from opsaudit.sources.base import Window
from sync_fixtures import write_config

# The first test may install Chromium (browser.INSTALL_TIMEOUT), beyond the suite's 300 s.
pytestmark = pytest.mark.timeout(browser.INSTALL_TIMEOUT + 300)

WEEK = "2026-W47"
WEEK_END = datetime(2026, 11, 23, tzinfo=UTC)  # Monday after 2026-W47
ACTIVE = {"script", "img", "iframe", "object", "embed", "link", "base", "form"}
# The first two series colours of every chart; vermilion is used nowhere else on the page.
BLUE, VERMILION = "#0072B2", "#D55E00"
# In every incident title: if any of it ran, Chromium would log a console error.
PAYLOAD = (
    '<script>console.error("xss: script")</script>'
    "<img src=x onerror=\"console.error('xss: img')\"> & \"quotes\" 'too' خدمة الدفع"
)


@pytest.fixture(scope="session")
def chromium() -> str:
    path, reason = chromium_or_reason()
    if path is None:
        pytest.skip(f"headless Chromium is not available: {reason}")
    return path


def keep(page: Page, name: str) -> None:
    folder = os.environ.get("OPSAUDIT_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / f"{name}.png").write_bytes(page.screenshot)


def svg_lines(dom: str) -> list[str]:
    """The ``d`` of every series line Chromium put in the DOM (markers are not paths)."""
    return re.findall(r'<g class="series"[^>]*><path d="([^"]*)"', dom)


def assert_drawn(page: Page, *, charts: int, height: int = 2000) -> None:
    assert console_problems(page.log) == []
    assert "xss" not in page.log
    assert page.dom.count("<svg ") >= charts
    drawn = [d for d in svg_lines(page.dom) if "L" in d]
    assert len(drawn) >= charts, "the charts have no lines with two points or more"
    tags = elements(page.dom)
    assert {tag for tag, _ in tags} & ACTIVE == set(), "an element that loads or runs code"
    assert [a for _, attrs in tags for a in attrs if a.startswith("on")] == []
    links = [v for _, attrs in tags for a, v in attrs.items() if a in {"src", "href"}]
    assert [v for v in links if not re.match(r"(?:https?:|mailto:|#)", v)] == []
    shot = ink(page.screenshot, look_for=(BLUE, VERMILION))
    assert (shot.width, shot.height) == (1280, height)
    assert shot.colours > 16, "the screenshot is (nearly) one colour"
    assert shot.inked > 0.01, "less than 1% of the screenshot is drawn on"
    assert shot.near[BLUE] > 50 and shot.near[VERMILION] > 50, (
        "no chart lines in the screenshot (is the page taller than the capture?)"
    )


@pytest.mark.parametrize(
    ("apt", "uid", "reason"),
    [(None, 0, "apt-get is not available"), ("/usr/bin/apt-get", 1000, "needs root")],
)
def test_without_chromium_the_reason_to_skip_is_given(
    monkeypatch: pytest.MonkeyPatch, apt: str | None, uid: int, reason: str
) -> None:
    monkeypatch.setattr(browser.shutil, "which", lambda name: apt if name == "apt-get" else None)
    monkeypatch.setattr(browser.os, "geteuid", lambda: uid)
    path, why = browser.chromium_or_reason.__wrapped__()
    assert path is None and reason in why


def test_the_checks_see_console_errors_and_blank_pages(chromium: str, tmp_path: Path) -> None:
    # The checks below must be able to fail: a blank page whose script throws.
    html = tmp_path / "broken.html"
    html.write_text(
        '<!doctype html><html><head><meta charset="utf-8"><title>x</title></head><body>'
        '<script>console.error("oops"); notDefined();</script></body></html>',
        encoding="utf-8",
    )
    page = open_page(chromium, html)
    problems = console_problems(page.log)
    assert any('"oops"' in line for line in problems)
    assert any("Uncaught ReferenceError" in line for line in problems)
    assert [tag for tag, _ in elements(page.dom)].count("script") == 1
    blank = ink(page.screenshot, look_for=(BLUE,))
    assert (blank.colours, blank.inked, blank.near[BLUE]) == (1, 0.0, 0)


def test_a_page_of_charts_is_drawn_with_no_console_errors(chromium: str, tmp_path: Path) -> None:
    weeks = [f"W{n}" for n in range(40, 48)]
    charts = [
        line_chart(
            title="Compliance per check",
            labels=weeks,
            series={
                "response.ack": [0.9, 0.95, None, 1.0, 0.8, 0.85, 0.9, 1.0],
                PAYLOAD: [0.5, 0.6, 0.7, None, None, 0.8, 0.9, 0.95],
            },
            y_label="compliance",
            y_format=lambda v: f"{v:.0%}",
            y_max=1.0,
        ),
        line_chart(
            title=PAYLOAD,
            labels=weeks,
            series={
                "Sev1": [12.0, 8, 15, 9, 7, 11, 6, 5],
                "Sev2": [30.0, 25, 40, 22, 35, 28, 20, 18],
            },
            y_label="minutes",
        ),
        line_chart(title="Nothing yet", labels=weeks, series={"Sev1": [None] * 8}, y_label="x"),
    ]
    html = tmp_path / "charts.html"
    html.write_text(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>charts</title>'
        "</head><body>" + "".join(f"<figure>{c}</figure>" for c in charts) + "</body></html>",
        encoding="utf-8",
    )
    page = open_page(chromium, html)
    keep(page, "charts")
    assert_drawn(page, charts=2)
    assert "No data for these weeks" in page.dom


@pytest.fixture
def report_html(tmp_path: Path) -> Path:
    """The report of 2026-W47 for the generated org, with hostile incident titles.

    Synced through the sandbox, evaluated over the eight weeks ending 2026-W47 at the
    org's as-of, then built and rendered like ``opsaudit report`` does.
    """
    if importlib.util.find_spec("opsaudit.publish.report") is None:
        pytest.skip("opsaudit.publish.report has not landed yet")
    from opsaudit.publish.report import build_report, render_html

    org = generate(seed=7, incidents=60)
    for incident in org.world.pagerduty.incidents:
        for field in ("title", "summary", "description"):
            if field in incident:
                incident[field] = f"{incident[field]} {PAYLOAD}"
    window = Window(since=WEEK_END - timedelta(weeks=8), until=WEEK_END)
    with Sandbox(org.world) as sandbox:
        config, _ = write_config(org=org, sandbox=sandbox, folder=tmp_path)
        world = org.world.tokens
        tokens = {"pagerduty": world.pagerduty, "slack": world.slack, "github": world.github}
        with open_runtime(config) as runtime:
            sources = runtime.statuses(tokens=tokens, window=window, offline=False)
            outcome = runtime.evaluate(window=window, as_of=org.as_of, sources=sources)
            with Session(runtime.engine) as session:
                findings = store.load_findings(session=session)
    assert outcome.failed_sources == [], outcome.sources
    report = build_report(run=outcome, findings=findings, week=WEEK)
    html = tmp_path / "alone" / f"ops-sync-{WEEK}.html"
    # Alone in a folder: nothing beside the file can be loaded, as when it is mailed.
    html.parent.mkdir()
    html.write_text(render_html(report), encoding="utf-8")
    return html


def test_the_report_is_drawn_offline_with_its_charts(chromium: str, report_html: Path) -> None:
    # Tall enough for the whole page: headless Chromium paints nothing when it has to
    # scroll to an anchor, and the charts are near the end.
    page = open_page(chromium, report_html, height=8000)
    keep(page, "report")
    assert_drawn(page, charts=2, height=8000)
    titles = re.findall(r'<svg [^>]*role="img"[^>]*>\s*<title[^>]*>([^<]*)</title>', page.dom)
    assert any("Compliance" in t for t in titles), titles  # compliance rate per check
    assert any("MTTA" in t for t in titles) and any("MTTR" in t for t in titles), titles
    assert "xss: script" in page.dom  # the payload is on the page, as text
