"""The catalogue: every check registered once, by its ``rules.md`` id.

A check is a small pure function decorated with :func:`check`: the decorator carries
the id, a one-line title, the subject kind, the runbook line it enforces, the sources
whose data it reads and the policy keys it uses; its docstring is its long description
(``opsaudit rules`` prints both).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from opsaudit.checks.model import Result, SourceName, SubjectKind

if TYPE_CHECKING:
    from opsaudit.checks.context import Context

CheckFunction = Callable[["Context"], Iterable[Result]]


@dataclass(frozen=True)
class CheckSpec:
    id: str
    title: str
    subject: SubjectKind
    runbook: str
    needs: tuple[SourceName, ...]
    policy_keys: tuple[str, ...]
    function: CheckFunction

    @property
    def description(self) -> str:
        doc = self.function.__doc__ or ""
        return "\n".join(line.strip() for line in doc.strip().splitlines())


REGISTRY: dict[str, CheckSpec] = {}


def check(
    id: str,
    *,
    title: str,
    subject: SubjectKind,
    runbook: str,
    needs: tuple[SourceName, ...],
    policy: tuple[str, ...] = (),
) -> Callable[[CheckFunction], CheckFunction]:
    """Register the decorated function as check ``id`` (once: a second one is an error)."""

    def register(function: CheckFunction) -> CheckFunction:
        if id in REGISTRY:
            raise ValueError(f"check {id!r} is registered twice")
        REGISTRY[id] = CheckSpec(id, title, subject, runbook, needs, policy, function)
        return function

    return register


def catalogue() -> list[CheckSpec]:
    """Every registered check, sorted by id (importing the check modules first)."""
    import opsaudit.checks.all  # noqa: F401  -- registers every check module

    return [REGISTRY[key] for key in sorted(REGISTRY)]
