"""Shared pieces of the organisation generator: ids, people, services, plans, calendar.

The generator first decides every incident's story as a :class:`Plan` (times, people,
planted fault); the vendor modules (``org_pagerduty``, ``org_slack``, ``org_postmortems``,
``org_github``) then render the same plans in each vendor's shape, so the three sources
always tell one consistent story.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from opsaudit.sandbox.state import JSON

PD_API = "https://api.pagerduty.com"
PD_WEB = "https://sandbox.pagerduty.com"
GH_API = "https://api.github.com"
GH_WEB = "https://github.com"
DOCS_REPO = "acme/ops-docs"
PLATFORM_REPO = "acme/platform"
PM_DIR = "docs/incidents"
MIN = timedelta(minutes=1)

_UPPER_ALNUM = string.ascii_uppercase + string.digits


class Ids:
    """Unique, rng-derived vendor ids (no uuid4: the same seed gives the same ids)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._seen: set[str] = set()

    def make(self, prefix: str, length: int) -> str:
        """A fresh id: ``prefix`` followed by ``length`` uppercase letters and digits."""
        while True:
            number = self.rng.getrandbits(6 * length)
            chars = []
            for _ in range(length):  # base 36, cheaper than rng.choices at 100k incidents
                number, digit = divmod(number, 36)
                chars.append(_UPPER_ALNUM[digit])
            value = prefix + "".join(chars)
            if value not in self._seen:
                self._seen.add(value)
                return value

    def pd(self) -> str:
        """A PagerDuty object id such as ``PABC123``."""
        return self.make("P", 6)

    def incident(self) -> str:
        """A PagerDuty incident id such as ``Q1ABCDEFGHIJKL``."""
        return self.make("Q", 13)

    def log_entry(self) -> str:
        """A PagerDuty log-entry id (14 characters, like the API's)."""
        return self.make("R", 13)


@dataclass(frozen=True)
class Person:
    """Someone present in PagerDuty and Slack alike."""

    pd_id: str
    slack_id: str
    name: str
    handle: str
    email: str
    title: str
    team: int  # index into the teams list

    def ref(self) -> JSON:
        """The PagerDuty ``user_reference`` of this person (one shared, read-only dict)."""
        return _cached_ref("user", self.pd_id, self.name)


@dataclass(frozen=True)
class Svc:
    """A PagerDuty service with the brand and owner the configuration gives it."""

    pd_id: str
    name: str
    brand: str
    team: int
    owner: Person | None
    policy_id: str

    def ref(self) -> JSON:
        """The PagerDuty ``service_reference`` of this service (one shared, read-only dict)."""
        return _cached_ref("service", self.pd_id, self.name)


@dataclass(frozen=True)
class Step:
    """A timed PagerDuty event after the trigger: an escalation, a notification, a note."""

    at: datetime
    kind: str  # escalate | assign | delegate | responder | repeat | notify | annotate | unack
    who: tuple[Person, ...] = ()
    note: str = ""


@dataclass
class Plan:
    """One incident's whole story, decided before any vendor JSON is written."""

    id: str
    title: str
    short: str  # post-mortem short name
    service: Svc
    kind: str  # normal | drill | merged | noprio
    sev: int | None
    created: datetime
    primary: Person
    secondary: Person
    priority: JSON | None = None
    number: int = 0
    duration: timedelta | None = None  # None: still open at ``now``
    ack_after: timedelta | None = None
    steps: list[Step] = field(default_factory=list)
    fault: str | None = None  # planted incident-level rule id
    pm_fault: str | None = None  # planted post-mortem-level rule id
    variant: int = 0  # picks how a fault (or a compliant detail) is rendered
    merged_into: Plan | None = None
    warroom_id: str | None = None  # Slack channel id of the war room, once made
    pd_case: str | None = None  # a real-world PagerDuty case (org_pagerduty_cases.CASES)

    @property
    def resolved(self) -> datetime | None:
        """The resolution time, or None while open."""
        return None if self.duration is None else self.created + self.duration

    @property
    def url(self) -> str:
        """The incident's web page."""
        return f"{PD_WEB}/incidents/{self.id}"

    def ref(self) -> JSON:
        """The PagerDuty ``incident_reference`` of this incident."""
        ref = pd_ref("incident", self.id, f"[#{self.number}] {self.title}")
        ref["html_url"] = self.url
        return ref


def pd_ref(kind: str, obj_id: str, summary: str) -> JSON:
    """A PagerDuty reference object (``<kind>_reference``)."""
    path = {"service": "service-directory"}.get(kind, f"{kind}s")
    return {
        "id": obj_id,
        "type": f"{kind}_reference",
        "summary": summary,
        "self": f"{PD_API}/{kind}s/{obj_id}",
        "html_url": f"{PD_WEB}/{path}/{obj_id}",
    }


_REFS: dict[tuple[str, str, str], JSON] = {}


def _cached_ref(kind: str, obj_id: str, summary: str) -> JSON:
    # hundreds of thousands of log entries point at the same few users and services
    key = (kind, obj_id, summary)
    if key not in _REFS:
        _REFS[key] = pd_ref(kind, obj_id, summary)
    return _REFS[key]


def reset_ref_cache() -> None:
    """Start a new world: its references are shared within it, never with an earlier one."""
    _REFS.clear()


def floor_minute(moment: datetime) -> datetime:
    """The moment with seconds and microseconds dropped."""
    return moment.replace(second=0, microsecond=0)


def minutes(rng: random.Random, low: float, high: float) -> timedelta:
    """A random whole-second duration between ``low`` and ``high`` minutes."""
    return timedelta(seconds=rng.randint(int(low * 60), int(high * 60)))


def business_day_after(day: date, n: int) -> date:
    """The ``n``-th Monday-to-Friday day after ``day`` (no holidays: the default policy)."""
    current = day
    while n > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            n -= 1
    return current


def end_of_day(day: date) -> datetime:
    """The last instant of a UTC day."""
    return datetime.combine(day, time(23, 59, 59, 999999), tzinfo=UTC)


def postmortem_due(resolved: datetime) -> datetime:
    """The post-mortem deadline: the end of the 5th business day after the resolution."""
    return end_of_day(business_day_after(resolved.date(), 5))


def gh_time(moment: datetime) -> str:
    """A GitHub API timestamp (seconds precision, ``Z``)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Planted:
    """A violation the generator planted on purpose."""

    rule: str  # a check id from rules.md, e.g. "warroom.opened"
    subject: str  # incident id, post-mortem path, or "<path>#<n>"
    note: str  # what was planted, one line
