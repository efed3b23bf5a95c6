"""``opsaudit sandbox serve`` as a user (or a test harness) runs it: in the background,
used by another process through the files it writes, stopped with SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from netutil import free_port
from opsaudit.cli import main
from opsaudit.config import load_config
from opsaudit.setup.envfile import read_env_file

OPSAUDIT = [str(Path(sys.executable).with_name("opsaudit"))]


def _wait_for(path: Path, process: subprocess.Popen[str], seconds: float) -> dict[str, object]:
    ends = time.monotonic() + seconds
    while time.monotonic() < ends:
        if path.is_file():
            loaded: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
            return loaded
        if process.poll() is not None:
            raise AssertionError(f"serve exited {process.returncode}: {process.stdout}")
        time.sleep(0.1)
    raise AssertionError(f"no ready file after {seconds} s")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], dict[str, object], Path]]:
    folder, ready, port = tmp_path / "sandbox", tmp_path / "ready.json", free_port()
    where = ["--dir", str(folder), "--ready-file", str(ready)]
    process = subprocess.Popen(
        [*OPSAUDIT, "sandbox", "serve", "--port", str(port), "--incidents", "30", *where],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        info = _wait_for(ready, process, 120)
        assert info["port"] == port
        yield process, info, folder
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
        assert process.stdout is not None
        process.stdout.close()


def test_it_writes_a_ready_config_a_private_env_file_and_a_kept_ca(
    served: tuple[subprocess.Popen[str], dict[str, object], Path],
) -> None:
    _, info, folder = served
    config = load_config(Path(str(info["config"])))  # absolute paths: loads from anywhere
    ca = Path(str(info["ca_file"]))
    assert ca.is_absolute() and ca.parent == folder
    for name in ("pagerduty", "slack", "github"):
        section = config.sources.section(name)
        assert section is not None and section.ca_file == ca
        assert section.api_url.startswith(str(info["url"]))
    assert config.database.url == f"sqlite:///{folder / 'opsaudit.db'}"
    assert config.report.output_dir == folder / "reports"
    env = Path(str(info["env_file"]))
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    assert set(read_env_file(env)) == {
        "PAGERDUTY_API_TOKEN",
        "SLACK_BOT_TOKEN",
        "GITHUB_TOKEN",
        "OPSAUDIT_CONFIG",
    }


def test_an_audit_in_another_process_uses_its_files_then_sigterm_stops_it(
    served: tuple[subprocess.Popen[str], dict[str, object], Path], tmp_path: Path
) -> None:
    process, info, _ = served
    env = {**os.environ, **read_env_file(Path(str(info["env_file"])))}
    out = tmp_path / "results.json"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    audit = subprocess.run(
        [*OPSAUDIT, "audit", "--format", "json", "--output", str(out)],
        cwd=elsewhere,  # OPSAUDIT_CONFIG from the env file finds the configuration
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert audit.returncode == 0, audit.stderr
    document = json.loads(out.read_text(encoding="utf-8"))
    assert {s["status"] for s in document["sources"].values()} == {"ok"}
    assert any(r["status"] == "violation" for r in document["results"])

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    assert process.stdout is not None
    said = process.stdout.read()
    assert f"ready {info['url']}" in said
    assert f"set -a; . {info['env_file']}; set +a" in said
    assert said.rstrip().endswith("sandbox stopped")
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", int(str(info["port"])))):
        pass
    assert Path(str(info["ca_file"])).is_file()  # kept: the config still names it
    assert not (tmp_path / "ready.json").exists()  # it no longer serves


def test_a_port_in_use_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        folder = tmp_path / "sandbox"
        args = ["--port", str(port), "--incidents", "5", "--dir", str(folder)]
        assert main(["sandbox", "serve", *args]) == 2
    err = capsys.readouterr().err
    assert err == f"opsaudit: --port {port}: cannot listen on 127.0.0.1: Address already in use\n"
    assert not (folder / "sandbox-ca.pem").exists()  # nothing left behind that looks served
