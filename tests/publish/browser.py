"""Headless Chromium for the report's browser test: find it, install it, drive it, read its PNG.

Chromium comes from Debian's ``chromium`` package. Where it is missing and we run as
root with apt-get, it is installed once per session; where it cannot be had, the
caller skips with the reason :func:`chromium_or_reason` gives. No Python dependency
beyond the stdlib: the browser is driven through its command-line flags and the
screenshot is decoded with zlib.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

INSTALL_TIMEOUT = 600.0  # seconds for the whole install, apt-get update included
RUN_TIMEOUT = 60
_NAMES = ("chromium", "chromium-browser")
_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
)


def _which() -> str | None:
    for name in _NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _apt(*args: str, deadline: float) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # Another session may be installing it too: wait for dpkg's lock rather than fail.
    wait = f"DPkg::Lock::Timeout={int(max(deadline - time.monotonic(), 1.0))}"
    return subprocess.run(
        ["apt-get", "-o", wait, *args],
        capture_output=True,
        text=True,
        timeout=max(deadline - time.monotonic(), 1.0),
        env=env,
        check=False,
    )


@cache
def chromium_or_reason() -> tuple[str | None, str]:
    """The Chromium executable, or None and why it cannot be had (cached for the session)."""
    found = _which()
    if found:
        return found, ""
    if shutil.which("apt-get") is None:
        return None, "chromium is not installed and apt-get is not available"
    if os.geteuid() != 0:
        return None, "chromium is not installed and installing it needs root"
    install = ("install", "-y", "-q", "--no-install-recommends", "chromium")
    deadline = time.monotonic() + INSTALL_TIMEOUT
    try:
        done = _apt(*install, deadline=deadline)
        if done.returncode != 0:
            # Most often a container without package lists: fetch them and retry once.
            _apt("update", "-q", deadline=deadline)
            done = _apt(*install, deadline=deadline)
    except (OSError, subprocess.TimeoutExpired) as error:
        return None, f"installing chromium failed: {error}"
    found = _which()
    if found:
        return found, ""
    tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
    return None, "installing chromium failed: " + " | ".join(tail)


def find_or_install_chromium() -> str | None:
    """The path of Chromium, installing Debian's package where missing and possible."""
    return chromium_or_reason()[0]


@dataclass(frozen=True)
class Page:
    """What headless Chromium made of one HTML file."""

    dom: str = field(repr=False)
    log: str = field(repr=False)
    screenshot: bytes = field(repr=False)


def _start(chromium: str, profile: Path, *args: str) -> subprocess.Popen[str]:
    command = [chromium, *_FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr"]
    return subprocess.Popen(
        [*command, "--v=0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(process: subprocess.Popen[str], what: str) -> tuple[str, str]:
    try:
        out, err = process.communicate(timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise RuntimeError(f"chromium {what} took longer than {RUN_TIMEOUT} s") from None
    if process.returncode != 0:
        raise RuntimeError(f"chromium {what} failed ({process.returncode}): {err[-2000:]}")
    return out, err


def open_page(chromium: str, html: Path, *, width: int = 1280, height: int = 2000) -> Page:
    """Load ``html`` twice at once: one browser dumps the DOM, the other takes a screenshot.

    Both log the page's console to stderr, gathered in :attr:`Page.log`.
    """
    url = html.resolve().as_uri()
    with tempfile.TemporaryDirectory(prefix="opsaudit-chromium-") as folder:
        png = Path(folder) / "page.png"
        dumping = _start(chromium, Path(folder) / "dom", "--dump-dom", url)
        shooting = _start(
            chromium,
            Path(folder) / "shot",
            f"--screenshot={png}",
            f"--window-size={width},{height}",
            url,
        )
        dom, dom_log = _finish(dumping, "--dump-dom")
        _, shot_log = _finish(shooting, "--screenshot")
        if not png.exists():
            raise RuntimeError(f"chromium wrote no screenshot: {shot_log[-2000:]}")
        return Page(dom=dom, log=dom_log + shot_log, screenshot=png.read_bytes())


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))


def elements(dom: str) -> list[tuple[str, dict[str, str]]]:
    """Every element of a serialized DOM: its tag name and attributes, in document order."""
    parser = _Tags()
    parser.feed(dom)
    parser.close()
    return parser.tags


def console_problems(log: str) -> list[str]:
    """Lines of Chromium's log that report a console message or an uncaught error of the page."""
    markers = ("CONSOLE", "Uncaught", "Refused to", "Failed to load", "net::ERR_")
    return [line for line in log.splitlines() if any(m in line for m in markers)]


def _add(line: bytes, above: bytes) -> bytes:
    """Bytewise ``(line + above) % 256`` in one go: SWAR on Python's big integers."""
    n = len(line)
    a, b = int.from_bytes(line, "big"), int.from_bytes(above, "big")
    low, high = int.from_bytes(b"\x7f" * n, "big"), int.from_bytes(b"\x80" * n, "big")
    return (((a & low) + (b & low)) ^ ((a ^ b) & high)).to_bytes(n, "big")


def _unfilter(kind: int, line: bytearray, above: bytes, channels: int) -> bytes:
    """Reverse one row's Sub (1), Average (3) or Paeth (4) filter, byte by byte."""
    for x in range(len(line)):
        a = line[x - channels] if x >= channels else 0
        if kind == 1:
            line[x] = (line[x] + a) & 0xFF
            continue
        b = above[x]
        if kind == 3:
            line[x] = (line[x] + ((a + b) >> 1)) & 0xFF
            continue
        c = above[x - channels] if x >= channels else 0
        p = a + b - c
        pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
        line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
    return bytes(line)


def decode_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the RGB(A) rows of an 8-bit truecolour PNG, filters reversed."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, header = 8, bytearray(), b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    channels = {2: 3, 6: 4}.get(colour)
    if depth != 8 or channels is None or interlace:
        raise ValueError(f"unsupported PNG: depth {depth}, colour type {colour}")
    raw, stride = zlib.decompress(idat), width * channels
    rows: list[bytes] = []
    above = bytes(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], raw[start + 1 : start + 1 + stride]
        if kind == 0:
            row = line
        elif kind == 2:
            row = _add(line, above)
        elif kind in (1, 3, 4):
            row = _unfilter(kind, bytearray(line), above, channels)
        else:
            raise ValueError(f"row {y}: unknown PNG filter {kind}")
        rows.append(row)
        above = row
    return width, height, rows


@dataclass(frozen=True)
class Ink:
    """How much of a screenshot is drawn: distinct colours, share of non-white pixels, and
    how many pixels are (nearly) each of some colours looked for, by hex name."""

    width: int
    height: int
    colours: int
    inked: float
    near: dict[str, int]


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    value = int(hex_colour.lstrip("#"), 16)
    return value >> 16, (value >> 8) & 0xFF, value & 0xFF


def ink(png: bytes, *, look_for: tuple[str, ...] = (), step: int = 2) -> Ink:
    """Count colours, non-white pixels and pixels near ``look_for``, every ``step``-th pixel."""
    width, height, rows = decode_png(png)
    channels = len(rows[0]) // width if rows else 3
    counts: dict[bytes, int] = {}
    for row in rows[::step]:
        for x in range(0, width, step):
            pixel = row[x * channels : x * channels + 3]
            counts[pixel] = counts.get(pixel, 0) + 1
    total = sum(counts.values())
    inked = sum(n for pixel, n in counts.items() if min(pixel) < 245)
    near = {
        name: sum(
            n
            for pixel, n in counts.items()
            if max(abs(a - b) for a, b in zip(pixel, _rgb(name), strict=True)) <= 24
        )
        for name in look_for
    }
    return Ink(width, height, len(counts), inked / max(total, 1), near)
