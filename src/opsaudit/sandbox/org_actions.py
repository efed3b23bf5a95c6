"""The Action items section of a generated post-mortem, with the GitHub issues it links.

An item whose due date has ended by ``now`` is always done (checked, Status done, or a
closed linked issue) unless ``action_item.overdue`` is planted on it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from opsaudit.sandbox.org_common import DOCS_REPO, GH_WEB, PLATFORM_REPO, end_of_day
from opsaudit.sandbox.org_github import IssueBook

TASKS = (
    "Add an alert on DLQ depth",
    "Document the rollback procedure",
    "Add a canary stage to production deploys",
    "Raise the connection pool limit",
    "Add a runbook entry for vendor timeouts",
    "Load-test the search cluster",
    "Add a dashboard panel for token introspection latency",
    "Rotate secrets automatically",
)


@dataclass
class ItemsSpec:
    """What to write: who may own items, when the file landed, and any planted fault."""

    handles: list[str]
    landed: datetime
    now: datetime
    table: bool
    fault: str | None  # postmortem.action_items | action_item.overdue | None
    variant: int


def action_items(rng: random.Random, book: IssueBook, spec: ItemsSpec) -> tuple[str, int | None]:
    """The section's Markdown body and the 1-based number of the planted overdue item."""
    count = rng.randint(2, 4)
    faulty = rng.randrange(count) if spec.fault else -1
    rows = ["| Action | Owner | Due | Status |", "|---|---|---|---|"] if spec.table else []
    for i in range(count):
        task = TASKS[(i + spec.variant * 3) % len(TASKS)]
        handle = rng.choice(spec.handles)
        due = spec.landed.date() + timedelta(days=rng.randint(3, 40))
        overdue = spec.fault == "action_item.overdue" and i == faulty
        if overdue:
            latest = (spec.now - timedelta(days=1)).date()
            room = (latest - spec.landed.date()).days
            due = spec.landed.date() + timedelta(days=rng.randint(1, room))
        done = not overdue and (end_of_day(due) <= spec.now or rng.random() < 0.3)
        link = _link(rng, book, spec, task, handle, done) if rng.random() < 0.5 else ""
        owner = f"@{handle}" if rng.random() < 0.7 or spec.table else f"owner: {handle}"
        due_text = due.isoformat()
        if spec.fault == "postmortem.action_items" and i == faulty:
            if spec.variant % 2 == 0:
                owner = ""
            else:
                due_text = ""
        if spec.table:
            status = (
                rng.choice(["done", "closed", "complete"])
                if done
                else rng.choice(["open", "in progress"])
            )
            rows.append(f"| {task}{' ' + link if link else ''} | {owner} | {due_text} | {status} |")
            continue
        box = "x" if done and (not link or rng.random() < 0.5) else " "
        parts = [p for p in (owner, f"due {due_text}" if due_text else "") if p]
        line = f"- [{box}] {task}" + (f" — {', '.join(parts)}" if parts else "")
        rows.append(line + (f" ({link})" if link else ""))
        if rng.random() < 0.15:
            rows.append("  - context: follow the dashboards linked in the timeline")
    return "\n".join(rows), (faulty + 1 if spec.fault == "action_item.overdue" else None)


def _link(
    rng: random.Random, book: IssueBook, spec: ItemsSpec, task: str, login: str, done: bool
) -> str:
    """A linked issue or pull request, closed exactly when the item is done by it."""
    span = int((spec.now - spec.landed).total_seconds())
    closed = spec.landed + timedelta(seconds=rng.randint(span // 10, span)) if done else None
    style = rng.randrange(4)
    repo = DOCS_REPO if style == 0 else PLATFORM_REPO
    number = book.new(
        repo, title=task, created=spec.landed, closed=closed, login=login, pr=style == 3 and done
    )
    if style == 0:
        return f"#{number}"
    if style == 2:
        return f"{GH_WEB}/{repo}/issues/{number}"
    return f"{repo}#{number}"
