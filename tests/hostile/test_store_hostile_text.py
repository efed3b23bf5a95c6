"""NUL in an incident title and in a post-mortem, through the real path: sandbox, clients,
sync, store, audit. On PostgreSQL the source used to fail for good ("text fields cannot
contain NUL"); now it is ok, the text reads back as sent, and the results are SQLite's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session
from store_pg import audit_args, pg_server, pg_url, token_env, write_config  # noqa: F401

from opsaudit import store
from opsaudit.cli import main
from opsaudit.sandbox.org import GeneratedOrg, generate
from opsaudit.sandbox.server import Sandbox

pytestmark = pytest.mark.slow

NUL_TITLE = " \x00 after a NUL"
NUL_NOTE = "\n\nA stray NUL \x00 from a pasted log.\n"


def _hostile_org() -> tuple[GeneratedOrg, str, tuple[str, str]]:
    """The org, the id of the incident whose title holds a NUL, and (path, text) of the
    post-mortem that does."""
    org = generate(seed=7, incidents=12)
    since, until = org.window
    incident = next(
        i
        for i in org.world.pagerduty.incidents
        if since.isoformat() <= i["created_at"].replace("Z", "+00:00") < until.isoformat()
    )
    for field in ("title", "summary"):
        incident[field] += NUL_TITLE
    repo = next(iter(org.world.github.repos.values()))
    latest = next(c for c in reversed(repo.commits) if any(c.changes.values()))
    path, content = next((p, t) for p, t in latest.changes.items() if t is not None)
    latest.changes[path] = content + NUL_NOTE
    return org, incident["id"], (path, content + NUL_NOTE)


def _audit(org: GeneratedOrg, sandbox: Sandbox, folder: Path, url: str) -> dict[str, Any]:
    config = write_config(org=org, sandbox=sandbox, folder=folder, database_url=url)
    output = folder / "results.json"
    assert main(audit_args(org, config, output)) == 0
    document: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
    return document


def _stored(url: str, incident_id: str, path: str) -> tuple[str, str]:
    engine = store.open_store(url)
    try:
        with Session(engine) as session:
            [incident] = [i for i in store.load_incidents(session=session) if i.id == incident_id]
            files = store.postmortem_files_at(
                session=session,
                as_of=store.load_commits(session=session)[-1].committed_at,
                folder=path.rsplit("/", 1)[0],
            )
            sha = next(f.blob_sha for f in files if f.path == path)
            return incident.title, store.load_blobs(session=session, shas=[sha])[sha]
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_nul_in_title_and_postmortem_syncs_and_audits_alike_on_both_databases(
    pg_url: str,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    org, incident_id, (path, text) = _hostile_org()
    for name, value in token_env(org).items():
        monkeypatch.setenv(name, value)
    sqlite_url = f"sqlite:///{tmp_path / 'sqlite' / 'store.db'}"
    with Sandbox(org.world) as sandbox:
        on_sqlite = _audit(org, sandbox, tmp_path / "sqlite", sqlite_url)
        on_postgresql = _audit(org, sandbox, tmp_path / "postgresql", pg_url)

    for document in (on_sqlite, on_postgresql):
        assert {s["status"] for s in document["sources"].values()} == {"ok"}, document["sources"]
    assert on_postgresql == on_sqlite
    titles = {
        r["subject"]["title"] for r in on_sqlite["results"] if r["subject"]["key"] == incident_id
    }
    assert any(NUL_TITLE in title for title in titles), titles

    for url in (sqlite_url, pg_url):
        title, blob = _stored(url, incident_id, path)
        assert title.endswith(NUL_TITLE)
        assert blob == text
