"""A database URL that is no usable database, or a database that does not answer, is a
configuration error: exit 2, one line naming the file and ``database.url``, no password,
no traceback."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from opsaudit.cli import main


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # nothing listens there once it is closed


def _config(folder: Path, url: str) -> Path:
    path = folder / "opsaudit.yaml"
    path.write_text(f"database:\n  url: '{url}'\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("nosuchdb://host/db", "no database this opsaudit can use"),
        ("mysql+nosuchdriver://u:s3cret-pw@host/db", "no database this opsaudit can use"),
        ("not a url", "not a database URL"),
        ("postgresql://auditor:s3cret-pw@127.0.0.1:{port}/opsaudit", "cannot connect"),
    ],
)
@pytest.mark.parametrize("command", ["sync", "audit"])
def test_a_database_that_cannot_be_used_exits_2_naming_file_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str, says: str, command: str
) -> None:
    config = _config(tmp_path, url.format(port=_closed_port()))
    assert main([command, "--config", str(config)]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(f"opsaudit: {config}: database.url: "), lines[0]
    assert says in lines[0]
    assert "s3cret" not in captured.err + captured.out
    assert "Traceback" not in captured.err
