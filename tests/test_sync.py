"""A whole sync of a generated organisation through the sandbox, the way users run it.

Each test starts from a seeded org, serves it over HTTPS and syncs the three sources
with the real clients into a SQLite file: rate limits change nothing that is stored,
an unchanged org costs little the second time, a failing source leaves the others.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from opsaudit import store
from opsaudit.sandbox.org import generate
from opsaudit.sandbox.server import Faults, Sandbox
from opsaudit.sandbox.state import GitCommit
from sync_fixtures import Setup, dump, write_config

SIZE = 60


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    org = generate(seed=11, incidents=SIZE)
    with Sandbox(org.world) as sandbox:
        config, path = write_config(org=org, sandbox=sandbox, folder=tmp_path)
        yield Setup(org=org, sandbox=sandbox, config=config, config_path=path)


def test_a_sync_stores_every_source(setup: Setup) -> None:
    report = setup.sync()
    assert report.failed == []
    engine = store.open_store(setup.config.database.url)
    with Session(engine) as session:
        incidents = store.load_incidents(session=session)
        assert len(incidents) == len(setup.org.world.pagerduty.incidents)
        rooms = store.load_channels(session=session, name_prefix="incident-")
        assert rooms, "the generated org has war rooms"
        assert store.load_incidents_posts(session=session), "and summary posts"
        assert store.load_commits(session=session)
        assert store.load_work_items(session=session)
        for name in ("pagerduty", "slack", "github"):
            state = store.load_sync_state(session=session, source=name)
            assert state is not None and state.status == "ok"
    # the client-side counts are what the sandbox received
    for name, outcome in report.outcomes.items():
        assert outcome.requests == setup.sandbox.counts[name], name


def test_every_third_request_rate_limited_stores_exactly_the_same(
    setup: Setup, tmp_path: Path
) -> None:
    clean = setup.sync()
    assert clean.failed == []
    expected = dump(store.open_store(setup.config.database.url))

    other = tmp_path / "limited"
    other.mkdir()
    config, _ = write_config(org=setup.org, sandbox=setup.sandbox, folder=other)
    limited_setup = Setup(setup.org, setup.sandbox, config, other / "opsaudit.yaml")
    setup.sandbox.reset_counts()
    setup.sandbox.faults = Faults(rate_limit_every=3, retry_after=0)
    limited = limited_setup.sync()

    assert limited.failed == []
    assert sum(o.requests for o in limited.outcomes.values()) > sum(
        o.requests for o in clean.outcomes.values()
    ), "the rate limits were really hit"
    assert dump(store.open_store(config.database.url)) == expected


def requests(sandbox: Sandbox) -> int:
    """Requests the sandbox received, all three APIs."""
    return sum(sandbox.counts[name] for name in ("pagerduty", "slack", "github"))


def test_a_second_sync_of_an_unchanged_org_costs_at_most_a_tenth(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    org = generate(seed=5, incidents=200)  # about 17 incidents a week over 12 weeks
    with Sandbox(org.world) as sandbox:
        config, path = write_config(org=org, sandbox=sandbox, folder=tmp_path)
        setup = Setup(org=org, sandbox=sandbox, config=config, config_path=path)
        first = setup.sync()
        first_requests = requests(sandbox)
        before = dump(store.open_store(config.database.url))
        sandbox.reset_counts()
        second = setup.sync()
        second_requests = requests(sandbox)
    assert first.failed == [] and second.failed == []
    with capsys.disabled():
        print(
            f"\n[incremental] first sync {first_requests} requests, second {second_requests} "
            f"({100 * second_requests / first_requests:.1f}%)"
        )
    assert second_requests * 10 <= first_requests
    assert dump(store.open_store(config.database.url)) == before


def test_a_full_sync_after_an_incremental_one_stores_the_same(setup: Setup) -> None:
    setup.sync()
    setup.sync()
    incremental = dump(store.open_store(setup.config.database.url))
    setup.sync(full=True)
    assert dump(store.open_store(setup.config.database.url)) == incremental


def test_a_failing_source_is_marked_and_the_others_carry_on(setup: Setup) -> None:
    assert setup.sync().failed == []
    engine = store.open_store(setup.config.database.url)
    before = dump(engine)
    tokens = setup.tokens
    with setup.org.world.lock:  # GitHub stops accepting the token we hold
        setup.org.world.tokens.github = "rotated-in-the-meantime"
    report = setup.sync(tokens=tokens)
    assert report.failed == ["github"]
    assert report.outcomes["pagerduty"].status == "ok"
    assert report.outcomes["slack"].status == "ok"
    assert "401" in (report.outcomes["github"].error or "")
    assert dump(engine) == before, "nothing stored was lost"
    with Session(engine) as session:
        state = store.load_sync_state(session=session, source="github")
        assert state is not None and state.status == "failed"
        assert state.cursor, "the last good cursor is kept for the next try"


def test_a_source_left_out_of_the_config_is_not_configured(setup: Setup, tmp_path: Path) -> None:
    text = setup.config_path.read_text()
    config = setup.config.model_copy(
        update={"sources": setup.config.sources.model_copy(update={"slack": None})}
    )
    assert "slack" in text
    tokens = {k: v for k, v in setup.tokens.items() if k != "slack"}
    report = Setup(setup.org, setup.sandbox, config, setup.config_path).sync(tokens=tokens)
    assert report.outcomes["slack"].status == "not_configured"
    assert report.failed == []
    assert setup.sandbox.counts["slack"] == 0


def test_an_incident_named_by_a_post_mortem_outside_the_window_is_fetched(
    setup: Setup,
) -> None:
    world = setup.org.world
    with world.lock:
        old = copy.deepcopy(world.pagerduty.incidents[0])
        old.update(id="QOLDINCIDENT01", incident_number=99, created_at="2026-01-05T10:00:00Z")
        old["resolved_at"] = old["updated_at"] = "2026-01-05T10:40:00Z"
        world.pagerduty.incidents.insert(0, old)
        repo = world.github.repos["acme/ops-docs"]
        last = repo.commits[-1]
        repo.commits.append(
            GitCommit(
                sha="f" * 40,
                committed_at=last.committed_at + timedelta(hours=1),
                message="Add an old post-mortem",
                changes={"docs/incidents/2026-01-05-old-outage.md": "---\nincident: 99\n---\n"},
            )
        )
    assert setup.sync().failed == []
    engine = store.open_store(setup.config.database.url)
    with Session(engine) as session:
        found = store.load_incidents(session=session, ids=["QOLDINCIDENT01"])
    assert [i.number for i in found] == [99]
    setup.sandbox.reset_counts()
    setup.sync()  # stored now: not looked up again
    assert setup.sandbox.counts["pagerduty GET /incidents/{id}"] == 0
