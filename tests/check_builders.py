"""Small builders for check tests: a few records in, a Context out.

Times are given as minutes after ``T0`` (a Monday, 10:00 UTC) so that a test reads like
the rule: ``ack(at=15)`` is an acknowledgement exactly at the 15-minute deadline.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from opsaudit.auditrun import AuditRun
from opsaudit.calendar import BusinessCalendar
from opsaudit.checks.catalogue import CATALOGUE, catalogue
from opsaudit.checks.context import AuditSettings, Context
from opsaudit.checks.facts import audit_run
from opsaudit.checks.model import Result
from opsaudit.config import Person, ServiceInfo, Waiver
from opsaudit.engine import evaluate
from opsaudit.policy import build_policy
from opsaudit.records import (
    ActorKind,
    Channel,
    EventKind,
    Incident,
    IncidentEvent,
    IncidentsPost,
    MessageMeta,
    Priority,
    ResponderRequest,
    Service,
    User,
    WorkItem,
)
from opsaudit.snapshot import PostMortemFile, Snapshot, SourceStatus
from opsaudit.sources.base import Window
from opsaudit.sources.github_source import GitHubSection
from opsaudit.sources.pagerduty_source import PagerDutySection
from opsaudit.sources.slack_source import SlackSection
from opsaudit.sources.table import providers

T0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)  # a Monday
WINDOW = Window(since=datetime(2026, 10, 1, tzinfo=UTC), until=datetime(2026, 12, 1, tzinfo=UTC))
SERVICE = Service(id="PSVC001", name="Checkout API")
CTO = User(id="PCTO001", name="Casey CTO", email="cto@example.com")
OWNER = User(id="POWN001", name="Olive Owner", email="owner@example.com")
PRIMARY = User(id="PPRI001", name="Pat Primary", email="pat@example.com")
SECONDARY = User(id="PSEC001", name="Sam Second", email="sam@example.com")
REPO = "acme/ops-docs"
PD_WEB = "https://acme.pagerduty.com"
# the URL templates the configured sources give the checks, as a real configuration would
SOURCE_LINKS: dict[str, Any] = {
    **PagerDutySection(web_url=PD_WEB).audit_settings(),
    **SlackSection().audit_settings(),
    **GitHubSection(repo=REPO).audit_settings(),
}
SLACK_BASE = "https://acme.slack.com"
INCIDENTS_CHANNEL = "CINCIDENTS"
_counter = iter(range(1, 10**9))


def at(minutes: float) -> datetime:
    """``T0`` plus some minutes."""
    return T0 + timedelta(minutes=minutes)


def ts_of(moment: datetime, seq: int = 0) -> str:
    return f"{int(moment.timestamp())}.{moment.microsecond + seq:06d}"


def incident(
    *,
    id: str = "QINC0001",
    number: int = 1234,
    priority: str | None = "P1",
    created: datetime = T0,
    status: str | None = None,
    resolved: float | None = None,
    title: str = "Checkout 5xx",
    service_id: str = SERVICE.id,
    resolve_reason: str | None = None,
    responder_requests: Sequence[ResponderRequest] = (),
) -> Incident:
    return Incident(
        id=id,
        number=number,
        title=title,
        status=status or ("resolved" if resolved is not None else "triggered"),
        urgency="high",
        created_at=created,
        service_id=service_id,
        html_url=f"{PD_WEB}/incidents/{id}",
        priority_id=f"PRI_{priority}" if priority else None,
        priority_name=priority,
        resolved_at=at(resolved) if resolved is not None else None,
        resolve_reason=resolve_reason,
        responder_requests=tuple(responder_requests),
    )


def event(
    kind: str,
    at_minutes: float,
    *,
    incident_id: str = "QINC0001",
    users: Sequence[str] = (),
    agent: str | None = None,
    actor: ActorKind | None = None,
    actor_name: str | None = None,
    channel: str | None = None,
) -> IncidentEvent:
    """An incident event; ``kind`` as a verb (``"acknowledge"``) or an EventKind. The
    ``agent`` is a person's user id; ``actor`` another kind of maker (``"integration"``),
    named ``actor_name``; ``channel`` how it came in (``"timeout"``)."""
    return IncidentEvent(
        id=f"R{next(_counter):08d}",
        incident_id=incident_id,
        kind=cast(EventKind, _KINDS.get(kind, kind)),
        created_at=at(at_minutes),
        actor_kind=actor or ("person" if agent else None),
        actor_id=agent,
        user_ids=tuple(users),
        channel=channel,
        actor_name=actor_name,
    )


_KINDS = {
    "trigger": "triggered",
    "assign": "assigned",
    "acknowledge": "acknowledged",
    "escalate": "escalated",
    "delegate": "delegated",
    "notify": "notified",
    "resolve": "resolved",
}


def channel(
    name: str, *, created: float = 5, id: str | None = None, archived: bool = False
) -> Channel:
    return Channel(
        id=id or f"C{abs(hash(name)) % 10**8:08d}",
        name=name,
        created=at(created),
        is_archived=archived,
    )


def message(
    room: Channel,
    at_minutes: float,
    *,
    user: str | None = "UHUMAN1",
    bot_id: str | None = None,
    bot_name: str | None = None,
    subtype: str | None = None,
    thread_ts: str | None = None,
) -> MessageMeta:
    """A message; its author kind follows from ``subtype`` and ``bot_id`` as the chat
    source's would (any subtype here is a system one: joins, topics...)."""
    moment = at(at_minutes)
    return MessageMeta(
        channel_id=room.id,
        ts=ts_of(moment),
        posted_at=moment,
        thread_ts=thread_ts,
        user=user,
        bot_id=bot_id,
        bot_name=bot_name,
        subtype=subtype,
        author_kind="system" if subtype else "bot" if bot_id else "person",
    )


def post(text: str, at_minutes: float, *, thread_ts: str | None = None) -> IncidentsPost:
    moment = at(at_minutes)
    ts = ts_of(moment)
    return IncidentsPost(
        channel_id=INCIDENTS_CHANNEL,
        ts=ts,
        posted_at=moment,
        text=text,
        thread_ts=thread_ts,
        user="UHUMAN1",
        permalink=f"{SLACK_BASE}/archives/{INCIDENTS_CHANNEL}/p{ts.replace('.', '')}",
    )


def summary_text(
    *,
    room: str = "incident-1234",
    status: str = "investigating",
    when: str = "2026-11-02 10:00 UTC",
    latest: str = "10:05 UTC",
    next_by: str | None = "10:35 UTC",
) -> str:
    """A complete summary post in the runbook's template (override a field to break it)."""
    lines = [
        "*Incident summary*",
        "What: checkout requests fail for some users",
        f"When: {when}",
        f"Status: {status}",
        "Service(s): Checkout API",
        "Brand(s): shop",
        "",
        f"*Latest update* ({latest})",
        f"Rolling back the 09:50 deploy; war room <#CROOM|{room}>.",
    ]
    if next_by is not None:
        lines += ["", f"*Next update by* {next_by}"]
    return "\n".join(lines)


def postmortem(
    path: str,
    text: str,
    *,
    landed: datetime,
    commit: str = "c0ffee" + "0" * 34,
) -> PostMortemFile:
    from opsaudit.sandbox.state import git_blob_sha

    return PostMortemFile(
        path=path,
        text=text,
        blob_sha=git_blob_sha(text),
        commit_sha=commit,
        landed_at=landed,
        landing_commit=commit,
    )


def issue(number: int, *, closed: datetime | None = None, repo: str = REPO) -> WorkItem:
    return WorkItem(
        repo=repo,
        number=number,
        state="closed" if closed else "open",
        html_url=f"https://github.com/{repo}/issues/{number}",
        closed_at=closed,
    )


def context(
    *,
    incidents: Iterable[Incident] = (),
    events: Iterable[IncidentEvent] = (),
    channels: Iterable[Channel] = (),
    messages: Iterable[MessageMeta] = (),
    posts: Iterable[IncidentsPost] = (),
    postmortems: Iterable[PostMortemFile] = (),
    issues: Iterable[WorkItem] = (),
    as_of: datetime | None = None,
    policy: dict[str, Any] | None = None,
    owner: bool = True,
    cto: bool = True,
    failed: Sequence[str] = (),
    window: Window = WINDOW,
) -> Context:
    """A context over these records as ``load_snapshot`` would give them: timed events
    after as-of are cut; every source ok unless listed in ``failed``."""
    moment = as_of or at(60 * 24 * 30)
    by_incident: dict[str, list[IncidentEvent]] = {}
    for e in sorted(events, key=lambda e: (e.created_at, e.id)):
        if e.created_at <= moment:
            by_incident.setdefault(e.incident_id, []).append(e)
    by_channel: dict[str, list[MessageMeta]] = {}
    for m in sorted(messages, key=lambda m: (m.posted_at, m.ts)):
        if m.posted_at <= moment:
            by_channel.setdefault(m.channel_id, []).append(m)
    posts = [p for p in posts if p.posted_at <= moment]
    snapshot = Snapshot(
        as_of=moment,
        sources={
            name: SourceStatus("failed" if name in failed else "ok")
            for name in ("pagerduty", "slack", "github")
        },
        services={SERVICE.id: SERVICE},
        users={u.id: u for u in (CTO, OWNER, PRIMARY, SECONDARY)},
        priorities=tuple(Priority(id=f"PRI_P{n}", name=f"P{n}", order=n) for n in range(1, 6)),
        incidents=tuple(sorted(incidents, key=lambda i: (i.created_at, i.number))),
        log_events={k: tuple(v) for k, v in by_incident.items()},
        channels=tuple(channels),
        messages={k: tuple(v) for k, v in by_channel.items()},
        incidents_posts=tuple(sorted(posts, key=lambda p: (p.posted_at, p.ts))),
        postmortems=tuple(sorted(postmortems, key=lambda f: f.path)),
        issues={(i.repo.lower(), i.number): i for i in issues},
    )
    service_owner = Person(pagerduty_id=OWNER.id) if owner else None
    settings = AuditSettings(
        window=window,
        cto=Person(pagerduty_id=CTO.id, email=CTO.email) if cto else None,
        services={SERVICE.name: ServiceInfo(brand="shop", owner=service_owner)},
        **SOURCE_LINKS,
    )
    built = build_policy(policy)
    return Context(
        snapshot=snapshot,
        policy=built,
        settings=settings,
        calendar=BusinessCalendar.from_policy(built),
    )


def run(rule: str, ctx: Context) -> list[Result]:
    """The results of one check, through the engine (sources and waivers applied)."""
    return evaluate(ctx, providers=providers(), checks=[CATALOGUE[rule]])


def only(rule: str, ctx: Context) -> Result:
    """The single result of one check (the test fails if there are more or none)."""
    results = run(rule, ctx)
    assert len(results) == 1, [r.message for r in results]
    return results[0]


def evaluate_all(ctx: Context, *, waivers: Sequence[Waiver] = ()) -> list[Result]:
    """The results of the whole catalogue, through the engine."""
    return evaluate(ctx, providers=providers(), waivers=waivers)


def run_of(
    ctx: Context,
    results: Iterable[Result] | None = None,
    *,
    sources: dict[str, SourceStatus] | None = None,
    run_id: int = 1,
    document: dict[str, Any] | None = None,
) -> AuditRun:
    """The audit run publishers read: ``results`` (by default the whole catalogue's)
    with the context's facts, as ``audit.evaluate_step`` builds it."""
    found = evaluate_all(ctx) if results is None else list(results)
    run = audit_run(ctx, found, specs=catalogue(), run_id=run_id, document=document or {})
    return replace(run, sources=sources) if sources is not None else run
