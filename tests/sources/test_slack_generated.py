"""The Slack source on the sandbox's generated organisation: a realistic workspace."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_fixtures import by_channel

from opsaudit.records import ChatBatch
from opsaudit.sandbox.org import GeneratedOrg, generate
from opsaudit.sandbox.server import Faults, Sandbox
from opsaudit.sources.base import Cursor, Endpoint, RequestCounter, RetryPolicy, utc
from opsaudit.sources.slack import WarRoomScope, fetch_slack, ts_datetime


@pytest.fixture(scope="module")
def org() -> GeneratedOrg:
    return generate(seed=11, incidents=60, weeks=12)


@pytest.fixture
def sb(org: GeneratedOrg) -> Iterator[Sandbox]:
    with Sandbox(org.world, faults=Faults(rate_limit_every=7, retry_after=0)) as sandbox:
        yield sandbox


def sync(
    org: GeneratedOrg, sb: Sandbox, counter: RequestCounter, cursor: Cursor | None = None
) -> tuple[ChatBatch, Cursor]:
    incidents = org.world.pagerduty.incidents
    keys = {str(i["incident_number"]): utc(i.get("resolved_at")) for i in incidents}
    return fetch_slack(
        endpoint=Endpoint(api_url=sb.slack_url, token=org.world.tokens.slack, ca_file=sb.ca_file),
        incidents_channel="incidents",
        war_rooms=WarRoomScope(keys=keys),
        cursor=cursor,
        now=org.as_of,
        since=org.window[0],
        counter=counter,
        retry=RetryPolicy(attempts=4, backoff=0.0),
        page_size=10,
    )


def test_generated_workspace_full_sync_then_unchanged_sync(org: GeneratedOrg, sb: Sandbox) -> None:
    counter = RequestCounter()
    slack = org.world.slack
    # the bot reads the rooms it is in and the public ones it can join (not archived)
    readable = {
        c["id"]
        for c in slack.channels
        if c["is_member"] or not (c["is_private"] or c["is_archived"])
    }
    batch, cursor = sync(org, sb, counter)
    numbers = {str(i["incident_number"]) for i in org.world.pagerduty.incidents}
    rooms = {f"incident-{n}" for n in numbers}
    wanted = {c["id"] for c in slack.channels if c["name"] in rooms and c["id"] in readable}
    assert len(wanted) < len([c for c in slack.channels if c["name"] in rooms])
    wanted.add(next(c["id"] for c in slack.channels if c["name"] == "incidents"))
    expected = {
        cid: {m["ts"] for m in slack.messages[cid] if ts_datetime(m["ts"]) >= org.window[0]}
        for cid in wanted
    }
    assert by_channel(batch) == {cid: ts for cid, ts in expected.items() if ts}
    assert any(c.is_archived for c in batch.channels if c.name in rooms)
    assert batch.incidents_posts
    assert counter.count == sb.counts["slack"]  # rate-limited retries included

    again, _ = sync(org, sb, counter, cursor)
    assert (again.messages, again.incidents_posts) == ([], [])
