"""``opsaudit report`` (its upload with ``--publish``, once a period; a range with
``--since/--until``) and ``opsaudit digest`` on a generated org, through the sandbox."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from opsaudit.cli import main
from opsaudit.publish.evidence import verify_manifest
from opsaudit.sandbox.org import generate
from opsaudit.sandbox.slack_access import ALL_SCOPES
from opsaudit.timeparse import parse_instant
from sync_fixtures import Setup, serve_org

ROW = re.compile(r"^\| \[\\#(\d+)\]\([^)]*\) \| (Sev[12]) \|", re.MULTILINE)


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Setup]:
    with serve_org(generate(seed=7, incidents=40), tmp_path, monkeypatch) as setup:
        yield setup


def digest_channel_messages(setup: Setup) -> list[dict[str, Any]]:
    world = setup.org.world.slack
    room = next(c["id"] for c in world.channels if c["name"] == "ops-compliance")
    return list(world.messages.get(room, []))


def report(setup: Setup, out: Path, *extra: str, week: str | None = "2026-W47") -> int:
    return main(
        [
            "report",
            "--config",
            str(setup.config_path),
            *(["--week", week] if week else []),
            "--as-of",
            setup.org.as_of.isoformat(),
            "--output-dir",
            str(out),
            *extra,
        ]
    )


def test_report_writes_the_week_with_its_evidence_pack(
    setup: Setup, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "reports"
    assert report(setup, out) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "ops-sync-2026-W47.evidence.json",
        "ops-sync-2026-W47.html",
        "ops-sync-2026-W47.md",
        "ops-sync-2026-W47.sha256",
    ]
    assert capsys.readouterr().out.splitlines() == [
        str(out / name) for name in ("ops-sync-2026-W47.md", "ops-sync-2026-W47.html")
    ] + [str(out / n) for n in ("ops-sync-2026-W47.evidence.json", "ops-sync-2026-W47.sha256")]
    assert verify_manifest(out / "ops-sync-2026-W47.sha256") == []
    pack = json.loads((out / "ops-sync-2026-W47.evidence.json").read_text())
    assert pack["results"]["schema"] == "opsaudit.results/v1"
    assert digest_channel_messages(setup) == [], "nothing posted without --publish"


def test_publish_uploads_html_and_markdown_with_the_summary_once(
    setup: Setup, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "reports"
    assert report(setup, out, "--publish") == 0
    (message,) = digest_channel_messages(setup)
    assert message["text"].startswith("*Ops sync 2026-W47: ")
    assert "new violations" in message["text"] and message["upload"] is True
    html, markdown = message["files"]
    assert (html["name"], markdown["name"]) == ("ops-sync-2026-W47.html", "ops-sync-2026-W47.md")
    assert html["size"] == (out / "ops-sync-2026-W47.html").stat().st_size
    assert markdown["preview"].startswith("# Ops sync 2026-W47")
    err = capsys.readouterr().err
    assert f"report uploaded to #ops-compliance: {html['permalink']}" in err
    requested = setup.sandbox.counts["slack files.completeUploadExternal"]
    assert requested == 1 and setup.sandbox.counts["slack upload"] == 2

    assert report(setup, out, "--publish") == 0
    assert len(digest_channel_messages(setup)) == 1, "a re-run for the same week uploads nothing"
    assert setup.sandbox.counts["slack files.completeUploadExternal"] == 1
    assert "report already uploaded to #ops-compliance" in capsys.readouterr().err


def test_without_files_write_the_report_is_written_and_the_refusal_said(
    setup: Setup, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with setup.org.world.lock:
        setup.org.world.slack.scopes = set(ALL_SCOPES - {"files:write"})
    out = tmp_path / "reports"
    assert report(setup, out, "--publish") == 1
    assert (out / "ops-sync-2026-W47.html").is_file()
    assert digest_channel_messages(setup) == []
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == (
        "opsaudit: the report is written but not published: slack: files_upload_v2 failed: "
        "the Slack app lacks the scope 'files:write' (add it to the app's bot token scopes "
        "and reinstall the app)"
    )


def test_a_range_report_lists_every_sev1_and_sev2_incident_of_the_range(
    setup: Setup, tmp_path: Path
) -> None:
    since, until = datetime(2026, 10, 5, tzinfo=UTC), datetime(2026, 10, 26, tzinfo=UTC)
    policy = setup.config.policy
    truth = {
        str(i["incident_number"]): policy.severity_map[i["priority"]["summary"]]
        for i in setup.org.world.pagerduty.incidents
        if since <= parse_instant(i["created_at"]) < until
        and policy.severity_map.get(i["priority"]["summary"]) in ("Sev1", "Sev2")
        and not any(word in i["title"] for word in policy.exclude.title_contains)
    }
    last_week = datetime(2026, 10, 19, tzinfo=UTC)
    earlier = [
        i
        for i in setup.org.world.pagerduty.incidents
        if str(i["incident_number"]) in truth and parse_instant(i["created_at"]) < last_week
    ]
    assert earlier, "the range has Sev1/Sev2 incidents before its last week"
    out = tmp_path / "reports"
    assert report(setup, out, "--since", "2026-10-05", "--until", "2026-10-26", week=None) == 0
    base = "ops-sync-2026-10-05--2026-10-25"
    markdown = (out / f"{base}.md").read_text(encoding="utf-8")
    assert markdown.startswith("# Ops sync 2026-10-05 to 2026-10-25\n")
    section = markdown.split("## Sev1 and Sev2 incidents in the period\n", 1)[1]
    assert dict(ROW.findall(section.split("\n## ", 1)[0])) == truth
    html = (out / f"{base}.html").read_text(encoding="utf-8")
    assert "<h1>Ops sync 2026-10-05 to 2026-10-25</h1>" in html
    assert all(f"#{number}" in html for number in truth)


@pytest.mark.parametrize(
    "args",
    [
        ["--week", "2026-W60"],
        ["--week", "2026-W47", "--since", "2026-11-01"],
        ["--since", "2026-11-01"],
    ],
)
def test_report_bad_week_arguments_exit_2(
    setup: Setup, args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--config", str(setup.config_path), *args]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_digest_dry_run_prints_blocks_then_posts_once(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["digest", "--config", str(setup.config_path), "--as-of", setup.org.as_of.isoformat()]
    assert main([*argv, "--dry-run"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["blocks"], "the blocks are printed"
    assert digest_channel_messages(setup) == []
    assert main(argv) == 0
    posted = len(digest_channel_messages(setup))
    assert posted >= 1
    assert main(argv) == 0  # the same digest again: nothing new is posted
    assert len(digest_channel_messages(setup)) == posted
    assert "nothing posted" in capsys.readouterr().err


def test_a_digest_slack_refuses_is_one_line_and_exit_1(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    with setup.org.world.lock:
        setup.org.world.slack.scopes = set(ALL_SCOPES - {"chat:write"})
    argv = ["digest", "--config", str(setup.config_path), "--as-of", setup.org.as_of.isoformat()]
    assert main(argv) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[-1].startswith("opsaudit: the digest is not posted: slack: chat.postMessage failed:")
    assert "'chat:write'" in err[-1]
    with setup.org.world.lock:
        setup.org.world.slack.scopes = None
    assert main(argv) == 0  # nothing was recorded as sent: the next run posts it
    assert digest_channel_messages(setup)
