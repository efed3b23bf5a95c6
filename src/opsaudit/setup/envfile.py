"""Env files (``NAME=value`` lines, as ``set -a; . FILE`` reads them): written private,
read with a bound and errors that name the file and line."""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Mapping
from pathlib import Path

from opsaudit.config import ConfigError

MAX_BYTES = 64 * 1024  # an env file of tokens is a few hundred bytes
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def write_env_file(path: Path, values: Mapping[str, str]) -> Path:
    """Write ``values`` to ``path``, readable by its owner only (mode 0600, even when
    the file existed with another mode), each value quoted for the shell."""
    text = "".join(f"{name}={shlex.quote(value)}\n" for name, value in values.items())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        os.fchmod(out.fileno(), 0o600)
        out.write(text)
    return path


def read_env_file(path: Path) -> dict[str, str]:
    """The ``NAME=value`` lines of ``path`` (``export`` prefixes, comments, blank lines
    and shell quotes allowed); anything else is a :class:`ConfigError` naming the line,
    never quoting it (it may hold a token)."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(f"{path}: env file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    if len(data) > MAX_BYTES:
        raise ConfigError(f"{path}: larger than {MAX_BYTES // 1024} KiB; not an env file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    values: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.removeprefix("export ").partition("=")
        name = name.strip()
        if not sep or not _NAME.fullmatch(name):
            raise ConfigError(f"{path}:{number}: not a NAME=value line")
        try:
            words = shlex.split(value, comments=True)
        except ValueError:
            raise ConfigError(f"{path}:{number}: {name}: unbalanced quotes") from None
        if len(words) > 1:
            raise ConfigError(f"{path}:{number}: {name}: more than one word; quote the value")
        values[name] = words[0] if words else ""
    return values
