"""Two syncs of one source take turns: the second waits for the first, up to a bound."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine

from opsaudit.store import SourceBusy, source_lock


def test_a_second_sync_of_a_source_waits_for_the_first(engine: Engine) -> None:
    order: list[str] = []

    def second() -> None:
        with source_lock(engine, "pagerduty", wait=30):
            order.append("second")

    with ThreadPoolExecutor(1) as pool:
        with source_lock(engine, "pagerduty"):
            waiting = pool.submit(second)
            time.sleep(0.5)
            order.append("first")
        waiting.result(timeout=30)
    assert order == ["first", "second"]


def test_the_wait_is_bounded_and_says_which_source(engine: Engine) -> None:
    with source_lock(engine, "github"), ThreadPoolExecutor(1) as pool:
        late = pool.submit(lambda: source_lock(engine, "github", wait=0.3).__enter__())
        with pytest.raises(SourceBusy, match="another sync of github is still running"):
            late.result(timeout=30)


def test_other_sources_do_not_wait(engine: Engine) -> None:
    with source_lock(engine, "github"), source_lock(engine, "slack", wait=0):
        pass


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_stores_in_other_schemas_do_not_wait(engine: Engine, pg_admin: Engine) -> None:
    # pg_admin's schema is the server's default one, the store's is a schema of its own
    with source_lock(engine, "github"), source_lock(pg_admin, "github", wait=0):
        pass
