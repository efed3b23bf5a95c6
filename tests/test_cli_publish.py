"""``opsaudit report`` and ``opsaudit digest`` on a generated org, through the sandbox."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from opsaudit.cli import main
from opsaudit.publish.evidence import verify_manifest
from opsaudit.sandbox.org import generate
from sync_fixtures import Setup, serve_org


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Setup]:
    with serve_org(generate(seed=7, incidents=40), tmp_path, monkeypatch) as setup:
        yield setup


def digest_channel_messages(setup: Setup) -> list[dict[str, object]]:
    world = setup.org.world.slack
    room = next(c["id"] for c in world.channels if c["name"] == "ops-compliance")
    return list(world.messages.get(room, []))


def report(setup: Setup, out: Path, *extra: str) -> int:
    return main(
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
