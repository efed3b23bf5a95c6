"""Tokens come from the environment (or Prefect blocks), and are scrubbed from logs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from opsaudit.config import parse_config
from opsaudit.secrets import Redactor, install_redaction, resolve_tokens


def test_tokens_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    config = parse_config("sources:\n  github: {repo: a/b}\n", source=Path("c.yaml"))
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_fromenv")
    monkeypatch.delenv("PAGERDUTY_API_TOKEN", raising=False)
    assert resolve_tokens(config, use_blocks=False) == {"github": "ghp_fromenv"}


def test_a_missing_token_of_a_configured_source_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from opsaudit.config import ConfigError

    config = parse_config("sources:\n  slack: {}\n", source=Path("c.yaml"))
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN is not set"):
        resolve_tokens(config, use_blocks=False)


def test_the_redactor_scrubs_registered_tokens_from_log_records(
    caplog: pytest.LogCaptureFixture,
) -> None:
    Redactor.register("xoxb-sentinel-0001")
    logger = logging.getLogger("opsaudit.test.redaction")
    install_redaction(logging.getLogger())
    caplog.handler.addFilter(Redactor())
    with caplog.at_level(logging.INFO):
        logger.info("calling with %s", "xoxb-sentinel-0001")
    assert "xoxb-sentinel-0001" not in caplog.text
    assert "calling with [redacted]" in caplog.text
