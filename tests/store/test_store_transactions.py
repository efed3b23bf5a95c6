"""A failed save rolls back whole: what was stored before it stays, nothing half-saved."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session
from store_builders import add, at, commit, git_commit, incident, issue, read, service

from opsaudit.records import DocumentBatch, IncidentBatch
from opsaudit.store import (
    load_commits,
    load_incidents,
    load_services,
    load_work_items,
    save_documents,
    save_incidents,
)
from opsaudit.store._sql import MAX_PARAMS, rows_per_statement

NAIVE = datetime(2026, 10, 3, 14, 0)  # no zone: the store refuses to guess one


def test_a_failing_pagerduty_save_leaves_the_previous_rows(engine: Engine) -> None:
    before = IncidentBatch(services=[service(name="Old")], incidents=[incident("Q1")])
    commit(engine, save_incidents, before)

    # services are written first, then the incidents statement fails on the naive time
    failing = IncidentBatch(
        services=[service(name="New"), service("PSVC002")],
        incidents=[incident("Q2", minutes=5), incident("Q3", created_at=NAIVE)],
    )
    with pytest.raises(StatementError, match="naive datetime"):
        commit(engine, save_incidents, failing)

    assert read(engine, load_services) == before.services
    assert read(engine, load_incidents) == before.incidents


def test_a_failing_github_save_keeps_the_stored_commit_changes(engine: Engine) -> None:
    stored = git_commit("c1", at(0), add("docs/incidents/a.md", "a"))
    commit(engine, save_documents, DocumentBatch(commits=[stored], issues=[issue(1)]))

    # resending c1 without changes deletes its changes before the issue statement fails
    failing = DocumentBatch(
        commits=[git_commit("c1", at(0)), git_commit("c2", at(1), add("docs/incidents/b.md", "b"))],
        issues=[issue(1, state="closed", closed_at=NAIVE)],
    )
    with pytest.raises(StatementError, match="naive datetime"):
        commit(engine, save_documents, failing)

    assert read(engine, load_commits) == [stored]
    assert read(engine, load_work_items) == [issue(1)]


def test_the_session_is_usable_after_a_rolled_back_save(engine: Engine) -> None:
    with Session(engine) as session:
        with pytest.raises(StatementError), session.begin():
            save_incidents(
                session=session, batch=IncidentBatch(incidents=[incident(created_at=NAIVE)])
            )
        with session.begin():
            save_incidents(session=session, batch=IncidentBatch(incidents=[incident()]))
    assert read(engine, load_incidents) == [incident()]


@pytest.mark.parametrize("columns", [1, 7, 17])
def test_each_statement_stays_under_sqlites_parameter_cap(columns: int) -> None:
    rows = rows_per_statement(columns)
    assert rows >= 1
    assert rows * columns <= MAX_PARAMS <= 32_766
