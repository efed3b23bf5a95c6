"""An independent, simplified reading of rules.md, run on generated worlds.

It recomputes the violations straight from the vendor JSON and commit history and checks
they are exactly the planted ones: the generator's promise to the acceptance test.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest

from opsaudit.sandbox.org import GeneratedOrg, generate

BLAME = (
    "human error",
    "operator error",
    "'s fault",
    "fault of",
    "to blame",
    "blamed",
    "careless",
    "negligent",
    "negligence",
    "incompetent",
    "should have known",
    "should have caught",
    "sloppy",
    "reckless",
)
SECTIONS = {
    "timeline": ["timeline"],
    "root": ["root cause", "root causes", "root cause analysis"],
    "worked": [
        "what worked what didn t",
        "what went well what didn t",
        "what went well and what didn t",
    ],
    "actions": ["action items", "follow ups", "follow up actions"],
    "customer": [
        "customer facing communication summary",
        "customer communication",
        "customer facing communication",
    ],
    "blameless": ["blameless framing", "blameless statement"],
}
FIELD = re.compile(
    r"^\**(What|When|Status|Service\(s\)|Brand\(s\)|Latest update|Next update by)"
    r"\**:?\**\s*(.*)$"
)


def ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def bday_end(day: date, n: int) -> datetime:
    while n:
        day += timedelta(days=1)
        n -= day.weekday() < 5
    return datetime(day.year, day.month, day.day, 23, 59, 59, 999999, tzinfo=UTC)


def stamp(text: str, base: datetime) -> datetime | None:
    m = re.search(r"(?:(\d{4}-\d{2}-\d{2})[ T])?(\d{2}):(\d{2})", text)
    if not m or not re.search(r"UTC|Z\b", text):
        return None
    day = date.fromisoformat(m[1]) if m[1] else base.date()
    return datetime(day.year, day.month, day.day, int(m[2]), int(m[3]), tzinfo=UTC)


def incident_violations(org: GeneratedOrg) -> set[tuple[str, str]]:
    w, now, cfg = org.world, org.as_of, org.config
    out: set[tuple[str, str]] = set()
    logs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in w.pagerduty.log_entries:
        logs[e["incident"]["id"]].append(e)
    rooms = {c["name"]: c for c in w.slack.channels}
    inc_channel = next(c["id"] for c in w.slack.channels if c["name"] == "incidents")
    posts = [
        m
        for m in w.slack.messages[inc_channel]
        if any(line.strip("*") == "Incident summary" for line in m["text"].split("\n"))
    ]
    owners = {name: s.get("owner", {}).get("pagerduty_id") for name, s in cfg["services"].items()}
    cto = cfg["people"]["cto"]["pagerduty_id"]
    for inc in w.pagerduty.incidents:
        iid, t0 = inc["id"], ts(inc["created_at"])
        if "[DRILL]" in inc["title"] or "[TEST]" in inc["title"] or inc["resolve_reason"]:
            continue
        name = (inc["priority"] or {}).get("name")
        sev = {"P1": 1, "P2": 2, "P3": 3, "P4": 4, "P5": 4}.get(name or "")
        if sev is None:
            out.add(("incident.severity", iid))
            continue
        entries = sorted(logs[iid], key=lambda e: e["created_at"])
        res = next((ts(e["created_at"]) for e in entries if e["type"] == "resolve_log_entry"), None)
        acks = [
            ts(e["created_at"])
            for e in entries
            if e["type"] in ("acknowledge_log_entry", "resolve_log_entry")
        ]
        limit = {1: 15, 2: 30, 3: 240}.get(sev)
        deadline = t0 + timedelta(minutes=limit) if limit else bday_end(t0.date(), 1)
        if (not acks or acks[0] > deadline) and deadline <= now:
            out.add(("response.ack", iid))
        if sev > 2:
            continue
        assigned = {
            a["id"] for e in entries if ts(e["created_at"]) == t0 for a in e.get("assignees", [])
        }
        escalations, reached = [], defaultdict(list)
        for e in entries:
            at = ts(e["created_at"])
            for a in e.get("assignees", []):
                reached[a["id"]].append(at)
                if at > t0 and a["id"] not in assigned:
                    escalations.append(at)
            if e["type"] == "delegate_log_entry":
                escalations.append(at)
            if e["type"] == "notify_log_entry":
                reached[e["user"]["id"]].append(at)
        for r in inc["responder_requests"]:
            escalations.append(ts(r["requested_at"]))
            for t in r["responder_request_targets"]:
                reached[t["responder_request_target"]["id"]].append(ts(r["requested_at"]))
        d30, d60 = t0 + timedelta(minutes=30), t0 + timedelta(minutes=60)
        if not (res and res <= d30) and not any(a <= d30 for a in escalations) and d30 <= now:
            out.add(("escalation.secondary", iid))
        owner = owners[inc["service"]["summary"]]
        needed = [p for p in (cto, owner) if p]
        if (
            not (res and res <= d60)
            and d60 <= now
            and not all(any(a <= d60 for a in reached[p]) for p in needed)
        ):
            out.add(("escalation.leadership", iid))
        room = rooms.get(f"incident-{inc['incident_number']}")
        if sev == 1:
            late = room is not None and room["created"] > (t0 + timedelta(minutes=15)).timestamp()
            if late or (room is None and t0 + timedelta(minutes=15) <= now):
                out.add(("warroom.opened", iid))
            if room is not None:
                human = sorted(
                    float(m["ts"])
                    for m in w.slack.messages[room["id"]]
                    if "bot_id" not in m and m.get("subtype") in (None, "thread_broadcast")
                )
                end = (res or now).timestamp()
                marks = [max(room["created"], t0.timestamp()), *human, end]
                marks = [m for m in marks if m <= end]
                if any(b - a > 900 for a, b in pairwise(marks)):
                    out.add(("warroom.cadence", iid))
        refs = (f"incident-{inc['incident_number']}", iid, inc["html_url"])
        mine = sorted(
            (
                p
                for p in posts
                if any(re.search(re.escape(r) + r"(?![\w-])", p["text"]) for r in refs)
            ),
            key=lambda p: float(p["ts"]),
        )
        times = [datetime.fromtimestamp(float(p["ts"]), UTC) for p in mine]
        if (
            sev == 1
            and not any(t <= t0 + timedelta(minutes=15) for t in times)
            and (t0 + timedelta(minutes=15) <= now)
        ):
            out.add(("comms.initial", iid))
        if not mine and res:
            out.add(("comms.template", iid))
        for i, (p, at) in enumerate(zip(mine, times, strict=True)):
            fields = {m[1]: m[2] for m in map(FIELD.match, p["text"].split("\n")) if m}
            status = fields.get("Status", "").lower()
            bad = (
                len(fields) < 7 - (status == "resolved")
                or stamp(fields["When"], at) is None
                or status not in ("investigating", "identified", "mitigating", "resolved")
            )
            if bad:
                out.add(("comms.template", iid))
            promise = stamp(fields.get("Next update by", ""), at)
            if promise and status != "resolved":
                nxt = times[i + 1] if i + 1 < len(times) else None
                if (nxt and nxt > promise) or (nxt is None and promise <= now):
                    out.add(("comms.next_update", iid))
    return out


def postmortem_violations(org: GeneratedOrg) -> set[tuple[str, str]]:
    repo, now = org.world.github.repos["acme/ops-docs"], org.as_of
    files: dict[str, str] = {}
    landed: dict[str, datetime] = {}
    for c in repo.commits:
        for path, text in c.changes.items():
            if text is None:
                files.pop(path, None)
                continue
            if path not in files:
                landed[path] = c.committed_at
            files[path] = text
    closed = {
        (r.full_name, i["number"]): i["state"] == "closed"
        for r in org.world.github.repos.values()
        for i in r.issues
    }
    incidents = {str(i["incident_number"]): i for i in org.world.pagerduty.incidents}
    by_id = {i["id"]: i for i in org.world.pagerduty.incidents}
    out: set[tuple[str, str]] = set()
    linked: dict[str, list[datetime]] = defaultdict(list)
    for path, text in files.items():
        if not path.startswith("docs/incidents/"):
            continue
        refs = set(re.findall(r"incidents/(Q\w+)", text))
        refs |= {
            incidents[n]["id"] for n in re.findall(r"incident-(\d+)\b", text) if n in incidents
        }
        m = re.search(r"^incident: (\S+)$", text, re.M)
        if m:
            refs.add(incidents[m[1]]["id"] if m[1] in incidents else m[1].rsplit("/", 1)[-1])
        refs &= set(by_id)
        for r in refs:
            linked[r].append(landed[path])
        name = path.rsplit("/", 1)[-1]
        days = {by_id[r]["created_at"][:10] for r in refs}
        if not refs:
            out.add(("postmortem.unlinked", path))
        if not re.fullmatch(r"\d{4}-\d\d-\d\d-[a-z0-9]+(-[a-z0-9]+)*\.md", name) or (
            refs and name[:10] not in days
        ):
            out.add(("postmortem.filename", path))
        sections, current = defaultdict(list), None
        for line in text.split("\n"):
            if line.startswith("## "):
                norm = re.sub(
                    r"[^a-z0-9]+",
                    " ",
                    re.sub(r"\([^)]*\)$", "", line[3:].lower().replace("\u2019", "'")),
                )
                current = next((k for k, v in SECTIONS.items() if norm.strip() in v), None)
                sections[current] = []
            elif current is not None:
                sections[current].append(line)
        if any(
            not re.sub(r"<!--.*?-->|TBD|\s", "", "".join(sections.get(k, []))) for k in SECTIONS
        ):
            out.add(("postmortem.sections", path))
        outside = text.replace("\u2019", "'").lower()
        for line in sections.get("blameless", []):
            outside = outside.replace(line.lower().replace("\u2019", "'"), "")
        if any(
            re.search(("" if b[0] == "'" else r"(?<!\w)") + re.escape(b) + r"(?!\w)", outside)
            for b in BLAME
        ):
            out.add(("postmortem.blameless", path))
        utc_head = "## Timeline (UTC)" in text or "Time (UTC)" in text
        prev = None
        for line in sections.get("timeline", []):
            if not line.startswith(("- ", "| ")) or "---" in line or "Time (UTC)" in line:
                continue
            at = stamp(
                line if not utc_head else line + " UTC", prev or datetime(1, 1, 1, 0, 0, tzinfo=UTC)
            )
            if at is None or "PST" in line or (prev and at < prev):
                out.add(("postmortem.timeline", path))
            prev = at or prev
        items = [
            line
            for line in sections.get("actions", [])
            if line.startswith("- ")
            or (line.startswith("| ") and "---" not in line and "| Owner |" not in line)
        ]
        for n, line in enumerate(items, 1):
            due = re.search(r"(?:due |\| )(\d{4}-\d\d-\d\d)", line)
            if not re.search(r"@\w|owner: \w", line) or not due:
                out.add(("postmortem.action_items", path))
            links = [("acme/ops-docs", int(x)) for x in re.findall(r"(?<![\w/])#(\d+)", line)]
            links += [
                (r, int(x)) for r, x in re.findall(r"(acme/platform)(?:#|/issues/)(\d+)", line)
            ]
            done = (
                "[x]" in line
                or re.search(r"\| (done|closed|complete) \|$", line)
                or (links and all(closed[k] for k in links))
            )
            end = due and datetime.fromisoformat(due[1]).replace(tzinfo=UTC) + timedelta(days=1)
            if end and not done and end <= now:
                out.add(("action_item.overdue", f"{path}#{n}"))
    for inc in org.world.pagerduty.incidents:
        name = (inc["priority"] or {}).get("name")
        res = inc["resolved_at"]
        if name not in ("P1", "P2") or not res or inc["resolve_reason"] or "[" in inc["title"]:
            continue
        due = bday_end(ts(res).date(), 5)
        if not linked[inc["id"]] and due <= now:
            out.add(("postmortem.missing", inc["id"]))
        if linked[inc["id"]] and min(linked[inc["id"]]) > due:
            out.add(("postmortem.late", inc["id"]))
    return out


@pytest.mark.parametrize(
    ("seed", "size"),
    [(7, 60), (1, 10), (2, 30), (3, 250), (4, 400), (5, 60), (6, 60), (8, 120)],
)
def test_the_oracle_finds_exactly_the_planted_violations(seed: int, size: int) -> None:
    org = generate(seed=seed, incidents=size)
    found = incident_violations(org) | postmortem_violations(org)
    planted = {(p.rule, p.subject) for p in org.planted}
    assert found == planted
