"""Hostile servers: endless pagination, a trickle, a 429 storm. Each ends with its source
failed, saying why, within its deadline; the other sources sync as usual. Everything runs
through the real clients against the sandbox's fault modes, with short timeouts."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from opsaudit.config import load_config
from opsaudit.demo import sandbox_config
from opsaudit.runtime import open_runtime
from opsaudit.sandbox.org import GeneratedOrg, generate
from opsaudit.sandbox.server import Faults, Sandbox
from opsaudit.sources.base import RetryPolicy, Window
from opsaudit.sync import SyncReport

FAST = RetryPolicy(attempts=6, backoff=0.01, max_wait=1.0)
TIMEOUT = 3  # seconds: each source's deadline here


@pytest.fixture(scope="module")
def org() -> GeneratedOrg:
    return generate(seed=5, incidents=12)


@pytest.fixture
def sandbox(org: GeneratedOrg) -> Iterator[Sandbox]:
    with Sandbox(org.world) as sb:
        yield sb


def sync(
    org: GeneratedOrg, sandbox: Sandbox, folder: Path, *, retry: RetryPolicy = FAST
) -> tuple[SyncReport, list[str], float]:
    mapping = sandbox_config(
        org=org, sandbox=sandbox, database_url=f"sqlite:///{folder / 'store.db'}"
    )
    for section in mapping["sources"].values():
        section["timeout"] = f"{TIMEOUT}s"
    path = folder / "opsaudit.yaml"
    path.write_text(yaml.safe_dump(mapping, sort_keys=False), encoding="utf-8")
    tokens = vars(org.world.tokens)
    said: list[str] = []
    started = time.monotonic()
    with open_runtime(load_config(path)) as runtime:
        report = runtime.sync(
            tokens={name: tokens[name] for name in ("pagerduty", "slack", "github")},
            window=Window(since=org.window[0], until=org.window[1]),
            now=org.as_of,
            retry=retry,
            progress=said.append,
        )
    return report, said, time.monotonic() - started


def only_failed(report: SyncReport, name: str) -> str:
    assert report.failed == [name], report.summary_lines()
    error = report.outcomes[name].error
    assert error is not None
    return error


@pytest.mark.parametrize(
    ("api", "message"),
    [
        ("slack", "slack: conversations.list: the server repeated a cursor"),
        ("pagerduty", "pagerduty: GET /services: the server said more but sent an empty page"),
        ("github", "github: list commits of docs/incidents: the server repeated a page"),
    ],
)
def test_endless_pagination_fails_its_source_alone(
    org: GeneratedOrg, sandbox: Sandbox, tmp_path: Path, api: str, message: str
) -> None:
    sandbox.faults = Faults(endless_pages=True, apis=(api,))
    report, _, took = sync(org, sandbox, tmp_path)
    assert only_failed(report, api).startswith(message)
    assert took < TIMEOUT * 3  # found by the guard, not by the deadline
    assert sandbox.counts[api] < 50


def test_github_empty_pages_that_link_a_next_one_fail_github_alone(
    org: GeneratedOrg, sandbox: Sandbox, tmp_path: Path
) -> None:
    sandbox.faults = Faults(endless_pages="empty", apis=("github",))
    report, _, took = sync(org, sandbox, tmp_path)
    error = only_failed(report, "github")
    assert error.startswith("github: GET /github/repos/"), error
    assert error.endswith(": an empty page that links a next one"), error
    assert took < TIMEOUT * 3  # found by the guard, not by the deadline
    assert sandbox.counts["github"] < 50


@pytest.mark.parametrize("api", ["slack", "github", "pagerduty"])
def test_a_trickling_server_ends_at_the_deadline(
    org: GeneratedOrg, sandbox: Sandbox, tmp_path: Path, api: str
) -> None:
    sandbox.faults = Faults(trickle=0.5, apis=(api,))
    report, _, took = sync(org, sandbox, tmp_path)
    error = only_failed(report, api)
    assert (
        error == f"{api}: gave up after the source's timeout of {TIMEOUT}s (sources.{api}.timeout)"
    )
    assert took < TIMEOUT + 10  # the others take a few seconds of their own


def test_a_429_storm_ends_at_the_deadline_with_each_wait_reported(
    org: GeneratedOrg, sandbox: Sandbox, tmp_path: Path
) -> None:
    sandbox.faults = Faults(rate_limit_every=1, retry_after=3600, apis=("pagerduty",))
    report, said, took = sync(org, sandbox, tmp_path)
    error = only_failed(report, "pagerduty")
    assert error.startswith("pagerduty: rate limited: waiting 1 s (ratelimit-reset) would pass")
    assert error.endswith(f"the source's timeout of {TIMEOUT}s (sources.pagerduty.timeout)")
    waits = [line for line in said if line.startswith("pagerduty: rate limited, waiting")]
    assert waits and all(
        w == "pagerduty: rate limited, waiting 1 s (ratelimit-reset)" for w in waits
    )
    assert len(waits) <= TIMEOUT
    assert took < TIMEOUT + 10
