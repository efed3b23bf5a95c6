"""The sandbox's PagerDuty REST v2, driven by the real ``pagerduty`` client over HTTPS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pagerduty
import pytest

from opsaudit.sandbox.server import Sandbox

T0 = datetime(2024, 3, 1, tzinfo=UTC)  # the conftest world starts here
WINDOW = {"since": "2024-03-01T00:00:00Z", "until": "2024-03-06T00:00:00Z"}


def test_iter_all_pages_through_every_incident_in_order(sandbox: Sandbox, kit: Any) -> None:
    client = kit.pd()
    found = list(client.iter_all("incidents", params=WINDOW, page_size=7))
    assert [i["incident_number"] for i in found] == list(range(1, 31))
    assert sandbox.counts["pagerduty GET /incidents"] == 5  # 7+7+7+7+2


def test_until_is_exclusive_and_since_inclusive(sandbox: Sandbox, kit: Any) -> None:
    # incident n is created at T0 + (n-1) hours
    params = {"since": kit.iso(T0 + timedelta(hours=2)), "until": kit.iso(T0 + timedelta(hours=5))}
    found = kit.pd().list_all("incidents", params=params)
    assert [i["incident_number"] for i in found] == [3, 4, 5]


def test_without_since_the_window_is_the_last_30_days(sandbox: Sandbox, kit: Any) -> None:
    now = datetime.now(UTC)
    with sandbox.world.lock:
        kit.add_incident(sandbox.world, number=100, created=now - timedelta(days=29))
        kit.add_incident(sandbox.world, number=101, created=now - timedelta(days=31))
    client = kit.pd()
    assert [i["incident_number"] for i in client.list_all("incidents")] == [100]
    everything = client.list_all("incidents", params={"date_range": "all"})
    assert len(everything) == 32


def test_filters_and_sort(sandbox: Sandbox, kit: Any) -> None:
    client = kit.pd()
    params = {
        **WINDOW,
        "statuses[]": ["triggered"],
        "service_ids[]": ["PS1"],
        "sort_by": "created_at:desc",
    }
    found = client.list_all("incidents", params=params)
    numbers = [i["incident_number"] for i in found]
    assert numbers == sorted(numbers, reverse=True)
    assert numbers == [n for n in range(30, 0, -1) if n % 3 == 0 and n % 2 == 1]


def test_total_only_when_asked(sandbox: Sandbox, kit: Any) -> None:
    client = kit.pd()
    assert client.get_total("incidents", params=WINDOW) == 30
    body = client.jget("incidents", params={**WINDOW, "limit": 5})
    assert (body["total"], body["limit"], body["more"]) == (None, 5, True)


def test_limit_is_capped_at_100(sandbox: Sandbox, kit: Any) -> None:
    body = kit.pd().jget("incidents", params={"date_range": "all", "limit": 500})
    assert body["limit"] == 100


def test_offset_beyond_ten_thousand_is_refused(sandbox: Sandbox, kit: Any) -> None:
    client = kit.pd()
    response = client.get("incidents", params={**WINDOW, "offset": 9950, "limit": 100})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == 2001
    at_cap = client.get("incidents", params={**WINDOW, "offset": 9900, "limit": 100})
    assert at_cap.status_code == 200
    assert at_cap.json()["incidents"] == []


def test_include_expands_references_in_place(sandbox: Sandbox, kit: Any) -> None:
    params = {**WINDOW, "include[]": ["services", "assignees", "first_trigger_log_entries"]}
    incident = kit.pd().list_all("incidents", params=params)[2]  # #3: triggered
    assert incident["service"]["type"] == "service"
    assert incident["service"]["name"] == "Service 1"
    assert incident["assignments"][0]["assignee"]["email"] == "user0@example.com"
    assert incident["first_trigger_log_entry"]["type"] == "trigger_log_entry"
    assert incident["priority"]["type"] == "priority"
    plain = kit.pd().list_all("incidents", params=WINDOW)[2]
    assert plain["service"]["type"] == "service_reference"


def test_incident_by_id_and_by_number(sandbox: Sandbox, kit: Any) -> None:
    client = kit.pd()
    assert client.rget("incidents/PI00007")["incident_number"] == 7
    assert client.rget("incidents/7")["id"] == "PI00007"
    missing = client.get("incidents/PNOPE")
    assert missing.status_code == 404
    assert missing.json() == {"error": {"message": "Not Found", "code": 2100}}


def test_log_entries_newest_first_across_pages(sandbox: Sandbox, kit: Any) -> None:
    found = list(kit.pd().iter_all("log_entries", params=WINDOW, page_size=25))
    times = [e["created_at"] for e in found]
    assert times == sorted(times, reverse=True)
    assert len(found) == len(sandbox.world.pagerduty.log_entries)


def test_incident_log_entries_overview_and_include(sandbox: Sandbox, kit: Any) -> None:
    client = kit.pd()
    every = client.list_all("incidents/PI00004/log_entries")
    assert [e["type"] for e in every] == [
        "resolve_log_entry",
        "acknowledge_log_entry",
        "notify_log_entry",
        "trigger_log_entry",
    ]
    overview = client.list_all(
        "incidents/PI00004/log_entries", params={"is_overview": "true", "include[]": ["incidents"]}
    )
    assert "notify_log_entry" not in {e["type"] for e in overview}
    assert overview[0]["incident"]["type"] == "incident"
    assert overview[0]["incident"]["title"] == "Outage 4"


def test_time_zone_renders_timestamps(sandbox: Sandbox, kit: Any) -> None:
    params = {**WINDOW, "time_zone": "America/New_York", "limit": 1}
    incident = kit.pd().jget("incidents", params=params)["incidents"][0]
    assert incident["created_at"] == "2024-02-29T19:00:00-05:00"


@pytest.mark.parametrize(
    "collection", ["services", "users", "priorities", "teams", "escalation_policies"]
)
def test_collections_page(sandbox: Sandbox, kit: Any, collection: str) -> None:
    found = list(kit.pd().iter_all(collection, page_size=1))
    assert found == getattr(sandbox.world.pagerduty, collection)
    assert sandbox.counts[f"pagerduty GET /{collection}"] == len(found)


def test_a_wrong_token_gets_401(sandbox: Sandbox, kit: Any) -> None:
    with pytest.raises(pagerduty.HttpError) as raised:
        kit.pd(token="not-the-token").list_all("incidents")
    assert raised.value.response.status_code == 401
    assert raised.value.response.json()["error"]["code"] == 2006
    assert sandbox.counts["pagerduty"] == 1


def test_rate_limit_answer(sandbox: Sandbox, kit: Any) -> None:
    sandbox.faults.rate_limit_every = 1
    sandbox.faults.retry_after = 1
    client = kit.pd()
    client.retry = {429: 1}  # give up after one retry so the 429 comes back to us
    response = client.get("incidents")
    assert response.status_code == 429
    assert response.headers["ratelimit-remaining"] == "0"
    assert response.headers["ratelimit-reset"] == "1"
    assert int(response.headers["ratelimit-limit"]) > 0
    assert response.json() == {"error": {"message": "Rate Limit Exceeded", "code": 2020}}
    assert sandbox.counts["pagerduty"] == 2


def test_client_rides_out_rate_limits(sandbox: Sandbox, kit: Any) -> None:
    sandbox.faults.rate_limit_every = 2
    found = list(kit.pd().iter_all("incidents", params=WINDOW, page_size=10))
    assert len(found) == 30
    # every second request is refused: ok, 429, ok, 429, ok
    assert sandbox.counts["pagerduty GET /incidents"] == 5


def test_since_and_until_more_than_six_months_apart_are_refused(sandbox: Sandbox, kit: Any) -> None:
    client = kit.pd()
    since = datetime(2024, 3, 1, tzinfo=UTC)
    six_months = {"since": kit.iso(since), "until": "2024-09-01T00:00:00Z"}
    assert client.get("incidents", params=six_months).status_code == 200
    over = client.get("incidents", params={**six_months, "until": "2024-09-01T00:00:01Z"})
    assert over.status_code == 400
    # the real API's answer (seen for a two-year range): code 2001, "is invalid."
    assert over.json() == {
        "error": {"message": "Invalid Input Provided", "code": 2001, "errors": [" is invalid."]}
    }
    # since alone reaches until now: more than 6 months back is refused as well
    assert client.get("incidents", params={"since": kit.iso(since)}).status_code == 400
    assert client.get("incidents", params={"date_range": "all"}).status_code == 200


def test_six_months_are_calendar_months() -> None:
    from opsaudit.sandbox.pagerduty_api import add_months

    assert add_months(datetime(2026, 8, 31, 12, tzinfo=UTC), 6) == datetime(
        2027, 2, 28, 12, tzinfo=UTC
    )
    assert add_months(datetime(2026, 10, 15, tzinfo=UTC), 6) == datetime(2027, 4, 15, tzinfo=UTC)


def test_total_stays_null_where_the_world_says_so(sandbox: Sandbox, kit: Any) -> None:
    with sandbox.world.lock:
        sandbox.world.pagerduty.total_null = True
    body = kit.pd().jget("incidents", params={**WINDOW, "limit": 5, "total": "true"})
    assert (body["total"], body["more"]) == (None, True)
