"""Builders for the digest tests (no tests here): hand-made runs and limit checks."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from check_builders import PD_WEB, T0, context, evaluate_all, incident, postmortem, run_of
from opsaudit.auditrun import AuditRun
from opsaudit.checks.context import Context
from opsaudit.checks.model import Evidence, Result, Status, Subject
from opsaudit.publish.digest_layout import text_size
from opsaudit.sandbox.slack_chat import block_problems

AS_OF = T0 + timedelta(days=10)
TITLES = {"warroom.opened": "A Sev1 gets a war room", "response.ack": "Acknowledged in time"}
PM_PATH = "docs/incidents/2026-11-02-checkout-5xx.md"


def result(
    n: int,
    *,
    rule: str = "warroom.opened",
    status: Status = "violation",
    title: str | None = None,
    message: str | None = None,
    service: str | None = "Checkout API",
    url: str | None = None,
    deadline: datetime | None = None,
    kind: str = "incident",
    key: str | None = None,
) -> Result:
    """A result about incident ``QINC<n>`` (``#n``), or another subject kind."""
    subject = Subject(
        kind=kind,  # type: ignore[arg-type]
        key=key or f"QINC{n:04d}",
        number=n if kind == "incident" else None,
        title=title if title is not None else f"Incident {n}",
        url=url if url is not None else f"{PD_WEB}/incidents/QINC{n:04d}",
    )
    return Result(
        rule=rule,
        status=status,
        subject=subject,
        message=message or f"War room opened {n} min late.",
        severity="Sev1",
        service=service,
        deadline=deadline,
        evidence=(Evidence("slack", f"C1/{n}.000100", f"https://acme.slack.com/archives/C1/p{n}"),),
    )


def outcome(results: Iterable[Result], *, ctx: Context | None = None) -> AuditRun:
    """An audit run of these results over a small context (one incident ``QINC0001``
    of the Checkout API, owned by owner@example.com, and a post-mortem linking it).

    Hand-made results get the owners the checks give their subject in that context
    (none for a subject the context does not have)."""
    if ctx is None:
        ctx = small_context()
    judged = {r.subject.key: r for r in evaluate_all(ctx)}
    owned = [
        replace(r, owners=judged[key].owners, owner=judged[key].owner)
        if (key := r.subject.key) in judged
        else r
        for r in results
    ]
    return run_of(ctx, owned, run_id=0)


def small_context(*, as_of: datetime = AS_OF, **kwargs: Any) -> Context:
    text = (
        "# Post-mortem: Checkout 5xx\n\n"
        f"Incident: {PD_WEB}/incidents/QINC0001\n\n"
        "## Action items\n\n"
        "- [ ] Add a canary, owner: dana@example.com, due 2026-11-10\n"
        "- [ ] Fix alerts @zed due 2026-11-11\n"
    )
    file = postmortem(PM_PATH, text, landed=T0 + timedelta(days=1))
    return context(
        incidents=[incident(id="QINC0001", number=1, resolved=60)],
        postmortems=[file],
        as_of=as_of,
        **kwargs,
    )


def all_text(blocks: Sequence[dict[str, Any]]) -> str:
    """Every text of a message's blocks, one per line."""
    found: list[str] = []
    for block in blocks:
        text = block.get("text")
        if isinstance(text, dict):
            found.append(str(text["text"]))
        found.extend(str(e["text"]) for e in block.get("elements", []))
    return "\n".join(found)


def within_limits(blocks: list[dict[str, Any]]) -> bool:
    """What the sandbox checks, plus well below ~12,000 characters and serialisable."""
    json.dumps(blocks)
    return block_problems(blocks) == [] and len(blocks) <= 50 and text_size(blocks) < 10_000


def angle_tokens(text: str) -> list[str]:
    """Every ``<...>`` in mrkdwn text: links, mentions, special mentions."""
    return re.findall(r"<([^>]*)>", text)
