"""Nothing leaks: a sync with sentinel tokens leaves them in no log line, file, table or
error text, and no war-room message body is stored.

The check is made without the log redactor: the code itself must not emit the tokens.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import MetaData, select

from opsaudit import store
from opsaudit.sandbox.org import generate
from opsaudit.sandbox.server import Sandbox
from opsaudit.sandbox.state import Tokens
from sync_fixtures import Setup, write_config

SENTINELS = Tokens(
    pagerduty="SENTINEL-pd-0c4f5e9a1b",
    slack="xoxb-SENTINEL-slack-77d2a0",
    github="ghp_SENTINELgithub3f9e81",
)


def everything_stored(url: str) -> str:
    """Every value of every table, as one text."""
    engine = store.open_store(url)
    metadata = MetaData()
    metadata.reflect(engine)
    parts: list[str] = []
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            parts.extend(repr(tuple(row)) for row in connection.execute(select(table)))
    return "\n".join(parts)


def files_under(folder: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def test_sentinel_tokens_appear_nowhere(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    org = generate(seed=3, incidents=40)
    org.world.tokens = SENTINELS
    caplog.set_level(logging.DEBUG)  # every library's debug output, too
    with Sandbox(org.world) as sandbox:
        config, path = write_config(org=org, sandbox=sandbox, folder=tmp_path)
        setup = Setup(org=org, sandbox=sandbox, config=config, config_path=path)
        tokens = setup.tokens
        ok = setup.sync()
        with org.world.lock:  # now every API refuses them: errors are raised and stored
            org.world.tokens = Tokens("other-pd", "xoxb-other", "ghp_other")
        failed = setup.sync(tokens=tokens)

    assert ok.failed == []
    assert sorted(failed.failed) == ["github", "pagerduty", "slack"]
    errors = [outcome.error or "" for outcome in failed.outcomes.values()]
    assert all(errors), "each failure says what happened"
    captured = capsys.readouterr()
    texts = {
        "log records": caplog.text,
        "stdout/stderr": captured.out + captured.err,
        "error messages": "\n".join(errors),
        "database": everything_stored(config.database.url),
    }
    for name, text in texts.items():
        for token in (SENTINELS.pagerduty, SENTINELS.slack, SENTINELS.github):
            assert token not in text, f"{token[:8]}... leaked into {name}"
            assert token[-6:] not in text, f"the tail of {token[:8]}... leaked into {name}"
    for file, content in files_under(tmp_path).items():
        for token in (SENTINELS.pagerduty, SENTINELS.slack, SENTINELS.github):
            assert token.encode() not in content, f"{token[:8]}... leaked into {file}"


def test_no_war_room_message_body_is_stored(tmp_path: Path) -> None:
    org = generate(seed=3, incidents=40)
    rooms = {c["id"] for c in org.world.slack.channels if c["name"].startswith("incident-")}
    bodies = {
        message["text"]
        for channel, messages in org.world.slack.messages.items()
        if channel in rooms
        for message in messages
        if len(message.get("text", "")) >= 24
    }
    assert bodies, "the generated war rooms have messages with text"
    with Sandbox(org.world) as sandbox:
        config, path = write_config(org=org, sandbox=sandbox, folder=tmp_path)
        report = Setup(org=org, sandbox=sandbox, config=config, config_path=path).sync()
    assert report.failed == []
    stored = everything_stored(config.database.url)
    assert "incident-" in stored  # the war rooms themselves were stored
    leaked = [body for body in bodies if body in stored]
    assert leaked == []
