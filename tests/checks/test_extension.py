"""A check added at runtime reaches every publisher with no other change.

The check below exists only in this test: a decorated function (a deadline check with a
title that reads no policy value), installed into the catalogue for the test's
duration. ``opsaudit rules`` lists it, the weekly report shows its violations and its
title, and the digest announces its violations and lists what of it is due soon.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from opsaudit.checks.catalogue import catalogue, installed
from opsaudit.checks.context import Context
from opsaudit.checks.model import Result
from opsaudit.checks.spec import check
from opsaudit.cli import main
from opsaudit.sandbox.org import generate
from sync_fixtures import Setup, serve_org

RULE = "incident.review_booked"
TITLE = "A Sev1/Sev2 review meeting is booked within two days"


@check(
    RULE,
    title=TITLE,
    subject="incident",
    group="postmortem",
    runbook="Book the review within two days of the trigger.",
    needs=("incidents",),
    deadline=True,
)
def review_booked(ctx: Context) -> Iterator[Result]:
    """Sev1 and Sev2 incidents need a review meeting booked within two days of the
    trigger (nothing books one in this test: the latest incident is pending, due
    tomorrow; every other one is a violation)."""
    key = [v for v in ctx.incidents if v.severity in ("Sev1", "Sev2")]
    for view in key:
        if view is key[-1]:
            due = ctx.as_of + timedelta(days=1)
            yield view.result(RULE, "pending", "No review booked yet.", deadline=due)
        else:
            due = view.triggered_at + timedelta(days=2)
            yield view.result(RULE, "violation", "No review was booked.", deadline=due)


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Setup]:
    with (
        serve_org(generate(seed=7, incidents=40), tmp_path, monkeypatch) as setup,
        installed(review_booked),
    ):
        yield setup


def test_installing_is_scoped() -> None:
    with installed(review_booked):
        assert RULE in {s.id for s in catalogue()}
        with pytest.raises(ValueError, match="already"), installed(review_booked):
            pass
    assert RULE not in {s.id for s in catalogue()}


def test_the_installed_check_is_in_the_rules(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    assert f"{RULE}: {TITLE}" in out
    assert "subject: incident; area: postmortem; reads: incidents; a deadline" in out
    assert "Sev1 and Sev2 incidents need a review meeting booked" in out


def test_the_installed_check_is_in_the_weekly_report(setup: Setup, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    code = main(
        [
            "report",
            "--config",
            str(setup.config_path),
            "--week",
            "2026-W47",
            "--as-of",
            setup.org.as_of.isoformat(),
            "--output-dir",
            str(out),
        ]
    )
    assert code == 0
    markdown = (out / "ops-sync-2026-W47.md").read_text(encoding="utf-8")
    assert RULE in markdown and TITLE in markdown
    assert "No review was booked." in markdown  # its violations are listed
    evidence = json.loads((out / "ops-sync-2026-W47.evidence.json").read_text())
    assert RULE in {r["rule"] for r in evidence["results"]["results"]}


def test_the_installed_check_is_in_the_digest(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["digest", "--config", str(setup.config_path), "--dry-run"]
    assert main([*args, "--as-of", setup.org.as_of.isoformat()]) == 0
    digest = json.loads(capsys.readouterr().out)
    text = json.dumps(digest["blocks"] + digest["replies"], ensure_ascii=False)
    assert f"*{TITLE}* · {RULE} ·" in text  # its new violations, under its title
    assert RULE in {rule for rule, _ in digest["announced"]}
    assert "No review booked yet." in text  # a deadline check: its pending item is due soon
