"""Runs at once on one PostgreSQL database: separate processes, as cron and people start them.

An empty database is migrated once however many runs start together (the advisory lock
of ``store.engine``), two syncs of a source take turns (``store.locks``), and audits
that see the same new findings all land (``store.repo_results`` upserts them).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text
from store_pg import (  # noqa: F401 -- fixtures
    audit_args,
    pg_server,
    pg_url,
    process_env,
    token_env,
    write_config,
)

from opsaudit.sandbox.org import generate
from opsaudit.sandbox.server import Sandbox
from opsaudit.store import open_store
from opsaudit.store.engine import head_revision
from opsaudit.store.schema import Base

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

OPSAUDIT = str(Path(sys.executable).with_name("opsaudit"))
MIGRATE = "import sys; from opsaudit.store import open_store; open_store(sys.argv[1], migrate=True)"


def _run_all(commands: list[list[str]], env: dict[str, str], timeout: float = 240) -> list[str]:
    """Start every command at once; wait for all; each one's exit status and stderr."""
    started = [
        subprocess.Popen(c, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for c in commands
    ]
    ended = []
    for process in started:
        _out, err = process.communicate(timeout=timeout)
        ended.append(f"exit {process.returncode}: {err[-2000:]}")
    return ended


def _store(url: str) -> Engine:
    return open_store(url)  # already migrated: only checks the revision


def test_runs_started_together_migrate_an_empty_database_once(
    pg_url: str,  # noqa: F811
    process_env: dict[str, str],  # noqa: F811
) -> None:
    ended = _run_all([[sys.executable, "-c", MIGRATE, pg_url] for _ in range(4)], process_env)
    assert all(e.startswith("exit 0") for e in ended), ended
    engine = _store(pg_url)
    try:
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version"))
            assert versions.scalars().all() == [head_revision()]
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    finally:
        engine.dispose()


def test_four_audits_and_three_syncs_at_once(
    pg_url: str,  # noqa: F811
    process_env: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    org = generate(seed=11, incidents=16)
    outputs = [tmp_path / f"results-{n}.json" for n in range(4)]
    with Sandbox(org.world) as sandbox:
        config = write_config(org=org, sandbox=sandbox, folder=tmp_path, database_url=pg_url)
        since = org.window[0].isoformat()
        audits = [[OPSAUDIT, *audit_args(org, config, output)] for output in outputs]
        syncs = [[OPSAUDIT, "sync", "--config", str(config), "--since", since]] * 3
        ended = _run_all([*audits, *syncs], process_env | token_env(org))
    assert all(e.startswith("exit 0") for e in ended), "\n".join(ended)

    documents = [json.loads(output.read_text(encoding="utf-8")) for output in outputs]
    for document in documents:
        # how many requests each made depends on who went first: all else is the same
        assert {s["status"] for s in document["sources"].values()} == {"ok"}
        for source in document["sources"].values():
            del source["requests"]
    assert len(documents[0]["results"]) > 50
    assert all(d == documents[0] for d in documents), "the audits' results differ"

    engine = _store(pg_url)
    try:
        with engine.connect() as connection:
            runs = connection.execute(text("SELECT id, status FROM audit_runs")).all()
            assert sorted(status for _, status in runs) == ["done"] * 4
            per_run = Counter(
                connection.execute(text("SELECT run_id FROM results")).scalars().all()
            )
            assert len(set(per_run.values())) == 1, per_run  # every run stored all its results
            findings = connection.execute(text("SELECT count(*) FROM findings")).scalar_one()
            assert findings == next(iter(per_run.values()))
            incidents = connection.execute(text("SELECT count(*) FROM incidents")).scalar_one()
            assert incidents == len(org.world.pagerduty.incidents)
            states = connection.execute(text("SELECT source, last_status FROM sync_state")).all()
            assert sorted(states) == [("github", "ok"), ("pagerduty", "ok"), ("slack", "ok")]
    finally:
        engine.dispose()
