"""The Slack source against the sandbox's Slack Web API, over HTTPS, with slack_sdk."""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime, timedelta

import pytest
from slack_fixtures import (
    FAST,
    NOW,
    PAGE,
    SCOPE,
    SENTINEL,
    SINCE,
    Org,
    by_channel,
    endpoint,
    free_port,
    sync,
)

from opsaudit.sandbox.server import Faults, Sandbox
from opsaudit.sources.base import Endpoint, RequestCounter, RetryPolicy, SourceError
from opsaudit.sources.slack import fetch_slack

# ---------------------------------------------------------------------------- full sync


def test_full_sync_lists_every_channel_over_pages(org: Org, sb: Sandbox) -> None:
    batch, _ = sync(sb)
    assert {c.id for c in batch.channels} == set(org.ids.values())
    assert sb.counts["slack conversations.list"] == math.ceil(len(org.ids) / PAGE)
    private = next(c for c in batch.channels if c.name == "incident-34")
    archived = next(c for c in batch.channels if c.name == "incident-12")
    assert (private.is_private, private.is_archived) == (True, False)
    assert (archived.is_private, archived.is_archived) == (False, True)
    assert private.created == NOW - timedelta(days=2)


def test_full_sync_reads_war_rooms_and_incidents_but_not_the_decoy(org: Org, sb: Sandbox) -> None:
    found = by_channel(sync(sb)[0])
    expected = {org.ids[n]: org.ts_in(n) for n in ("incident-12", "incident-34", "incident-56")}
    expected[org.ids["incidents"]] = org.ts_in("incidents")
    assert found == expected
    assert org.ids["incident-12-retro"] not in found
    assert sb.counts["slack conversations.history"] > 4  # several pages per channel


def test_war_room_text_never_leaves_the_source(
    org: Org, sb: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    batch, cursor = sync(sb)
    assert batch.messages
    assert SENTINEL not in repr(batch)
    assert SENTINEL not in repr(cursor)
    assert SENTINEL not in caplog.text


def test_messages_keep_kind_author_and_exact_time(org: Org, sb: Sandbox) -> None:
    batch, _ = sync(sb)
    room = [m for m in batch.messages if m.channel_id == org.ids["incident-34"]]
    join = next(m for m in room if m.subtype == "channel_join")
    bot = next(m for m in room if m.bot_id)
    replies = [m for m in room if m.thread_ts and m.thread_ts != m.ts]
    assert join.user == "U00000002"
    assert (bot.bot_id, bot.bot_name, bot.user) == ("B00000PD", "PagerDuty", None)
    assert len(replies) == 4
    seconds, micros = join.ts.split(".")
    assert join.posted_at.microsecond == int(micros) > 0
    assert join.posted_at == datetime.fromtimestamp(int(seconds), UTC).replace(
        microsecond=int(micros)
    )


def test_summary_posts_with_text_and_permalinks(org: Org, sb: Sandbox) -> None:
    batch, _ = sync(sb)
    posts = {p.ts: p for p in batch.incidents_posts}
    assert sorted(posts) == sorted(org.summaries)
    top = posts[org.young_thread]
    inc = org.ids["incidents"]
    assert top.text.startswith("**Incident summary**")
    assert top.permalink == (f"https://sandbox.slack.com/archives/{inc}/p{top.ts.replace('.', '')}")
    reply = posts[org.summaries[2]]
    assert reply.thread_ts == org.young_thread
    assert reply.permalink.endswith(f"?thread_ts={org.young_thread}&cid={inc}")


# ------------------------------------------------------------------------------- errors


def test_bad_token_is_a_source_error_without_the_token(
    sb: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "xoxb-not-the-right-one-0123456789"
    with pytest.raises(SourceError) as caught:
        fetch_slack(
            endpoint=endpoint(sb, secret),
            incidents_channel="incidents",
            war_rooms=SCOPE,
            cursor=None,
            now=NOW,
            since=SINCE,
        )
    assert caught.value.source == "slack"
    assert "conversations.list" in str(caught.value)
    assert "invalid_auth" in str(caught.value)
    assert secret not in str(caught.value)
    assert secret not in caplog.text


def test_rate_limits_are_waited_out_and_give_the_same_batch(org: Org, sb: Sandbox) -> None:
    clean, _ = sync(sb)
    sb.reset_counts()
    sb.faults = Faults(rate_limit_every=3, retry_after=0)
    counter = RequestCounter()
    limited, _ = sync(sb, counter=counter)
    assert limited == clean
    assert counter.count == sb.counts["slack"]  # retries counted too


def test_rate_limits_are_retried_a_bounded_number_of_times(sb: Sandbox) -> None:
    sb.faults = Faults(rate_limit_every=1, retry_after=0)
    counter = RequestCounter()
    with pytest.raises(SourceError, match=r"conversations\.list.*rate limited"):
        sync(sb, counter=counter, retry=RetryPolicy(attempts=3))
    assert sb.counts["slack"] == 3 == counter.count


def test_server_errors_are_retried(org: Org, sb: Sandbox) -> None:
    clean, _ = sync(sb)
    sb.reset_counts()
    sb.faults = Faults(error_rate=0.3, seed=7)
    counter = RequestCounter()
    flaky, _ = sync(sb, counter=counter, retry=RetryPolicy(attempts=10, backoff=0.0))
    assert flaky == clean
    assert counter.count == sb.counts["slack"]


def test_server_errors_are_retried_a_bounded_number_of_times(sb: Sandbox) -> None:
    sb.faults = Faults(error_rate=1.0)
    counter = RequestCounter()
    with pytest.raises(SourceError, match=r"conversations\.list.*HTTP 50[023]"):
        sync(sb, counter=counter, retry=RetryPolicy(attempts=3, backoff=0.0))
    assert sb.counts["slack"] == 3 == counter.count


def test_connection_errors_are_retried_then_reported() -> None:
    counter = RequestCounter()
    dead = Endpoint(api_url=f"https://127.0.0.1:{free_port()}/api/", token="xoxb-t")
    with pytest.raises(SourceError, match=r"conversations\.list"):
        fetch_slack(
            endpoint=dead,
            incidents_channel="incidents",
            war_rooms=SCOPE,
            cursor=None,
            now=NOW,
            since=SINCE,
            counter=counter,
            retry=FAST,
        )
    assert counter.count == FAST.attempts


def test_an_untrusted_certificate_fails_at_once(sb: Sandbox) -> None:
    counter = RequestCounter()
    untrusted = Endpoint(api_url=sb.slack_url, token=sb.world.tokens.slack)  # system roots
    with pytest.raises(SourceError, match=r"^slack: TLS certificate of .* not trusted by the sys"):
        fetch_slack(
            endpoint=untrusted,
            incidents_channel="incidents",
            war_rooms=SCOPE,
            cursor=None,
            now=NOW,
            since=SINCE,
            counter=counter,
            retry=FAST,
        )
    assert counter.count == 1


def test_a_missing_incidents_channel_is_a_source_error(sb: Sandbox) -> None:
    with pytest.raises(SourceError, match="#war-news"):
        fetch_slack(
            endpoint=endpoint(sb),
            incidents_channel="#war-news",
            war_rooms=SCOPE,
            cursor=None,
            now=NOW,
            since=SINCE,
            retry=FAST,
        )
