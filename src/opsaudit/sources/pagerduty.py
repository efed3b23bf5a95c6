"""PagerDuty: services, users, priorities, incidents and their log entries.

How a sync works
----------------
First sync (no cursor): the three reference lists in full; the incidents created in
``[window.since, window.until)``; then the log entries of ``[window.since, now]`` in
bulk (``GET /log_entries``, not one call per incident), keeping those of the fetched
incidents, entries after the window's end included. Post-mortems may name incidents
from outside the window (``extra_incidents``, ids or numbers): each is read with
``GET /incidents/{id_or_number}`` (404 is skipped) and its log with
``GET /incidents/{id}/log_entries``. Time-ranged lists are split in halves while a
query would hold PagerDuty's 10,000 results (see ``AuditClient.iter_range``).

The returned cursor (plain JSON) records the window covered, the ``watermark`` (this
sync's ``now``), the incidents tracked (id -> created_at), the extra look-ups made and
the ids of the last few minutes' log entries. A later sync with it fetches only what
changed since the watermark minus ``OVERLAP`` (entries and incidents that become
visible a little late): incidents created since then inside the window, log entries
since then in bulk, and, by id, the tracked incidents that have new entries (their
status or resolution changed). Parts of the window the cursor does not cover are
fetched as on a first sync. Reference lists and the window's incident list (titles
and priorities change without a log entry) are re-read at most once per ``REFRESH``.
The batch holds only new or changed records; the store upserts them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import pagerduty

from opsaudit.records import IncidentBatch, Priority
from opsaudit.sources.base import (
    DEFAULT_RETRY,
    Cursor,
    Endpoint,
    RequestCounter,
    RetryPolicy,
    SourceError,
    Window,
    iso,
    utc,
)
from opsaudit.sources.pagerduty_client import CAP, JSON, SOURCE, AuditClient, describe
from opsaudit.sources.pagerduty_records import at, to_incident, to_log_event, to_service, to_user

OVERLAP = timedelta(minutes=5)
REFRESH = timedelta(days=1)
CURSOR_VERSION = 1
_INCLUDE = {"include[]": ["priorities"]}


def fetch_pagerduty(
    *,
    endpoint: Endpoint,
    window: Window,
    cursor: Cursor | None,
    now: datetime,
    extra_incidents: Sequence[str] = (),
    counter: RequestCounter | None = None,
    retry: RetryPolicy = DEFAULT_RETRY,
    page_size: int = 100,
    cap: int = CAP,
) -> tuple[IncidentBatch, Cursor]:
    """Fetch what changed in PagerDuty since ``cursor`` (everything if None).

    Returns the new or changed records and the cursor for the next sync. Raises
    :class:`SourceError` on a refused token, a failed request or exhausted retries.
    """
    client = AuditClient(
        endpoint=endpoint, retry=retry, counter=counter or RequestCounter(), page_size=page_size
    )
    try:
        with client:
            return _Sync(client, window=window, now=now, cap=cap, prev=_parse(cursor)).run(
                [str(key) for key in extra_incidents]
            )
    except pagerduty.Error as exc:
        if endpoint.deadline.expired():
            raise endpoint.deadline.error() from None
        # the client's own messages may quote the key's tail: say it in our words
        raise SourceError(SOURCE, f"{endpoint.api_url}: {describe(exc)}") from None


def looked_up(cursor: Cursor | None) -> set[str]:
    """Extra incident keys (ids or numbers) a sync with ``cursor`` already looked up,
    found or not: passing them again costs no request."""
    parsed = _parse(cursor)
    return set(parsed.get("extra", {})) if parsed else set()


def _parse(cursor: Cursor | None) -> Cursor | None:
    """The previous cursor if it is one this version wrote, else None (a full sync)."""
    if not cursor or cursor.get("version") != CURSOR_VERSION:
        return None
    return cursor


class _Sync:
    """One sync: what to fetch follows from the window, the previous cursor and now."""

    def __init__(
        self, client: AuditClient, *, window: Window, now: datetime, cap: int, prev: Cursor | None
    ) -> None:
        self.client, self.window, self.now, self.cap = client, window, now, cap
        self.prev: Cursor = prev or {}
        self.batch = IncidentBatch()
        self.fresh: dict[str, JSON] = {}  # incidents read in this sync, by id
        self.report: set[str] = set()  # ids of incidents the batch returns
        self.extra_log: list[JSON] = []

    def run(self, extra_keys: list[str]) -> tuple[IncidentBatch, Cursor]:
        w, prev = self.window, self.prev
        covered = _covered(prev, w)
        ref_at = utc(prev.get("reference_at"))
        refresh = ref_at is None or self.now - ref_at >= REFRESH
        if refresh:
            self._reference_lists()
        known: dict[str, str] = dict(prev.get("incidents", {}))
        if covered is None:
            gaps, log_since = [(w.since, w.until)], w.since
        else:
            gaps = [g for g in ((w.since, covered[0]), (covered[1], w.until)) if g[0] < g[1]]
            log_since = min([g[0] for g in gaps] + [_mark(prev) - OVERLAP])
            if not refresh:  # created since the watermark, inside what was covered
                delta = (max(covered[0], _mark(prev) - OVERLAP), covered[1])
                self._list_incidents([delta], skip=known.keys())
        self._list_incidents([(w.since, w.until)] if refresh else gaps, skip=())
        extra_map = self._extras(extra_keys, known)
        extra_ids = {v for v in extra_map.values() if v}
        tracked = {i: c for i, c in known.items() if i in extra_ids or at(c) >= w.since}
        tracked |= {i: raw["created_at"] for i, raw in self.fresh.items()}
        news_since = None if covered is None else _mark(prev) - OVERLAP
        entries, recent = self._bulk_log(log_since, tracked, known=known.keys(), news=news_since)
        for inc_id in sorted({e["incident"]["id"] for e in entries} - self.fresh.keys()):
            raw = self.client.get_one(f"/incidents/{inc_id}", "incident", _INCLUDE)
            if raw is not None:  # a known incident with news: its status may have moved
                self.fresh[inc_id] = raw
                self.report.add(inc_id)
        resolves = {
            e["incident"]["id"]: utc(e["created_at"])
            for e in entries
            if e["type"] == "resolve_log_entry"
        }
        names = {p.id: p.name for p in self.batch.priorities}
        self.batch.incidents = [
            to_incident(self.fresh[i], resolved=resolves.get(i), priority_names=names)
            for i in sorted(self.report)
        ]
        self.batch.log_events = [to_log_event(e) for e in entries]
        return self.batch, {
            "version": CURSOR_VERSION,
            "since": iso(w.since),
            "until": iso(w.until),
            "watermark": iso(self.now),
            "reference_at": iso(self.now if refresh or ref_at is None else ref_at),
            "incidents": tracked,
            "extra": extra_map,
            "recent": sorted(recent),
        }

    def _reference_lists(self) -> None:
        client = self.client
        self.batch.services = [to_service(r) for r in client.iter_list("/services")]
        self.batch.users = [to_user(r) for r in client.iter_list("/users")]
        self.batch.priorities = [
            Priority(id=r["id"], name=r.get("name") or r.get("summary", ""), order=n)
            for n, r in enumerate(client.iter_list("/priorities"))
        ]

    def _list_incidents(self, ranges: Iterable[tuple[datetime, datetime]], skip: Any) -> None:
        for lo, hi in ranges:
            if lo >= hi:
                continue
            found = self.client.iter_range(
                "/incidents", since=lo, until=hi, params=_INCLUDE, cap=self.cap
            )
            for raw in found:
                if raw["id"] not in skip:
                    self.fresh[raw["id"]] = raw
                    self.report.add(raw["id"])

    def _extras(self, keys: list[str], known: dict[str, str]) -> dict[str, str | None]:
        """Look up extra incidents (key -> id, None if missing) not looked up before."""
        done: dict[str, str | None] = self.prev.get("extra", {})
        result: dict[str, str | None] = {}
        for key in dict.fromkeys(keys):
            if key in done:
                result[key] = done[key]
                continue
            raw = self.client.get_one(f"/incidents/{key}", "incident", _INCLUDE)
            result[key] = raw["id"] if raw else None
            if raw is None or raw["id"] in self.fresh or raw["id"] in known:
                continue
            self.fresh[raw["id"]] = raw
            self.report.add(raw["id"])
            created = at(raw["created_at"])
            self.extra_log += self.client.iter_range(
                f"/incidents/{raw['id']}/log_entries",
                since=created,
                until=max(self.now, created + timedelta(seconds=1)),
                cap=self.cap,
            )
        return result

    def _bulk_log(
        self, since: datetime, tracked: dict[str, str], *, known: Any, news: datetime | None
    ) -> tuple[list[JSON], set[str]]:
        """Entries of tracked incidents not delivered before (of a known incident, only
        those from ``news`` on), and the ids of those near ``now``: the next sync's
        overlap sees them again and must not repeat them."""
        seen = {e["id"]: e for e in self.extra_log}
        if since < self.now:
            found = self.client.iter_range(
                "/log_entries", since=since, until=self.now, cap=self.cap
            )
            for e in found:
                inc_id = e["incident"]["id"]
                if inc_id in tracked and (
                    news is None or inc_id not in known or at(e["created_at"]) >= news
                ):
                    seen[e["id"]] = e
        delivered = set(self.prev.get("recent", []))
        edge = self.now - OVERLAP
        recent = {i for i, e in seen.items() if at(e["created_at"]) >= edge}
        entries = [e for i, e in seen.items() if i not in delivered]
        entries.sort(key=lambda e: (at(e["created_at"]), e["id"]))
        return entries, recent


def _mark(prev: Cursor) -> datetime:
    return at(prev["watermark"])


def _covered(prev: Cursor, window: Window) -> tuple[datetime, datetime] | None:
    """The part of ``window`` the previous sync covered, if any."""
    since, until, mark = (utc(prev.get(k)) for k in ("since", "until", "watermark"))
    if since is None or until is None or mark is None:
        return None
    lo, hi = max(since, window.since), min(until, window.until)
    return (lo, hi) if lo < hi else None
