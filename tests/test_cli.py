"""The command line: ``opsaudit sync`` and ``opsaudit demo`` with interface.md's exit codes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from opsaudit.cli import main
from opsaudit.sandbox.org import generate
from sync_fixtures import Setup, serve_org


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Setup]:
    with serve_org(generate(seed=2, incidents=30), tmp_path, monkeypatch) as setup:
        yield setup


def test_sync_prints_a_line_per_source_and_exits_0(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sync", "--config", str(setup.config_path), "--since", "2026-08-01"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in out] == [
        ["pagerduty", "ok"],
        ["slack", "ok"],
        ["github", "ok"],
    ]
    assert "incidents" in out[0]


def test_a_failed_source_exits_3(
    setup: Setup, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-wrong")
    assert main(["sync", "--config", str(setup.config_path)]) == 3
    out = capsys.readouterr().out
    assert "slack     failed" in out
    assert "invalid_auth" in out
    assert "xoxb-wrong" not in out


def test_a_missing_token_exits_2_with_one_line(
    setup: Setup, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    assert main(["sync", "--config", str(setup.config_path)]) == 2
    err = capsys.readouterr().err
    assert err == (
        "opsaudit: sources.github is configured but the environment variable GITHUB_TOKEN "
        "is not set\n"
    )


def test_a_bad_config_exits_2_naming_file_line_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "opsaudit.yaml"
    path.write_text("sources:\n  github:\n    repo: not a repo name\n")
    assert main(["sync", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"opsaudit: {path}:3: sources.github.repo:")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("content", "start"),
    [
        (
            b"sources:\n  github:\n    repo: a/b\n    ca_file: missing.pem\n",
            ":4: sources.github.ca_file: ",
        ),
        (b"# \xff\xfe a comment saved as Latin-1\n", ":1: not UTF-8 text"),
    ],
)
def test_a_missing_ca_file_or_non_utf8_config_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, start: str
) -> None:
    path = tmp_path / "opsaudit.yaml"
    path.write_bytes(content)
    assert main(["sync", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"opsaudit: {path}{start}")
    assert err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [["sync", "--since", "last tuesday"], ["nonsense"], ["sync", "--bogus"]],
)
def test_bad_usage_exits_2_without_a_traceback(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("opsaudit: ") and "Traceback" not in err


def test_demo_syncs_the_sandbox_twice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    workdir = tmp_path / "demo"
    assert main(["demo", "--incidents", "40", "--workdir", str(workdir)]) == 0
    out = capsys.readouterr().out
    assert "first sync (full):" in out and "second sync (incremental):" in out
    assert "incremental sync:" in out
    assert (workdir / "opsaudit.db").is_file()
    assert (workdir / "opsaudit.yaml").is_file()


def test_rules_prints_every_check_with_its_policy_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    ids = [line.split(":")[0] for line in out.splitlines() if line and not line.startswith(" ")]
    assert len(ids) == 18 and ids == sorted(ids)
    assert "policy warroom.open_within = 15m" in out
    config = tmp_path / "opsaudit.yaml"
    config.write_text("policy:\n  warroom: {open_within: 10m}\n")
    assert main(["rules", "--config", str(config)]) == 0
    assert "policy warroom.open_within = 10m" in capsys.readouterr().out
