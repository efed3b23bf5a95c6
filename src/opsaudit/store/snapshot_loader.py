"""The snapshot read from the store: the only place the checks' data comes from.

Events dated after the as-of time (log entries, messages, posts, commits, issue
closings) are left out, and the post-mortem folder is read as the default branch held
it then (``rules.md``, "As-of time"). Incident attributes are read as stored (as the
API gives them now).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from opsaudit.records import IncidentEvent, MessageMeta, WorkItem
from opsaudit.snapshot import PostMortemFile, Snapshot, SourceStatus
from opsaudit.store import repository as store


def load_snapshot(
    *,
    session: Session,
    as_of: datetime,
    sources: Mapping[str, SourceStatus],
    postmortem_folder: str | None,
    war_room_prefix: str,
) -> Snapshot:
    """Read everything the checks need from the store, cut at ``as_of``."""
    incidents = tuple(i for i in store.load_incidents(session=session) if i.created_at <= as_of)
    events: dict[str, list[IncidentEvent]] = defaultdict(list)
    for event in store.load_log_events(session=session, incident_ids=[i.id for i in incidents]):
        if event.created_at <= as_of:
            events[event.incident_id].append(event)
    channels = tuple(c for c in store.load_channels(session=session) if c.created <= as_of)
    rooms = [c.id for c in channels if c.name.startswith(war_room_prefix)]
    messages: dict[str, list[MessageMeta]] = defaultdict(list)
    for message in store.load_messages(session=session, channel_ids=rooms):
        if message.posted_at <= as_of:
            messages[message.channel_id].append(message)
    posts = tuple(
        sorted(
            (p for p in store.load_incidents_posts(session=session) if p.posted_at <= as_of),
            key=lambda p: (p.posted_at, p.ts),
        )
    )
    return Snapshot(
        as_of=as_of,
        sources=dict(sources),
        services={s.id: s for s in store.load_services(session=session)},
        users={u.id: u for u in store.load_users(session=session)},
        priorities=tuple(sorted(store.load_priorities(session=session), key=lambda p: p.order)),
        incidents=tuple(sorted(incidents, key=lambda i: (i.created_at, i.number))),
        log_events={
            k: tuple(sorted(v, key=lambda e: (e.created_at, e.id))) for k, v in events.items()
        },
        channels=tuple(sorted(channels, key=lambda c: (c.name, c.id))),
        messages={
            k: tuple(sorted(v, key=lambda m: (m.posted_at, m.ts))) for k, v in messages.items()
        },
        incidents_posts=posts,
        postmortems=_postmortems(session, as_of=as_of, folder=postmortem_folder),
        issues=_issues(session, as_of=as_of),
    )


def _postmortems(
    session: Session, *, as_of: datetime, folder: str | None
) -> tuple[PostMortemFile, ...]:
    if folder is None:
        return ()
    files = store.postmortem_files_at(session=session, as_of=as_of, folder=folder)
    landings = store.landing_times(session=session, as_of=as_of, folder=folder)
    texts = store.load_blobs(session=session, shas=(v.blob_sha for v in files))
    found = []
    for version in files:
        text = texts.get(version.blob_sha)
        landing = landings.get(version.path)
        if text is None or landing is None:
            continue  # not fetched yet: the file is unknown to this audit
        found.append(
            PostMortemFile(
                path=version.path,
                text=text,
                blob_sha=version.blob_sha,
                commit_sha=version.commit_sha,
                landed_at=landing[1],
                landing_commit=landing[0],
            )
        )
    return tuple(sorted(found, key=lambda f: f.path))


def _issues(session: Session, *, as_of: datetime) -> dict[tuple[str, int], WorkItem]:
    """Issue states at as-of: one closed after as-of was still open then."""
    states = {}
    for issue in store.load_work_items(session=session):
        if issue.closed_at is not None and issue.closed_at > as_of:
            issue = replace(issue, state="open", closed_at=None, merged_at=None)
        elif issue.merged_at is not None and issue.merged_at > as_of:
            issue = replace(issue, merged_at=None)
        states[(issue.repo.lower(), issue.number)] = issue
    return states
