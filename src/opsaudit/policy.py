"""The audit policy: every threshold, list and pattern of ``rules.md``, with its defaults.

A configuration's ``policy:`` mapping merges key by key into :data:`DEFAULT_POLICY`
(a key set to null removes it); lists and single values replace. The merged mapping is
then validated into :class:`Policy`. A value the policy lacks is ``None``: the checks
that need it answer ``unknown`` rather than guess.
"""

from __future__ import annotations

import copy
import re
from datetime import date, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

Severity = Literal["Sev1", "Sev2", "Sev3", "Sev4"]
NEXT_BUSINESS_DAY = "next_business_day"

_DURATION = re.compile(r"^\s*(\d+)\s*([mhd])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def parse_duration(value: object) -> timedelta:
    """``15m``, ``4h`` or ``2d`` as a timedelta; anything else is a ValueError."""
    if isinstance(value, timedelta):
        return value
    match = _DURATION.match(str(value)) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"{value!r} is not a duration like 15m, 4h or 2d")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def _duration_or_next_business_day(value: object) -> timedelta | str:
    if value == NEXT_BUSINESS_DAY:
        return NEXT_BUSINESS_DAY
    return parse_duration(value)


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
ResponseTime = Annotated[timedelta | str, BeforeValidator(_duration_or_next_business_day)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Holidays(_Strict):
    country: str | None = None
    subdivision: str | None = None
    dates: tuple[date, ...] = ()


class Exclude(_Strict):
    title_contains: tuple[str, ...] = ()
    services: tuple[str, ...] = ()


class Escalation(_Strict):
    severities: tuple[Severity, ...] = ()
    secondary_within: Duration | None = None
    leadership_within: Duration | None = None


class WarRoom(_Strict):
    severities: tuple[Severity, ...] = ()
    prefix: str | None = None
    open_within: Duration | None = None
    update_every: Duration | None = None
    update_bots: tuple[str, ...] = ()


class CommsInitial(_Strict):
    severities: tuple[Severity, ...] = ()
    within: Duration | None = None


class CommsTemplate(_Strict):
    severities: tuple[Severity, ...] = ()


class Comms(_Strict):
    initial: CommsInitial = CommsInitial()
    template: CommsTemplate = CommsTemplate()
    statuses: tuple[str, ...] = ()


class PostMortemPolicy(_Strict):
    severities: tuple[Severity, ...] = ()
    due_business_days: int | None = Field(default=None, ge=0)
    sections: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    placeholders: tuple[str, ...] = ()
    # larger files are not parsed (content checks unknown); removed, the default applies
    max_bytes: int | None = Field(default=None, gt=0)
    blame_lexicon: tuple[str, ...] = ()


class Policy(_Strict):
    """The merged, validated policy. ``None`` marks a value removed by the configuration."""

    timezone: str | None = None
    lookback_days: int | None = Field(default=None, gt=0)
    due_soon_days: int | None = Field(default=None, ge=0)
    holidays: Holidays = Holidays()
    severity_map: dict[str, Severity] = Field(default_factory=dict)
    exclude: Exclude = Exclude()
    ticket_id: Literal["{incident_number}", "{incident_id}"] | None = None
    response: dict[Severity, ResponseTime] = Field(default_factory=dict)
    escalation: Escalation = Escalation()
    warroom: WarRoom = WarRoom()
    comms: Comms = Comms()
    postmortem: PostMortemPolicy = PostMortemPolicy()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


DEFAULT_POLICY: dict[str, Any] = {
    "timezone": "UTC",
    "lookback_days": 90,
    "due_soon_days": 7,
    "holidays": {"country": None, "subdivision": None, "dates": []},
    "severity_map": {"P1": "Sev1", "P2": "Sev2", "P3": "Sev3", "P4": "Sev4", "P5": "Sev4"},
    "exclude": {"title_contains": ["[DRILL]", "[TEST]", "[MAINTENANCE]"], "services": []},
    "ticket_id": "{incident_number}",
    "response": {"Sev1": "15m", "Sev2": "30m", "Sev3": "4h", "Sev4": NEXT_BUSINESS_DAY},
    "escalation": {
        "severities": ["Sev1", "Sev2"],
        "secondary_within": "30m",
        "leadership_within": "60m",
    },
    "warroom": {
        "severities": ["Sev1"],
        "prefix": "incident-",
        "open_within": "15m",
        "update_every": "15m",
        "update_bots": [],
    },
    "comms": {
        "initial": {"severities": ["Sev1"], "within": "15m"},
        "template": {"severities": ["Sev1", "Sev2"]},
        "statuses": ["investigating", "identified", "mitigating", "resolved"],
    },
    "postmortem": {
        "severities": ["Sev1", "Sev2"],
        "due_business_days": 5,
        "sections": {
            "Timeline": ["Timeline"],
            "Root cause": ["Root cause", "Root causes", "Root cause analysis"],
            "What worked / what didn't": [
                "What worked / what didn't",
                "What went well / what didn't",
                "What went well and what didn't",
            ],
            "Action items": ["Action items", "Follow-ups", "Follow-up actions"],
            "Customer-facing communication summary": [
                "Customer-facing communication summary",
                "Customer communication",
                "Customer-facing communication",
            ],
            "Blameless framing": ["Blameless framing", "Blameless statement"],
        },
        "placeholders": ["TBD", "TODO", "N/A", "-", "…", "..."],
        "max_bytes": 1_048_576,
        "blame_lexicon": [
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
        ],
    },
}


def merge_policy(overrides: dict[str, Any] | None) -> dict[str, Any]:
    """The defaults with ``overrides`` merged in: mappings key by key, null removes."""
    return _merge(copy.deepcopy(DEFAULT_POLICY), overrides or {})


def _merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    for key, value in overrides.items():
        if value is None:
            base.pop(key, None)
        elif isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = _merge(base[key], value)
        else:
            base[key] = value
    return base


def build_policy(overrides: dict[str, Any] | None = None) -> Policy:
    """Merge ``overrides`` into the defaults and validate (pydantic ValidationError if bad)."""
    return Policy.model_validate(merge_policy(overrides))


def ticket_kind(policy: Policy) -> Literal["id", "number"]:
    """What the policy's ``ticket_id`` names an incident by: its PagerDuty id or number."""
    return "id" if policy.ticket_id == "{incident_id}" else "number"


def ticket_of(policy: Policy, *, incident_id: str, number: int) -> str:
    """The ticket id a war room is named after (``incident-<ticket-id>``)."""
    return incident_id if ticket_kind(policy) == "id" else str(number)
