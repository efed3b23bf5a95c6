"""What a check is: a :class:`CheckSpec`, made by decorating a pure function with :func:`check`.

The decorator carries everything the rest of the program asks about a rule: its id
(exactly as in ``rules.md``), a title rendered from the policy, the kind of subject it
judges, the report area it belongs to (``group``), whether it is a deadline, the runbook
line it enforces, the capabilities whose data it reads (``needs``), the policy keys it
uses, and the keys it cannot judge without (``requires``: the engine answers ``unknown``
with one standard message for every subject in ``scope`` when one is unset). The
function's docstring is its long description (``opsaudit rules`` prints it).

A module defines its checks as module-level names; :mod:`opsaudit.checks.catalogue`
collects them. Nothing is registered as a side effect of importing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal, Protocol

from opsaudit.checks.model import Result, Status, SubjectKind, minutes
from opsaudit.policy import Policy
from opsaudit.records import CAPABILITIES, Capability

if TYPE_CHECKING:
    from opsaudit.checks.context import Context

# The report's areas, in the order of a response: the glance columns follow it.
Group = Literal[
    "incident", "response", "escalation", "warroom", "comms", "postmortem", "action_item"
]
GROUPS: tuple[Group, ...] = (
    "incident",
    "response",
    "escalation",
    "warroom",
    "comms",
    "postmortem",
    "action_item",
)
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\}")


class Scoped(Protocol):
    """A subject in a check's scope, as the engine needs it to answer ``unknown``."""

    @property
    def severity(self) -> str | None: ...

    def result(self, rule: str, status: Status, message: str) -> Result: ...


CheckFunction = Callable[["Context"], Iterable[Result]]
ScopeFunction = Callable[["Context"], Iterable[Scoped]]


@dataclass(frozen=True)
class CheckSpec:
    """One check of the catalogue; calling it runs its function over a context."""

    id: str
    title_template: str  # ``{dotted.policy.key}`` placeholders, see :func:`render_title`
    subject: SubjectKind
    group: Group
    runbook: str
    needs: tuple[Capability, ...]
    policy_keys: tuple[str, ...]
    function: CheckFunction
    deadline: bool = False
    # required policy key (``{severity}`` is the subject's) -> what it is, for the message
    requires: Mapping[str, str] = field(default_factory=dict)
    scope: ScopeFunction | None = None

    def __call__(self, ctx: Context) -> Iterable[Result]:
        return self.function(ctx)

    @property
    def title(self) -> str:
        """The title with the default policy's values."""
        from opsaudit.policy import build_policy

        return self.title_for(build_policy())

    def title_for(self, policy: Policy) -> str:
        return render_title(self.title_template, policy)

    @property
    def description(self) -> str:
        doc = self.function.__doc__ or ""
        return "\n".join(line.strip() for line in doc.strip().splitlines())


def check(
    id: str,
    *,
    title: str,
    subject: SubjectKind,
    group: Group,
    runbook: str,
    needs: tuple[Capability, ...],
    policy: tuple[str, ...] = (),
    deadline: bool = False,
    requires: Mapping[str, str] | None = None,
    scope: ScopeFunction | None = None,
) -> Callable[[CheckFunction], CheckSpec]:
    """Make the decorated function check ``id``: the module's name for it becomes the
    :class:`CheckSpec` the catalogue collects. ``requires`` needs a ``scope``."""
    if requires and scope is None:
        raise ValueError(f"check {id!r}: required policy keys need a scope")
    unknown = set(needs) - set(CAPABILITIES)
    if unknown:
        raise ValueError(f"check {id!r}: unknown capabilities {sorted(unknown)}")

    def make(function: CheckFunction) -> CheckSpec:
        return CheckSpec(
            id=id,
            title_template=title,
            subject=subject,
            group=group,
            runbook=runbook,
            needs=needs,
            policy_keys=policy,
            function=function,
            deadline=deadline,
            requires=dict(requires or {}),
            scope=scope,
        )

    return make


def policy_value(policy: Policy, dotted: str) -> Any:
    """The value at a dotted policy key (``warroom.open_within``), or None if removed."""
    value: Any = policy
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
        if value is None:
            return None
    return value


def is_unset(value: Any) -> bool:
    """A policy value a check cannot judge by: removed (None) or an empty list."""
    return value is None or (isinstance(value, tuple | list | dict | str) and not value)


def unset_message(key: str, what: str) -> str:
    """The one message of a result the policy leaves unjudged."""
    return f"No {what} (policy {key})"


def show(value: Any) -> str:
    """A policy value as it is written in the configuration (``15m``, ``[Sev1, Sev2]``)."""
    if value is None:
        return "(not set)"
    if isinstance(value, timedelta):
        total = int(value.total_seconds() // 60)
        if total % (24 * 60) == 0:
            return f"{total // (24 * 60)}d"
        return f"{total // 60}h" if total % 60 == 0 else f"{total}m"
    if isinstance(value, tuple | list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {show(v)}" for k, v in value.items()) + "}"
    return str(value)


def render_title(template: str, policy: Policy) -> str:
    """``{warroom.open_within}`` replaced by the policy's value as messages write it:
    durations like ``15 min``, severities joined like ``Sev1/Sev2``."""

    def value(match: re.Match[str]) -> str:
        found = policy_value(policy, match.group(1))
        if isinstance(found, timedelta):
            return minutes(found.total_seconds())
        if isinstance(found, tuple | list) and all(isinstance(v, str) for v in found):
            return "/".join(found) if found else "(none)"
        return show(found)

    return _PLACEHOLDER.sub(value, template)
