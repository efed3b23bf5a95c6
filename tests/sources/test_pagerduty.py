"""The PagerDuty source against the sandbox over HTTPS, with the real ``pagerduty`` client."""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta

import pytest
from pd_fixtures import (
    FAST,
    NOW,
    SINCE,
    UNTIL,
    WINDOW,
    PagerDutyWorldBuilder,
    endpoint,
    serve,
    small_world,
)

from netutil import DroppingProxy, free_port
from opsaudit.records import MERGED, ResponderRequest
from opsaudit.sandbox.server import Faults, Sandbox
from opsaudit.sources.base import Endpoint, RequestCounter, RetryPolicy, SourceError, Window
from opsaudit.sources.pagerduty import fetch_pagerduty
from opsaudit.sources.pagerduty_client import AuditClient
from opsaudit.sources.pagerduty_records import actor_kind, event_kind, resolve_reason

DAY = timedelta(days=1)


def fetch(sb: Sandbox, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("window", WINDOW)
    kw.setdefault("cursor", None)
    kw.setdefault("now", NOW)
    kw.setdefault("retry", FAST)
    return fetch_pagerduty(endpoint=endpoint(sb), **kw)


def incident_ids(batch) -> set[str]:  # type: ignore[no-untyped-def]
    return {i.id for i in batch.incidents}


def entry_ids(world_entries, incidents) -> set[str]:  # type: ignore[no-untyped-def]
    return {e["id"] for e in world_entries if e["incident"]["id"] in incidents}


# ------------------------------------------------------------------------ full sync


def test_every_list_is_read_through_several_pages() -> None:
    b, ids = small_world(20)
    with serve(b) as sb:
        counter = RequestCounter()
        batch, _ = fetch(sb, page_size=3, counter=counter)
        counts = dict(sb.counts)
    assert [s.id for s in batch.services] == [s["id"] for s in b.pd.services]
    assert [u.email for u in batch.users] == [u["email"] for u in b.pd.users]
    assert [(p.name, p.order) for p in batch.priorities] == [
        ("P1", 0),
        ("P2", 1),
        ("P3", 2),
        ("P4", 3),
    ]
    assert incident_ids(batch) == set(ids)
    assert {e.id for e in batch.log_events} == entry_ids(b.pd.log_entries, ids)
    assert counts["pagerduty GET /services"] == 2  # 4 services, 3 a page
    assert counts["pagerduty GET /users"] == 2
    assert counts["pagerduty GET /incidents"] == 7  # 20 incidents
    assert counts["pagerduty GET /log_entries"] == 27  # 80 entries, in bulk
    assert "pagerduty GET /incidents/{id}/log_entries" not in counts
    assert counter.count == counts["pagerduty"]


def test_records_carry_what_the_checks_read() -> None:
    b, ids = small_world(1)
    with serve(b) as sb:
        batch, _ = fetch(sb)
    (incident,) = batch.incidents
    raw = b.get(ids[0])
    assert incident.number == raw["incident_number"]
    assert incident.priority_name == "P1"
    assert incident.priority_id == b.pd.priorities[0]["id"]
    assert incident.status == "acknowledged"
    assert incident.assignee_ids == (b.pd.users[0]["id"],)
    assert incident.service_id == b.pd.services[0]["id"]
    by_kind = {e.kind: e for e in batch.log_events}
    assert by_kind["triggered"].actor_kind == "service"
    assert by_kind["assigned"].user_ids == (b.pd.users[0]["id"],)
    assert by_kind["notified"].user_ids == (b.pd.users[0]["id"],)
    assert by_kind["notified"].channel == "sms"
    assert by_kind["acknowledged"].actor_kind == "person"
    assert by_kind["acknowledged"].actor_id == b.pd.users[0]["id"]


def test_delegate_and_escalate_entries_name_users_and_policy() -> None:
    b, ids = small_world(1)
    second, policy = b.user("Second"), b.escalation_policy("Platform")
    at = SINCE + timedelta(hours=2)
    b.entry(ids[0], "escalate_log_entry", at, assignees=[second])
    b.entry(ids[0], "delegate_log_entry", at, assignees=[second], escalation_policy=policy)
    with serve(b) as sb:
        batch, _ = fetch(sb)
    by_kind = {e.kind: e for e in batch.log_events}
    assert by_kind["escalated"].user_ids == (second,)
    assert by_kind["escalated"].escalation_policy_id is None
    assert by_kind["delegated"].escalation_policy_id == policy


def test_window_is_half_open_on_trigger_time() -> None:
    b = PagerDutyWorldBuilder()
    svc = b.service("Checkout")
    before = b.incident(created=SINCE - timedelta(seconds=1), service=svc)
    first = b.incident(created=SINCE, service=svc)
    last = b.incident(created=UNTIL - timedelta(seconds=1), service=svc)
    after = b.incident(created=UNTIL, service=svc)
    with serve(b) as sb:
        batch, _ = fetch(sb)
    assert incident_ids(batch) == {first, last}
    assert {e.incident_id for e in batch.log_events} == {first, last}
    assert before not in {e.incident_id for e in batch.log_events}
    assert after not in {e.incident_id for e in batch.log_events}


def test_entries_after_the_window_end_are_kept_and_resolution_read() -> None:
    b = PagerDutyWorldBuilder()
    svc = b.service("Checkout")
    late = b.incident(created=UNTIL - timedelta(hours=1), service=svc)
    resolve = b.resolve(late, UNTIL + timedelta(days=2), api_time=False)
    after_now = b.entry(late, "annotate_log_entry", NOW + timedelta(hours=1))
    with serve(b) as sb:
        batch, _ = fetch(sb)
    assert resolve in {e.id for e in batch.log_events}
    assert after_now not in {e.id for e in batch.log_events}
    (incident,) = batch.incidents
    assert incident.resolved_at == UNTIL + timedelta(days=2)  # from the resolve entry


def test_merged_incident_names_the_survivor() -> None:
    b, ids = small_world(2)
    b.resolve(ids[0], SINCE + timedelta(hours=3), merged_into=ids[1])
    with serve(b) as sb:
        batch, _ = fetch(sb)
    merged = next(i for i in batch.incidents if i.id == ids[0])
    assert merged.resolve_reason == MERGED
    assert merged.merged_into_id == ids[1]
    assert merged.resolved_at == SINCE + timedelta(hours=3)
    assert next(i for i in batch.incidents if i.id == ids[1]).merged_into_id is None


def test_responder_requests() -> None:
    b, ids = small_world(1)
    users = [u["id"] for u in b.pd.users]
    policy = b.escalation_policy("Leadership")
    at = SINCE + timedelta(hours=1, minutes=10)
    b.request_responders(ids[0], at, requester=users[0], users=users[1:3], policies=[policy])
    with serve(b) as sb:
        batch, _ = fetch(sb)
    assert batch.incidents[0].responder_requests == (
        ResponderRequest(
            requested_at=at,
            requester_id=users[0],
            user_ids=tuple(users[1:3]),
            escalation_policy_ids=(policy,),
        ),
    )


# ----------------------------------------------------------------------- extra incidents


def test_extra_incidents_by_id_and_number_and_missing() -> None:
    b, ids = small_world(2)
    svc = b.pd.services[0]["id"]
    old = b.incident(created=SINCE - 40 * DAY, service=svc)
    older = b.incident(created=SINCE - 90 * DAY, service=svc)
    b.acknowledge(older, SINCE - 89 * DAY, b.pd.users[0]["id"])
    number = str(b.get(older)["incident_number"])
    with serve(b) as sb:
        batch, cursor = fetch(sb, extra_incidents=[old, number, "QMISSING", "9999"])
        counts = dict(sb.counts)
    assert incident_ids(batch) == {*ids, old, older}
    assert {e.id for e in batch.log_events} == entry_ids(b.pd.log_entries, {*ids, old, older})
    assert counts["pagerduty GET /incidents/{id}"] == 4
    assert counts["pagerduty GET /incidents/{id}/log_entries"] == 2
    assert cursor["extra"] == {old: old, number: older, "QMISSING": None, "9999": None}


# ------------------------------------------------------------------------- 10,000 cap


def test_a_range_over_the_cap_is_halved_until_it_fits() -> None:
    b, ids = small_world(60)  # 60 incidents, 240 log entries
    with serve(b) as sb:
        batch, _ = fetch(sb, cap=50, page_size=25)
        counts = dict(sb.counts)
    assert incident_ids(batch) == set(ids)
    assert {e.id for e in batch.log_events} == entry_ids(b.pd.log_entries, ids)
    # unsplit, 3 and 10 pages would do; the halving costs more
    assert counts["pagerduty GET /incidents"] > 3
    assert counts["pagerduty GET /log_entries"] > 10


def test_more_than_the_cap_within_one_second_fails_loudly() -> None:
    b = PagerDutyWorldBuilder()
    svc = b.service("Checkout")
    for _ in range(6):
        b.incident(created=SINCE + DAY, service=svc)
    with serve(b) as sb, pytest.raises(SourceError, match="within one second"):
        fetch(sb, cap=5)


def test_real_cap_is_never_hit() -> None:
    b = PagerDutyWorldBuilder()
    svc = b.service("Checkout")
    for k in range(10_050):
        b.incident(created=SINCE + timedelta(minutes=4 * k), service=svc, log=False)
    with serve(b) as sb:
        batch, _ = fetch(sb)
    # no 400 for offset 10,000 was answered (it would have raised) and nothing is lost
    assert len(batch.incidents) == 10_050


def test_a_window_longer_than_six_months_is_cut_into_ranges_the_api_accepts() -> None:
    b = PagerDutyWorldBuilder()
    svc, user = b.service("Checkout"), b.user("Jane Doe")
    start = NOW - timedelta(days=270)  # 9 months back
    created = [start + timedelta(days=9 * k, hours=1) for k in range(30)]
    ids = [b.incident(created=c, service=svc, assignees=[user]) for c in created]
    with serve(b) as sb:
        # the sandbox answers 400 to a query over 6 months: this would fail the source
        batch, _ = fetch(sb, window=Window(since=start, until=NOW))
        counts = dict(sb.counts)
    assert incident_ids(batch) == set(ids)
    assert {e.id for e in batch.log_events} == entry_ids(b.pd.log_entries, ids)
    assert counts["pagerduty GET /incidents"] == 2  # 180 days, then the 90 left
    assert counts["pagerduty GET /log_entries"] == 2


def test_total_null_is_never_silent_truncation_the_range_is_halved() -> None:
    b, ids = small_world(60)
    b.pd.total_null = True  # the API leaves total null even when asked
    with serve(b) as sb:
        batch, _ = fetch(sb, cap=50, page_size=25)
        counts = dict(sb.counts)
    assert incident_ids(batch) == set(ids)
    assert len(batch.incidents) == 60  # no incident twice
    assert {e.id for e in batch.log_events} == entry_ids(b.pd.log_entries, ids)
    assert len(batch.log_events) == 240
    assert counts["pagerduty GET /incidents"] > 3  # 60 incidents held more than 50: split


def test_a_list_without_a_range_that_reaches_the_offset_cap_fails_the_source() -> None:
    b = PagerDutyWorldBuilder()
    for k in range(10_001):
        b.pd.users.append({"id": f"PU{k:06d}", "type": "user", "name": f"U{k}", "email": ""})
    with serve(b) as sb, pytest.raises(SourceError) as info:
        fetch(sb)
    assert str(info.value) == (
        "pagerduty: GET /users: more than 10,000 results and no time range to split them "
        "by; classic pagination cannot reach them"
    )


# --------------------------------------------------------------------- errors, retries


def test_network_errors_are_retried_with_a_growing_wait() -> None:
    b, ids = small_world(3)
    with serve(b) as sb, DroppingProxy(sb.port, drop=3) as proxy:
        url = sb.pagerduty_url.replace(f":{sb.port}/", f":{proxy.port}/")
        dropped = Endpoint(api_url=url, token=sb.world.tokens.pagerduty, ca_file=sb.ca_file)
        started = time.monotonic()
        batch, _ = fetch_pagerduty(
            endpoint=dropped,
            window=WINDOW,
            cursor=None,
            now=NOW,
            retry=RetryPolicy(attempts=5, backoff=0.1, max_wait=1),
        )
        elapsed = time.monotonic() - started
    assert incident_ids(batch) == set(ids)
    assert proxy.accepted >= 4  # three hung up on, then one that carried the sync
    assert elapsed >= 0.1 + 0.2 + 0.4  # backoff 0.1 s, doubling: not three at once


def test_a_network_that_stays_down_fails_after_bounded_attempts() -> None:
    b, _ = small_world(1)
    with serve(b) as sb, DroppingProxy(sb.port, drop=100) as proxy:
        url = sb.pagerduty_url.replace(f":{sb.port}/", f":{proxy.port}/")
        dropped = Endpoint(api_url=url, token=sb.world.tokens.pagerduty, ca_file=sb.ca_file)
        with pytest.raises(SourceError, match="the API could not be reached"):
            fetch_pagerduty(endpoint=dropped, window=WINDOW, cursor=None, now=NOW, retry=FAST)
    assert proxy.accepted == FAST.attempts


def test_a_refused_token_fails_without_leaking_it(caplog: pytest.LogCaptureFixture) -> None:
    b, _ = small_world(1)
    secret = "u+Zq9sEcret-Token-4711"
    caplog.set_level(logging.DEBUG)
    with serve(b) as sb, pytest.raises(SourceError) as info:
        url = sb.pagerduty_url
        fetch_pagerduty(endpoint=endpoint(sb, secret), window=WINDOW, cursor=None, now=NOW)
    assert f"GET {url}/services: HTTP 401" in str(info.value)
    for text in (str(info.value), repr(info.value), caplog.text):
        assert secret not in text
        assert secret[-4:] not in text  # not even the client's truncated form
    assert info.value.__cause__ is None and info.value.__context__ is None


def test_the_client_logger_blanks_the_token(caplog: pytest.LogCaptureFixture) -> None:
    secret = "u+Zq9sEcret-Token-4711"
    client = AuditClient(
        endpoint=Endpoint(api_url="https://pd.invalid", token=secret),
        retry=FAST,
        counter=RequestCounter(),
        page_size=10,
    )
    with caplog.at_level(logging.DEBUG), client:
        client.log.warning("key %s in a message", secret)
    assert "key [token] in a message" in caplog.text
    assert secret not in caplog.text


def test_an_untrusted_certificate_is_an_error_not_a_downgrade() -> None:
    b, _ = small_world(1)
    with serve(b) as sb, pytest.raises(SourceError) as info:
        untrusted = Endpoint(api_url=sb.pagerduty_url, token=sb.world.tokens.pagerduty)
        fetch_pagerduty(endpoint=untrusted, window=WINDOW, cursor=None, now=NOW)
    assert str(info.value) == (
        f"pagerduty: TLS certificate of {untrusted.api_url.split('/')[2]} not trusted by "
        "the system's CA certificates"
    )
    assert sum(sb.counts.values()) == 0  # the handshake failed: nothing was answered


def test_a_dead_address_is_a_source_error() -> None:
    dead = Endpoint(api_url=f"https://127.0.0.1:{free_port()}/pagerduty", token="t0ken-xyz")
    with pytest.raises(SourceError, match=r"127\.0\.0\.1:\d+/pagerduty: the API could not"):
        fetch_pagerduty(endpoint=dead, window=WINDOW, cursor=None, now=NOW, retry=FAST)


def test_rate_limited_every_third_request_gives_the_same_batch() -> None:
    b, _ = small_world(12)
    with serve(b) as sb:
        clean, _ = fetch(sb, page_size=4)
        sb.faults = Faults(rate_limit_every=3, retry_after=0)
        sb.reset_counts()
        counter = RequestCounter()
        limited, _ = fetch(sb, page_size=4, counter=counter)
        total = sb.counts["pagerduty"]
    assert limited == clean
    assert counter.count == total  # the 429s are counted too


def test_rate_limit_waits_what_ratelimit_reset_asks() -> None:
    b = PagerDutyWorldBuilder()  # empty: 5 requests, the 5th is answered 429 once
    with serve(b, Faults(rate_limit_every=5, retry_after=1)) as sb:
        started = time.monotonic()
        fetch(sb, retry=RetryPolicy(attempts=3, backoff=0.001, max_wait=5))
        elapsed = time.monotonic() - started
        assert sb.counts["pagerduty"] == 6
    assert elapsed >= 1.0  # the backoff alone would be a millisecond


def test_server_errors_are_retried() -> None:
    b, _ = small_world(12)
    with serve(b) as sb:
        clean, _ = fetch(sb, page_size=4)
        sb.faults = Faults(error_rate=0.3, seed=7)
        sb.reset_counts()
        flaky, _ = fetch(sb, page_size=4, retry=RetryPolicy(attempts=8, backoff=0.001))
        requests = sb.counts["pagerduty"]
        sb.reset_counts()
        sb.faults = Faults()
        fetch(sb, page_size=4)
        needed = sb.counts["pagerduty"]
    assert flaky == clean
    assert requests > needed


def test_a_permanent_server_error_fails_after_bounded_attempts() -> None:
    b, _ = small_world(1)
    with serve(b, Faults(error_rate=1.0)) as sb:
        with pytest.raises(SourceError, match=r"GET .*/pagerduty/services: HTTP 50\d"):
            fetch(sb, retry=RetryPolicy(attempts=3, backoff=0.001))
        assert sb.counts["pagerduty"] == 3


# ------------------------------------------------------------------------- incremental


def test_cursor_is_plain_json() -> None:
    b, _ = small_world(3)
    with serve(b) as sb:
        _, cursor = fetch(sb)
    assert json.loads(json.dumps(cursor)) == cursor


def test_second_sync_of_an_unchanged_world_is_cheap_and_empty() -> None:
    b, ids = small_world(20)
    with serve(b) as sb:
        _, cursor = fetch(sb, page_size=3, extra_incidents=["QMISSING"])
        sb.reset_counts()
        batch, cursor2 = fetch(
            sb,
            cursor=cursor,
            now=NOW + timedelta(hours=1),
            page_size=3,
            extra_incidents=["QMISSING"],
        )
        counts = dict(sb.counts)
    assert batch.incidents == [] and batch.log_events == []
    assert batch.services == [] and batch.users == []
    assert counts["pagerduty"] <= 2
    assert set(cursor2["incidents"]) == set(ids)


def test_second_sync_returns_exactly_the_new_and_the_changed() -> None:
    mid = SINCE + 20 * DAY  # a sync in the middle of the window
    b, _ = small_world(10)
    svc, user = b.pd.services[0]["id"], b.pd.users[1]["id"]
    old = b.incident(created=SINCE + 2 * DAY, service=svc)  # triggered, never acknowledged
    with serve(b) as sb:
        _, cursor = fetch(sb, now=mid)
        with b.world.lock:
            new = b.incident(created=mid + timedelta(hours=2), service=svc)
            ack = b.acknowledge(old, mid + timedelta(hours=3), user)
        batch, _ = fetch(sb, cursor=cursor, now=mid + timedelta(hours=4))
    assert incident_ids(batch) == {new, old}
    assert next(i for i in batch.incidents if i.id == old).status == "acknowledged"
    assert {e.id for e in batch.log_events} == entry_ids(b.pd.log_entries, {new}) | {ack}
    assert batch.users == [] and batch.services == []


def test_entries_just_before_the_watermark_are_caught_once() -> None:
    b, ids = small_world(2)
    late_view = NOW - timedelta(minutes=2)  # recorded before the first sync, seen after
    with serve(b) as sb:
        _, cursor = fetch(sb)
        with b.world.lock:
            note = b.entry(ids[0], "annotate_log_entry", late_view)
        first, cursor = fetch(sb, cursor=cursor, now=NOW + timedelta(minutes=1))
        again, _ = fetch(sb, cursor=cursor, now=NOW + timedelta(minutes=2))
    assert [e.id for e in first.log_events] == [note]
    assert again.log_events == [] and again.incidents == []


def test_a_window_reaching_earlier_fetches_the_uncovered_part() -> None:
    b, _ = small_world(5)
    earlier = b.incident(created=SINCE - 10 * DAY, service=b.pd.services[0]["id"])
    with serve(b) as sb:
        _, cursor = fetch(sb)
        wider = Window(since=SINCE - 15 * DAY, until=UNTIL)
        batch, cursor2 = fetch(sb, cursor=cursor, window=wider, now=NOW + timedelta(hours=1))
    assert incident_ids(batch) == {earlier}
    assert {e.id for e in batch.log_events} == entry_ids(b.pd.log_entries, {earlier})
    assert cursor2["since"] == "2026-09-16T00:00:00Z"


def test_reference_lists_are_refreshed_after_a_day() -> None:
    b, _ = small_world(2)
    with serve(b) as sb:
        _, cursor = fetch(sb)
        with b.world.lock:
            added = b.user("New Hire")
        same_day, cursor = fetch(sb, cursor=cursor, now=NOW + timedelta(hours=23))
        next_day, _ = fetch(sb, cursor=cursor, now=NOW + timedelta(hours=25))
    assert same_day.users == []
    assert added in {u.id for u in next_day.users}


def test_vendor_words_become_our_kinds() -> None:
    assert event_kind("acknowledge_log_entry") == "acknowledged"
    assert event_kind("delegate_log_entry") == "delegated"
    assert event_kind("annotate_log_entry") == "other"
    assert actor_kind("user_reference") == "person"
    assert actor_kind("inbound_integration_reference") == "integration"
    assert actor_kind("integration_reference") == "integration"
    assert actor_kind("service_reference") == "service"
    assert actor_kind("events_api_v2_inbound_integration_reference") == "integration"
    assert actor_kind("generic_email_inbound_integration_reference") == "integration"
    assert actor_kind("api_token_reference") == "automation"
    assert actor_kind(None) is None
    assert resolve_reason("merge_resolve_reason") == MERGED
    assert resolve_reason(None) is None
