"""``opsaudit sandbox secrets``: the three Secret blocks the flows read, created in a
real Prefect API (the test harness's) from an env file, token values never said."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsaudit.cli import main
from opsaudit.setup.envfile import write_env_file

TOKENS = {
    "PAGERDUTY_API_TOKEN": "pd-sentinel-token-1",
    "SLACK_BOT_TOKEN": "xoxb-sentinel-token-2",
    "GITHUB_TOKEN": "ghp_sentinel_token_3",
}


@pytest.mark.usefixtures("prefect_backend")
def test_the_blocks_are_created_from_the_env_file_and_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from prefect.blocks.system import Secret

    env = write_env_file(tmp_path / "sandbox.env", {**TOKENS, "OPSAUDIT_CONFIG": "/x.yaml"})
    assert main(["sandbox", "secrets", "--env-file", str(env)]) == 0
    assert Secret.load("pagerduty-api-token").get() == TOKENS["PAGERDUTY_API_TOKEN"]
    assert Secret.load("slack-bot-token").get() == TOKENS["SLACK_BOT_TOKEN"]
    assert Secret.load("github-token").get() == TOKENS["GITHUB_TOKEN"]
    out = capsys.readouterr().out
    assert "saved the Secret block slack-bot-token (from SLACK_BOT_TOKEN)" in out
    assert "sentinel" not in out

    write_env_file(env, {"GITHUB_TOKEN": "ghp_sentinel_token_4"})  # again: overwritten
    assert main(["sandbox", "secrets", "--env-file", str(env)]) == 0
    assert Secret.load("github-token").get() == "ghp_sentinel_token_4"
    assert Secret.load("slack-bot-token").get() == TOKENS["SLACK_BOT_TOKEN"]  # kept
    out = capsys.readouterr().out
    assert f"skipped slack-bot-token: SLACK_BOT_TOKEN is not set in {env}" in out
    assert "sentinel" not in out


@pytest.mark.usefixtures("prefect_backend")
def test_the_environment_is_read_without_an_env_file(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from prefect.blocks.system import Secret

    for name in TOKENS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PAGERDUTY_API_TOKEN", "pd-sentinel-from-env")
    assert main(["sandbox", "secrets"]) == 0
    assert Secret.load("pagerduty-api-token").get() == "pd-sentinel-from-env"
    assert "skipped github-token: GITHUB_TOKEN is not set in the environment" in (
        capsys.readouterr().out
    )


def test_no_prefect_api_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    env = write_env_file(tmp_path / "sandbox.env", TOKENS)
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        assert main(["sandbox", "secrets", "--env-file", str(env)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("opsaudit: no Prefect API: set PREFECT_API_URL (e.g. ")
    assert err.count("\n") == 1


def test_an_env_file_without_tokens_or_with_a_bad_line_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    env = tmp_path / "sandbox.env"
    env.write_text("# tokens\nOTHER=1\n", encoding="utf-8")
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        assert main(["sandbox", "secrets", "--env-file", str(env)]) == 2
        env.write_text("GITHUB_TOKEN=ghp_x\nthis is not a line ghp_secret\n", encoding="utf-8")
        assert main(["sandbox", "secrets", "--env-file", str(env)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"opsaudit: {env}: none of PAGERDUTY_API_TOKEN, SLACK_BOT_TOKEN, GITHUB_TOKEN is set; "
        "no Secret block to create",
        f"opsaudit: {env}:2: not a NAME=value line",
    ]
