"""``opsaudit sandbox serve``: a generated organisation served over HTTPS until stopped.

Everything a user (or a Prefect worker) needs to point opsaudit at it is written into one
folder: the sandbox's CA certificate (kept, unlike the demo's), an ``opsaudit.yaml``
with absolute paths (so it works from any working directory) and ``sandbox.env`` with the
tokens the sandbox accepts (mode 0600). SIGINT and SIGTERM stop it cleanly (exit 0).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import FrameType

from opsaudit.config import CONFIG_ENV, ConfigError
from opsaudit.demo import write_sandbox_config
from opsaudit.sandbox.org import GeneratedOrg, generate
from opsaudit.sandbox.server import Sandbox
from opsaudit.setup.envfile import write_env_file
from opsaudit.sources.base import iso
from opsaudit.sources.table import SOURCES

DEFAULT_DIR = Path(".opsaudit/sandbox")
READY = "ready"  # the first word of the line that says it serves (machine-readable)


@dataclass(frozen=True)
class ServedFiles:
    """What ``serve`` writes: absolute paths."""

    config: Path
    env: Path
    ca: Path
    database: Path


def serve_sandbox(
    *,
    port: int,
    incidents: int,
    seed: int,
    directory: Path,
    as_of: datetime,
    ready_file: Path | None = None,
    say: Callable[[str], None] = print,
) -> int:
    """Generate, serve until SIGINT or SIGTERM, and return 0 once stopped."""
    if incidents < 1 or not 0 <= port <= 65535:
        raise ConfigError(f"--incidents {incidents} --port {port}: need 1+ incidents, a port")
    directory = directory.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    database = directory / "opsaudit.db"
    database.unlink(missing_ok=True)  # a new organisation: the old one's data would mix in
    if ready_file is not None:
        ready_file.unlink(missing_ok=True)
    say(f"generating an organisation: {incidents} incidents, seed {seed}, as of {iso(as_of)}")
    org = generate(seed=seed, incidents=incidents, now=as_of)
    stop = threading.Event()
    sandbox = Sandbox(org.world, port=port, ca_dir=directory)
    try:
        sandbox.start()
    except OSError as exc:
        raise ConfigError(f"--port {port}: cannot listen on 127.0.0.1: {exc.strerror}") from None
    with _stopped_by_signals(stop), sandbox:
        files = _write_files(directory, org=org, sandbox=sandbox, database=database)
        for line in _instructions(sandbox.base_url, files):
            say(line)
        if ready_file is not None:
            _write_ready(ready_file, url=sandbox.base_url, port=sandbox.port, files=files)
        say(f"{READY} {sandbox.base_url}")
        sys.stdout.flush()
        while not stop.wait(0.5):  # bounded waits: a signal handler runs between them
            pass
    if ready_file is not None:
        ready_file.unlink(missing_ok=True)  # it no longer serves
    say("sandbox stopped")
    return 0


def _write_files(
    directory: Path, *, org: GeneratedOrg, sandbox: Sandbox, database: Path
) -> ServedFiles:
    config = write_sandbox_config(
        directory / "opsaudit.yaml",
        org=org,
        sandbox=sandbox,
        database_url=f"sqlite:///{database}",
        extra={"report": {"output_dir": str(directory / "reports")}},
    )
    tokens = {s.token_env: getattr(org.world.tokens, s.name) for s in SOURCES}
    env = write_env_file(directory / "sandbox.env", {**tokens, CONFIG_ENV: str(config)})
    return ServedFiles(config=config, env=env, ca=sandbox.ca_file, database=database)


def _instructions(url: str, files: ServedFiles) -> list[str]:
    return [
        f"sandbox serving PagerDuty, Slack and GitHub at {url}",
        f"  configuration  {files.config}",
        f"  tokens         {files.env} (and {CONFIG_ENV})",
        f"  CA certificate {files.ca}",
        f"  store          {files.database} (new at every start)",
        "use it from another shell:",
        f"  set -a; . {files.env}; set +a    # or: export {CONFIG_ENV}={files.config}",
        "  opsaudit check-config && opsaudit audit",
        "stop it with Ctrl-C (or SIGTERM)",
    ]


def _write_ready(path: Path, *, url: str, port: int, files: ServedFiles) -> None:
    """The ready file, written whole or not at all (a reader never sees half of it)."""
    body = {
        "url": url,
        "port": port,
        "config": str(files.config),
        "env_file": str(files.env),
        "ca_file": str(files.ca),
        "pid": os.getpid(),
    }
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    partial.replace(path)


@contextmanager
def _stopped_by_signals(stop: threading.Event) -> Iterator[None]:
    """SIGINT and SIGTERM set ``stop`` while inside; the previous handlers come back after."""

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
