"""The sandbox server itself: TLS, counting, injected faults, quietness, threads."""

from __future__ import annotations

import logging
import ssl
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from github import GithubException

from opsaudit.sandbox.server import Faults, Sandbox
from opsaudit.sandbox.state import World

REPO = "acme/postmortems"


def _statuses(kit: Any, n: int) -> list[int]:
    client = kit.github()
    out = []
    for _ in range(n):
        try:
            client.get_repo(REPO)
            out.append(200)
        except GithubException as exc:
            out.append(exc.status)
    return out


def test_urls_and_ca_file_live_only_while_started(world: World) -> None:
    sandbox = Sandbox(world)
    with pytest.raises(RuntimeError):
        _ = sandbox.ca_file
    with sandbox as sb:
        ca_file = sb.ca_file
        assert ca_file.read_text().startswith("-----BEGIN CERTIFICATE-----")
        assert sb.slack_url.endswith("/slack/api/")
        assert sb.pagerduty_url.startswith("https://127.0.0.1:")
    assert not ca_file.exists()


def test_clients_that_do_not_trust_the_ca_are_refused(sandbox: Sandbox) -> None:
    untrusting = ssl.create_default_context()  # the system roots only
    with pytest.raises(urllib.error.URLError) as raised:
        urllib.request.urlopen(f"{sandbox.github_url}/rate_limit", context=untrusting)
    assert isinstance(raised.value.reason, ssl.SSLCertVerificationError)


def test_counts_every_request_per_api_and_endpoint(sandbox: Sandbox, kit: Any) -> None:
    kit.slack().auth_test()
    kit.pd().list_all("priorities")
    sandbox.faults.rate_limit_every = 1
    with pytest.raises(GithubException):
        kit.github().get_repo(REPO)
    assert sandbox.counts == {
        "slack": 1,
        "slack auth.test": 1,
        "pagerduty": 1,
        "pagerduty GET /priorities": 1,
        "github": 1,
        "github GET /repos/{owner}/{repo}": 1,
    }
    sandbox.reset_counts()
    assert sum(sandbox.counts.values()) == 0


def test_rate_limit_every_nth_request_per_api(sandbox: Sandbox, kit: Any) -> None:
    sandbox.faults.rate_limit_every = 3
    assert _statuses(kit, 7) == [200, 200, 429, 200, 200, 429, 200]


def test_error_rate_is_seeded(world: World, kit_for: Any) -> None:
    runs = []
    for _ in range(2):
        with Sandbox(world, faults=Faults(error_rate=0.5, seed=7)) as sb:
            runs.append(_statuses(kit_for(sb), 20))
    assert runs[0] == runs[1]
    assert set(runs[0]) - {200} <= {500, 502, 503}
    assert 0 < runs[0].count(200) < 20


def test_error_rate_one_fails_everything(sandbox: Sandbox, kit: Any) -> None:
    sandbox.faults.error_rate = 1.0
    statuses = _statuses(kit, 5)
    assert set(statuses) <= {500, 502, 503}
    assert sandbox.counts["github"] == 5


def test_delay(sandbox: Sandbox, kit: Any) -> None:
    client = kit.slack()
    client.auth_test()  # the first call also pays for the TLS handshake
    sandbox.faults.delay = 0.3
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started >= 0.3


def test_quiet_and_never_logs_tokens(
    sandbox: Sandbox, kit: Any, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    kit.slack().auth_test()
    kit.pd().list_all("teams")
    kit.github().get_repo(REPO)
    tokens = vars(sandbox.world.tokens).values()
    server_records = [r for r in caplog.records if r.name.startswith("opsaudit")]
    assert not server_records
    out, err = capfd.readouterr()
    assert not any(token in out + err + caplog.text for token in tokens)
    assert "GET /" not in err  # no request lines on stderr


def test_serves_concurrent_clients(sandbox: Sandbox, kit: Any) -> None:
    def fetch(n: int) -> int:
        return len(kit.pd().list_all("incidents", params={"date_range": "all"}))

    with ThreadPoolExecutor(max_workers=8) as pool:
        sizes = list(pool.map(fetch, range(16)))
    assert sizes == [30] * 16
    assert sandbox.counts["pagerduty GET /incidents"] == 16


def test_endless_pages_slack_repeats_its_cursor(sandbox: Sandbox, kit: Any) -> None:
    sandbox.faults = Faults(endless_pages=True, apis=("slack",))
    client = kit.slack()
    first = client.conversations_list(limit=2)
    cursor = first["response_metadata"]["next_cursor"]
    again = client.conversations_list(limit=2, cursor=cursor)
    assert cursor and again["response_metadata"]["next_cursor"] == cursor
    assert again["channels"] == first["channels"]


def test_endless_pages_pagerduty_says_more_with_an_empty_page(sandbox: Sandbox, kit: Any) -> None:
    sandbox.faults = Faults(endless_pages=True, apis=("pagerduty",))
    body = kit.pd().get("/services", params={"limit": 10, "offset": 0}).json()
    assert body["services"] == [] and body["more"] is True


def test_endless_pages_github_links_next_back_to_the_page(sandbox: Sandbox, kit: Any) -> None:
    sandbox.faults = Faults(endless_pages=True, apis=("github",))
    commits = kit.github().get_repo(REPO).get_commits()
    listed = [c.sha for _, c in zip(range(90), commits, strict=False)]
    assert len(listed) == 90  # an endless list: the first page again and again
    assert len(set(listed)) < 90


def test_trickle_sends_the_body_a_byte_at_a_time(sandbox: Sandbox, kit: Any) -> None:
    client = kit.slack()
    client.auth_test()
    sandbox.faults = Faults(trickle=0.01, apis=("slack",))
    started = time.monotonic()
    answer = client.auth_test()
    assert answer["ok"] is True
    assert time.monotonic() - started >= 0.01 * 50  # auth.test's body is longer than that


def test_faults_can_spare_some_apis(sandbox: Sandbox, kit: Any) -> None:
    sandbox.faults = Faults(rate_limit_every=1, apis=("slack", "pagerduty"))
    assert _statuses(kit, 3) == [200, 200, 200]  # GitHub is spared
