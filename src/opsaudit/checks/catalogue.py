"""The catalogue: every check, built from an explicit tuple of check modules.

Each module defines its checks as module-level :class:`CheckSpec` names (the ``@check``
decorator makes them), so a new check in an existing module needs no other edit; a new
module is one more line in :data:`MODULES`. A check defined elsewhere (a plug-in, a
test) is added for a while with :meth:`Catalogue.installed`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from types import ModuleType

from opsaudit.checks import (
    action_items,
    comms,
    escalation,
    postmortem,
    postmortem_content,
    postmortem_file,
    response,
    warroom,
)
from opsaudit.checks.spec import CheckSpec

MODULES: tuple[ModuleType, ...] = (
    response,
    escalation,
    warroom,
    comms,
    postmortem,
    postmortem_file,
    postmortem_content,
    action_items,
)


class Catalogue:
    """Checks by id: those of some modules, plus those installed for a while."""

    def __init__(self, specs: Iterable[CheckSpec] = ()) -> None:
        self._specs: dict[str, CheckSpec] = {}
        for spec in specs:
            self._add(spec)

    @classmethod
    def of_modules(cls, modules: Iterable[ModuleType]) -> Catalogue:
        """The checks each module defines (its module-level ``CheckSpec`` names)."""
        return cls(
            value
            for module in modules
            for value in vars(module).values()
            if isinstance(value, CheckSpec)
        )

    def _add(self, spec: CheckSpec) -> None:
        if spec.id in self._specs and self._specs[spec.id] is not spec:
            raise ValueError(f"check {spec.id!r} is defined twice")
        self._specs[spec.id] = spec

    def specs(self) -> list[CheckSpec]:
        """Every check, sorted by id."""
        return [self._specs[key] for key in sorted(self._specs)]

    def __getitem__(self, rule: str) -> CheckSpec:
        return self._specs[rule]

    def __contains__(self, rule: object) -> bool:
        return rule in self._specs

    @contextmanager
    def installed(self, *specs: CheckSpec) -> Iterator[Catalogue]:
        """Add ``specs`` while the ``with`` block runs (an id already there is an error)."""
        for spec in specs:
            if spec.id in self._specs:
                raise ValueError(f"check {spec.id!r} is in the catalogue already")
        for spec in specs:
            self._add(spec)
        try:
            yield self
        finally:
            for spec in specs:
                self._specs.pop(spec.id, None)


CATALOGUE = Catalogue.of_modules(MODULES)


def catalogue() -> list[CheckSpec]:
    """Every check of the default catalogue (with any installed ones), sorted by id."""
    return CATALOGUE.specs()


def installed(*specs: CheckSpec) -> AbstractContextManager[Catalogue]:
    """``with installed(spec): ...``: the default catalogue with ``specs`` for a while."""
    return CATALOGUE.installed(*specs)
