"""``evaluate``: every registered check over one context, then the engine's two rules.

1. A result of a check that needs a source which failed or is not configured becomes
   ``unknown``: stale or missing data never makes a violation (nor a pass).
2. A violation matched by a current waiver becomes ``waived``.

Results come back sorted by rule, then subject key, as the JSON contract wants.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from opsaudit.checks.context import Context
from opsaudit.checks.model import Result
from opsaudit.checks.registry import CheckSpec, catalogue
from opsaudit.config import Waiver


def evaluate(
    context: Context, *, waivers: Sequence[Waiver] = (), checks: Iterable[CheckSpec] | None = None
) -> list[Result]:
    """Run the checks (all registered ones by default) and apply sources and waivers."""
    results: list[Result] = []
    for spec in checks if checks is not None else catalogue():
        missing = _missing_sources(context, spec)
        for result in spec.function(context):
            if missing:
                result = replace(
                    result,
                    status="unknown",
                    message=f"Cannot be judged: {missing}.",
                    observed=None,
                    evidence=(),
                )
            elif result.status == "violation":
                result = _waive(result, waivers=waivers, context=context)
            results.append(result)
    return sorted(results, key=Result.sort_key)


def _missing_sources(context: Context, spec: CheckSpec) -> str | None:
    """Why the check's data cannot be trusted, or None when every source it needs is ok."""
    reasons = []
    for name in spec.needs:
        status = context.snapshot.sources.get(name)
        if status is None or status.status == "not_configured":
            reasons.append(f"the {name} source is not configured")
        elif status.status == "failed":
            reasons.append(f"the {name} sync failed")
    return " and ".join(reasons) if reasons else None


def _waive(result: Result, *, waivers: Sequence[Waiver], context: Context) -> Result:
    for waiver in waivers:
        if waiver.rule != result.rule or waiver.subject not in ("*", result.subject.key):
            continue
        if context.calendar.end_of_day(waiver.expires) < context.as_of:
            continue  # expired: ignored
        note = f"waived until {waiver.expires} by {waiver.approved_by} ({waiver.reason})"
        return result.with_status("waived", f"{result.message} [{note}]")
    return result
