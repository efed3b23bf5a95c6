"""Tokens: from the environment, or inside a Prefect run from Secret blocks. Never from files.

Every token handed out is also registered with :class:`Redactor`, so that a log line or
an error message that somehow carries one shows ``[redacted]`` instead.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from typing import ClassVar

from opsaudit.config import Config, ConfigError
from opsaudit.sources.table import SOURCES


@dataclass(frozen=True)
class TokenSpec:
    source: str
    env: str
    block: str


# interface.md fixes the names; each source of the table declares its own
TOKENS = tuple(TokenSpec(s.name, s.token_env, s.secret_block) for s in SOURCES)


def resolve_tokens(config: Config, *, use_blocks: bool | None = None) -> dict[str, str]:
    """The token of every configured source; a missing one is a :class:`ConfigError`.

    Environment variables win; inside a Prefect flow run (or with ``use_blocks=True``)
    the Secret blocks are the fallback.
    """
    if use_blocks is None:
        use_blocks = _in_prefect_run()
    tokens: dict[str, str] = {}
    for spec in TOKENS:
        if config.sources.section(spec.source) is None:
            continue
        token = os.environ.get(spec.env, "").strip() or (_from_block(spec) if use_blocks else "")
        if not token:
            where = f"the environment variable {spec.env}"
            if use_blocks:
                where += f" or the Prefect Secret block {spec.block!r}"
            raise ConfigError(f"sources.{spec.source} is configured but {where} is not set")
        Redactor.register(token)
        tokens[spec.source] = token
    return tokens


def _in_prefect_run() -> bool:
    from prefect.context import FlowRunContext, TaskRunContext

    return FlowRunContext.get() is not None or TaskRunContext.get() is not None


def _from_block(spec: TokenSpec) -> str:
    from prefect.blocks.system import Secret

    try:
        value = Secret.load(spec.block).get()  # type: ignore[union-attr]
    except ValueError:  # no such block
        return ""
    return str(value)


class Redactor(logging.Filter):
    """A logging filter that replaces every registered secret with ``[redacted]``."""

    _secrets: ClassVar[set[str]] = set()
    _lock: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def register(cls, secret: str) -> None:
        if len(secret) >= 4:
            with cls._lock:
                cls._secrets.add(secret)

    @classmethod
    def scrub(cls, text: str) -> str:
        """``text`` with every registered secret replaced."""
        for secret in cls._secrets:
            if secret in text:
                text = text.replace(secret, "[redacted]")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if self._secrets:
            message = record.getMessage()
            scrubbed = self.scrub(message)
            if scrubbed != message:
                record.msg, record.args = scrubbed, None
        return True


def install_redaction(logger: logging.Logger | None = None) -> None:
    """Put a :class:`Redactor` on every handler of ``logger`` (the root by default)."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, Redactor) for f in handler.filters):
            handler.addFilter(Redactor())
