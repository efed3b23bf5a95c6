"""What a check says: one :class:`Result` per (check, subject), with its evidence.

These are the objects of ``interface.md``'s JSON results; ``as_json`` gives exactly that
shape. Every result carries a one-sentence message, even a pass.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

Status = Literal["pass", "violation", "pending", "waived", "unknown"]
SubjectKind = Literal["incident", "postmortem", "action_item"]
STATUSES: tuple[Status, ...] = ("pass", "violation", "pending", "waived", "unknown")


@dataclass(frozen=True)
class Subject:
    """What a result is about: an incident (key: its PagerDuty id), a post-mortem (key:
    its path) or an action item (key: ``<path>#<n>``)."""

    kind: SubjectKind
    key: str
    number: int | None = None
    title: str | None = None
    url: str | None = None

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "key": self.key}
        if self.number is not None:
            data["number"] = self.number
        if self.title is not None:
            data["title"] = self.title
        if self.url is not None:
            data["url"] = self.url
        return data


@dataclass(frozen=True)
class Evidence:
    """A pointer into a source: a log entry id, a Slack ``channel/ts``, a file and line.

    Checks name the capability that holds it (``incidents``, ``chat``, ``documents``,
    ``tracker``); the engine writes the source that provides it (``pagerduty``...)."""

    source: str
    ref: str
    url: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"source": self.source, "ref": self.ref, "url": self.url}


@dataclass(frozen=True)
class Result:
    """One check's verdict on one subject. ``owners`` and ``owner`` are for publishers
    (who to tell; an action item's owner as written) and are not in the JSON."""

    rule: str
    status: Status
    subject: Subject
    message: str
    severity: str | None = None
    service: str | None = None
    brand: str | None = None
    deadline: datetime | None = None
    observed: datetime | None = None
    evidence: tuple[Evidence, ...] = ()
    owners: tuple[str, ...] = ()  # e-mail addresses, lower case
    owner: str | None = None  # an action item's owner, as written

    def with_status(self, status: Status, message: str) -> Result:
        """The same result with another status and message (waivers, failed sources)."""
        return replace(self, status=status, message=message)

    def sort_key(self) -> tuple[str, str]:
        return (self.rule, self.subject.key)

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "status": self.status,
            "subject": self.subject.as_json(),
            "severity": self.severity,
            "service": self.service,
            "brand": self.brand,
            "deadline": zulu(self.deadline),
            "observed": zulu(self.observed),
            "message": self.message,
            "evidence": [e.as_json() for e in self.evidence],
        }


def zulu(moment: datetime | None) -> str | None:
    """UTC ISO-8601 with ``Z``; whole seconds unless the instant has a fraction."""
    if moment is None:
        return None
    text = moment.astimezone(UTC).isoformat()
    return text.replace("+00:00", "Z")


def minutes(seconds: float) -> str:
    """A duration for a message: ``22 min``, ``3 h 05 min``, ``2 d 4 h``."""
    total = int(seconds // 60)
    if total < 120:
        return f"{total} min"
    hours, mins = divmod(total, 60)
    if hours < 48:
        return f"{hours} h {mins:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"
