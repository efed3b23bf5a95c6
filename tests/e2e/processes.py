"""Long-running processes for end-to-end tests: started, waited for, always stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Background:
    """A process of the test, its output kept in a file to read when something fails."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path
    stopped: bool = field(default=False)

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return f"--- {self.name} (last {lines} lines of {self.log}) ---\n" + "\n".join(
            text.splitlines()[-lines:]
        )

    def stop(self, grace: float = 10.0) -> int | None:
        """SIGTERM, then SIGINT, then SIGKILL, each bounded (a worker may ignore the first)."""
        if self.stopped:
            return self.process.returncode
        self.stopped = True
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGKILL):
            if self.process.poll() is not None:
                break
            with _no_such_process():
                os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                continue
        return self.process.returncode


class _no_such_process:
    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> bool:
        return kind is not None and issubclass(kind, ProcessLookupError)


def start(
    name: str, argv: Sequence[str], *, env: Mapping[str, str], cwd: Path, logs: Path
) -> Background:
    """Start ``argv`` in its own process group (so its children stop with it)."""
    log = logs / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            list(argv),
            env=dict(env),
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return Background(name=name, process=process, log=log)


def wait_for(
    what: str, ready: Callable[[], bool], *, within: float, watch: Background | None = None
) -> None:
    """Poll ``ready`` until it holds; fail with the watched process's output otherwise."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if ready():
            return
        if watch is not None and watch.process.poll() is not None:
            raise AssertionError(f"{watch.name} exited before {what}\n{watch.tail()}")
        time.sleep(0.25)
    detail = watch.tail() if watch is not None else ""
    raise AssertionError(f"no {what} within {within:.0f} s\n{detail}")


def http_ok(url: str) -> Callable[[], bool]:
    def probe() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                return bool(answer.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    return probe


def run(
    argv: Sequence[str], *, env: Mapping[str, str], cwd: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run a command to its end; fail with its output when it does not succeed."""
    done = subprocess.run(
        list(argv),
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(
            f"{' '.join(argv)} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
        )
    return done
