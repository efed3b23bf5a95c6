"""Builders for whole-pipeline sync tests: a generated org, its sandbox, a config, a dump."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, select

from opsaudit.config import Config, load_config
from opsaudit.demo import sandbox_config
from opsaudit.runtime import open_runtime
from opsaudit.sandbox.org import GeneratedOrg
from opsaudit.sandbox.server import Sandbox
from opsaudit.sources.base import RetryPolicy, Window
from opsaudit.store.schema import Base
from opsaudit.sync import SyncReport

FAST = RetryPolicy(attempts=6, backoff=0.01, max_wait=1.0)
VOLATILE_TABLES = {"sync_state", "audit_runs", "alembic_version"}


@dataclass
class Setup:
    org: GeneratedOrg
    sandbox: Sandbox
    config: Config
    config_path: Path

    @property
    def tokens(self) -> dict[str, str]:
        tokens = self.org.world.tokens
        return {"pagerduty": tokens.pagerduty, "slack": tokens.slack, "github": tokens.github}

    @property
    def window(self) -> Window:
        return Window(since=self.org.window[0], until=self.org.window[1])

    def sync(self, *, tokens: dict[str, str] | None = None, full: bool = False) -> SyncReport:
        with open_runtime(self.config) as runtime:
            return runtime.sync(
                tokens=tokens or self.tokens,
                window=self.window,
                now=self.org.as_of,
                full=full,
                retry=FAST,
            )


@contextmanager
def serve_org(
    org: GeneratedOrg, folder: Path, monkeypatch: pytest.MonkeyPatch | None = None
) -> Iterator[Setup]:
    """The org served by a sandbox, with a config file in ``folder``; with
    ``monkeypatch``, the sandbox's tokens are set in the environment as users set theirs."""
    with Sandbox(org.world) as sandbox:
        config, path = write_config(org=org, sandbox=sandbox, folder=folder)
        if monkeypatch is not None:
            monkeypatch.setenv("PAGERDUTY_API_TOKEN", org.world.tokens.pagerduty)
            monkeypatch.setenv("SLACK_BOT_TOKEN", org.world.tokens.slack)
            monkeypatch.setenv("GITHUB_TOKEN", org.world.tokens.github)
        yield Setup(org=org, sandbox=sandbox, config=config, config_path=path)


def write_config(
    *, org: GeneratedOrg, sandbox: Sandbox, folder: Path, db_name: str = "store.db"
) -> tuple[Config, Path]:
    mapping = sandbox_config(org=org, sandbox=sandbox, database_url=f"sqlite:///{folder / db_name}")
    path = folder / "opsaudit.yaml"
    path.write_text(yaml.safe_dump(mapping, sort_keys=False), encoding="utf-8")
    return load_config(path), path


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every stored row but the sync bookkeeping, in a stable order, for comparisons."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if table.name in VOLATILE_TABLES:
                continue
            order = [c for c in table.columns if c.name != "id"] or list(table.columns)
            result = connection.execute(select(*order).order_by(*order))
            rows[table.name] = [tuple(row) for row in result]
    return rows
