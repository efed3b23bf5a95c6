"""Any str round-trips through every string column, the same on SQLite and PostgreSQL:
NUL, lone surrogates (``surrogateescape``) and the escape character itself; text stored
before the escape (revision 0004) reads back unchanged after migration 0005."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.config import Config
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from store_builders import T0, channel, commit, git_commit, incident, read, service

from opsaudit.records import Blob, ChatBatch, DocumentBatch, IncidentBatch
from opsaudit.store import (
    load_blobs,
    load_channels,
    load_commits,
    load_incidents,
    load_results,
    load_sync_state,
    mark_sync_failed,
    open_store,
    save_chat,
    save_documents,
    save_incidents,
    save_results,
    start_audit_run,
)
from opsaudit.store.engine import MIGRATIONS_DIR
from opsaudit.store.safetext import ESC, escape_text, unescape_text

HOSTILE = "nul\x00 bytes \udcff\udcfe (surrogateescape) \ufdd0 and \ufdd00000 and a \U0001f525"
# characters the escape touches, and their neighbours, so that hypothesis finds them
_chars = st.one_of(
    st.sampled_from(["\x00", "\ud800", "\udfff", "\udcff", ESC, "0", "F", "D", "A"]),
    st.characters(codec=None),
)
texts = st.text(_chars, max_size=40)


@given(texts)
def test_escape_is_reversible(value: str) -> None:
    escaped = escape_text(value)
    assert unescape_text(escaped) == value
    assert "\x00" not in escaped
    escaped.encode("utf-8")  # no surrogate is left: both drivers can encode it


@given(texts, texts)
def test_escape_commutes_with_concatenation(a: str, b: str) -> None:
    # what keeps equality, IN and LIKE 'prefix%' working on escaped columns
    assert escape_text(a + b) == escape_text(a) + escape_text(b)


def test_ordinary_text_is_stored_as_it_is() -> None:
    for value in ["", "Checkout 5xx", "خدمة الدفع 🔥", "100% of_it \\ / ' \"", "\x1b[31mred"]:
        assert escape_text(value) is value


def test_hostile_text_in_every_kind_of_column(engine: Engine) -> None:
    hostile_id = "Q1\x00\udcff"
    stored = incident(id=hostile_id, title=HOSTILE, service_id="PSVC\x00")
    batch = IncidentBatch(services=[service(id="PSVC\x00", name=HOSTILE)], incidents=[stored])
    commit(engine, save_incidents, batch)
    assert read(engine, load_incidents) == [stored]

    doc = Blob(sha="b" * 40, text=HOSTILE)
    change_commit = git_commit("c1", T0, message=HOSTILE, author="A\x00na")
    commit(engine, save_documents, DocumentBatch(commits=[change_commit], blobs=[doc]))
    assert read(engine, load_blobs, shas=[doc.sha]) == {doc.sha: HOSTILE}
    assert read(engine, load_commits)[0].message == HOSTILE

    room = channel("C1", "incident-\x00\udcff")
    commit(engine, save_chat, ChatBatch(channels=[room]))
    assert read(engine, load_channels, name_prefix="incident-\x00") == [room]
    assert read(engine, load_channels, name_prefix="incident-\x01") == []


def test_hostile_text_in_results_and_errors(engine: Engine) -> None:
    as_of = datetime(2026, 11, 20, tzinfo=UTC)
    result = {
        "rule": "warroom.opened",
        "status": "violation",
        "subject": {"kind": "incident", "key": "Q1\x00\udcff", "title": HOSTILE},
        "message": HOSTILE,
    }
    with Session(engine) as session, session.begin():
        run_id = start_audit_run(
            session=session, started_at=as_of, as_of=as_of, since=T0, until=as_of
        )
        save_results(session=session, run_id=run_id, as_of=as_of, results=[result])
        mark_sync_failed(
            session=session, source="github", error=HOSTILE, requests=1, started_at=as_of
        )
    [loaded] = read(engine, load_results, run_id=run_id)
    assert (loaded.subject_key, loaded.payload) == ("Q1\x00\udcff", result)
    state = read(engine, load_sync_state, source="github")
    assert state is not None and state.error == HOSTILE


def test_no_raw_nul_or_surrogate_reaches_the_database(engine: Engine) -> None:
    commit(engine, save_incidents, IncidentBatch(incidents=[incident(title=HOSTILE)]))
    with engine.connect() as connection:
        raw = connection.execute(text("SELECT title FROM incidents")).scalar_one()
    assert raw == escape_text(HOSTILE)
    assert "\x00" not in raw


# ------------------------------------------------------------------ stores before 0005


def _upgrade(url: str, revision: str) -> Engine:
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    else:
        import pathlib

        pathlib.Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return engine


def test_text_stored_before_the_escape_reads_back_unchanged(store_url: str) -> None:
    # raw U+FDD0 followed by hex digits would read back as "A" without migration 0005;
    # SQLite also took raw NUL before (PostgreSQL never did)
    old_texts = [f"{ESC}0041 and {ESC}", "plain", f"{ESC}{ESC}FDD0"]
    sha_with_esc = f"{ESC}0041sha"
    if store_url.startswith("sqlite"):
        old_texts.append("a\x00b")
    old = _upgrade(store_url, "0004")
    try:
        with old.begin() as connection:
            for n, value in enumerate(old_texts):
                connection.execute(
                    text(
                        "INSERT INTO incidents (id, number, title, status, urgency, created_at, "
                        "service_id, html_url, assignee_ids, responder_requests) VALUES "
                        "(:id, :n, :title, 'triggered', 'high', '2026-11-02 10:00:00', 'S', '', "
                        "'[]', '[]')"
                    ),
                    {"id": f"Q{n}{value}", "n": n, "title": value},
                )
            connection.execute(
                text(
                    "INSERT INTO commits (sha, committed_at, position, author, message) "
                    "VALUES (:sha, '2026-11-02 10:00:00', 1, 'a', 'm')"
                ),
                {"sha": sha_with_esc},
            )
            connection.execute(
                text(
                    "INSERT INTO file_changes (commit_sha, position, path, status) "
                    "VALUES (:sha, 0, 'docs/x.md', 'added')"
                ),
                {"sha": sha_with_esc},
            )
    finally:
        old.dispose()

    engine = open_store(store_url, migrate=True)
    try:
        found = {i.number: (i.id, i.title) for i in read(engine, load_incidents)}
        assert found == {n: (f"Q{n}{v}", v) for n, v in enumerate(old_texts)}
        [stored_commit] = read(engine, load_commits)
        assert stored_commit.sha == sha_with_esc
        assert [c.path for c in stored_commit.changes] == ["docs/x.md"]
    finally:
        engine.dispose()


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_downgrade_to_0004_gives_the_raw_text_back_on_sqlite(store_url: str) -> None:
    engine = open_store(store_url, migrate=True)
    commit(engine, save_incidents, IncidentBatch(incidents=[incident(title=f"a\x00{ESC}b")]))
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0004")
        raw = connection.execute(text("SELECT title FROM incidents")).scalar_one()
    engine.dispose()
    assert raw == f"a\x00{ESC}b"
