"""Results as publishers need them: the subject's severity, service and brand, and who
owns it.

Owners are e-mail addresses (lower case, first seen first, no repeats): an incident's is
its service's owner; a post-mortem's are the owners of the services of the incidents it
links to; an action item's are those plus its own owner when written as an address. The
action item's owner as written is kept too (``Result.owner``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from opsaudit.checks.model import Evidence, Result, Status, Subject

if TYPE_CHECKING:
    from opsaudit.checks.views import IncidentView, PostMortemView

_EMAIL = re.compile(r"[^@\s<>()\[\],;:\"']+@[^@\s<>()\[\],;:\"']+\.[A-Za-z]{2,}")


def incident_result(
    view: IncidentView,
    rule: str,
    status: Status,
    message: str,
    *,
    deadline: datetime | None = None,
    observed: datetime | None = None,
    evidence: tuple[Evidence, ...] = (),
) -> Result:
    """A result about an audited incident."""
    return Result(
        rule=rule,
        status=status,
        subject=view.subject,
        message=message,
        severity=view.severity,
        service=view.service_name,
        brand=view.brand,
        deadline=deadline,
        observed=observed,
        evidence=evidence,
        owners=view.owners,
    )


def postmortem_result(
    view: PostMortemView,
    rule: str,
    status: Status,
    message: str,
    *,
    deadline: datetime | None = None,
    observed: datetime | None = None,
    evidence: tuple[Evidence, ...] = (),
) -> Result:
    """A result about a post-mortem, with the severity, service and brand of the first
    incident it links to."""
    first = view.first
    return Result(
        rule=rule,
        status=status,
        subject=view.subject,
        message=message,
        severity=first.severity if first else None,
        service=first.service_name if first else None,
        brand=first.brand if first else None,
        deadline=deadline,
        observed=observed,
        evidence=evidence,
        owners=view.owners,
    )


def action_item_result(
    view: PostMortemView,
    rule: str,
    status: Status,
    message: str,
    *,
    subject: Subject,
    owner: str | None,
    deadline: datetime | None = None,
    evidence: tuple[Evidence, ...] = (),
) -> Result:
    """A result about one action item of a post-mortem, owned by the post-mortem's owners
    and by the item's own owner when it is written as an e-mail address."""
    found = postmortem_result(view, rule, status, message, deadline=deadline, evidence=evidence)
    return Result(
        rule=found.rule,
        status=found.status,
        subject=subject,
        message=found.message,
        severity=found.severity,
        service=found.service,
        brand=found.brand,
        deadline=found.deadline,
        observed=found.observed,
        evidence=found.evidence,
        owners=unique([*view.owners, email_in(owner)]),
        owner=owner,
    )


def email_in(text: str | None) -> str | None:
    """The first e-mail address written in ``text`` (lower case), if any."""
    match = _EMAIL.search(text or "")
    return match.group(0).lower() if match else None


def unique(found: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(e for e in found if e))
