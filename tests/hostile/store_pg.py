"""PostgreSQL for the hostile store tests: a throwaway database per test, or a skip.

The server is the one of ``tests/store`` (``OPSAUDIT_TEST_PG_URL``, default
``postgresql://postgres@127.0.0.1:5432/test``). Each test gets a database of its own,
created empty and dropped afterwards, so that it can be migrated (and raced) from
scratch by separate processes.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from opsaudit.demo import sandbox_config
from opsaudit.sandbox.org import GeneratedOrg
from opsaudit.sandbox.server import Sandbox
from pg_server import PG_URL, server_or_skip


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Engine]:
    """An autocommit engine on the test server (to create databases), or a skip."""
    engine = server_or_skip(isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@pytest.fixture
def pg_url(pg_server: Engine) -> Iterator[str]:
    """The ``postgresql://`` URL of a new, empty database, dropped after the test."""
    name = f"opsaudit_h_{secrets.token_hex(5)}"
    with pg_server.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with pg_server.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def write_config(*, org: GeneratedOrg, sandbox: Sandbox, folder: Path, database_url: str) -> Path:
    """An ``opsaudit.yaml`` in ``folder`` for ``org`` served by ``sandbox``, on that store."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "opsaudit.yaml"
    mapping = sandbox_config(org=org, sandbox=sandbox, database_url=database_url)
    path.write_text(yaml.safe_dump(mapping, sort_keys=False), encoding="utf-8")
    return path


def token_env(org: GeneratedOrg) -> dict[str, str]:
    """The sandbox's tokens as users set theirs."""
    tokens = org.world.tokens
    return {
        "PAGERDUTY_API_TOKEN": tokens.pagerduty,
        "SLACK_BOT_TOKEN": tokens.slack,
        "GITHUB_TOKEN": tokens.github,
    }


def audit_args(org: GeneratedOrg, config: Path, output: Path) -> list[str]:
    """``opsaudit audit`` of the org's window at its as-of, as JSON into ``output``."""
    since, until = (moment.isoformat() for moment in org.window)
    return [
        "audit",
        "--config",
        str(config),
        "--since",
        since,
        "--until",
        until,
        "--as-of",
        org.as_of.isoformat(),
        "--format",
        "json",
        "--output",
        str(output),
    ]


# what an opsaudit process imports to audit: compiled once by the warm-up
_IMPORTS = (
    "import opsaudit.cli, opsaudit.runtime, opsaudit.audit, opsaudit.measures, "
    "opsaudit.publish.formats, opsaudit.secrets, opsaudit.sync, prefect.context, "
    "opsaudit.sources.github_client, opsaudit.sources.pagerduty_client, "
    "opsaudit.sources.slack_client, alembic.command"
)


@pytest.fixture(scope="session")
def process_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment for opsaudit processes started by a test: byte code is cached in
    a folder of the session (where the suite writes none), compiled once here, so that
    processes started together race each other and not the compiler."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(tmp_path_factory.mktemp("pycache"))
    subprocess.run([sys.executable, "-c", _IMPORTS], env=env, check=True, timeout=120)
    return env
