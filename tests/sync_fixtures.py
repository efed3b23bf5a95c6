"""Builders for whole-pipeline sync tests: a generated org, its sandbox, a config, a dump."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine, select

from opsaudit.config import Config, load_config
from opsaudit.demo import sandbox_config
from opsaudit.sandbox.org import GeneratedOrg
from opsaudit.sandbox.server import Sandbox
from opsaudit.sources.base import RetryPolicy, Window
from opsaudit.store.schema import Base
from opsaudit.sync import SyncReport, run_sync

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
        return run_sync(
            config=self.config,
            tokens=tokens or self.tokens,
            window=self.window,
            now=self.org.as_of,
            full=full,
            retry=FAST,
        )


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
