"""``evaluate``: the catalogue's checks over one context, then the engine's rules.

1. A check's required policy keys (``CheckSpec.requires``) are checked here, in one
   place: when one is unset, every subject in the check's scope is ``unknown`` with one
   standard message, and the check judges none of them.
2. A result of a check that needs a capability whose source failed or is not configured
   becomes ``unknown``: stale or missing data never makes a violation (nor a pass).
3. A violation matched by a current waiver becomes ``waived``.
4. Evidence names the source that provides its capability (``providers``).

Results come back sorted by rule, then subject key, as the JSON contract wants.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace

from opsaudit.checks.catalogue import catalogue
from opsaudit.checks.context import Context
from opsaudit.checks.model import Result
from opsaudit.checks.spec import CheckSpec, is_unset, policy_value, unset_message
from opsaudit.config import Waiver
from opsaudit.records import Capability

Providers = Mapping[Capability, str]  # capability -> the source that provides it


def evaluate(
    context: Context,
    *,
    providers: Providers,
    waivers: Sequence[Waiver] = (),
    checks: Iterable[CheckSpec] | None = None,
) -> list[Result]:
    """Run the checks (the whole catalogue by default) and apply the engine's rules."""
    results: list[Result] = []
    for spec in checks if checks is not None else catalogue():
        missing = _missing_sources(context, spec, providers)
        for result in _judged(context, spec):
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
            results.append(_sourced(result, providers))
    return sorted(results, key=Result.sort_key)


def _judged(context: Context, spec: CheckSpec) -> Iterator[Result]:
    """The check's results, with ``unknown`` for the subjects the policy leaves unjudged."""
    if not spec.requires or spec.scope is None:
        yield from spec.function(context)
        return
    unjudged: set[str] = set()
    for item in spec.scope(context):
        gap = _unset_key(context, spec, severity=item.severity)
        if gap is not None:
            found = item.result(spec.id, "unknown", gap)
            unjudged.add(found.subject.key)
            yield found
    for result in spec.function(context):
        if result.subject.key not in unjudged:
            yield result


def _unset_key(context: Context, spec: CheckSpec, *, severity: str | None) -> str | None:
    """The standard message for the first required key the policy leaves unset."""
    for template, what in spec.requires.items():
        key = template.format(severity=severity)
        if is_unset(policy_value(context.policy, key)):
            return unset_message(key, what.format(severity=severity))
    return None


def _missing_sources(context: Context, spec: CheckSpec, providers: Providers) -> str | None:
    """Why the check's data cannot be trusted, or None when every source it needs is ok."""
    reasons = []
    names = dict.fromkeys(providers.get(need, need) for need in spec.needs)
    for name in names:
        status = context.snapshot.sources.get(name)
        if status is None or status.status == "not_configured":
            reasons.append(f"the {name} source is not configured")
        elif status.status == "failed":
            reasons.append(f"the {name} sync failed")
    return " and ".join(reasons) if reasons else None


def _sourced(result: Result, providers: Providers) -> Result:
    """The result with each evidence's capability replaced by its source's name."""
    if not result.evidence:
        return result
    names: dict[str, str] = {str(capability): name for capability, name in providers.items()}
    evidence = tuple(replace(e, source=names.get(e.source, e.source)) for e in result.evidence)
    return replace(result, evidence=evidence)


def _waive(result: Result, *, waivers: Sequence[Waiver], context: Context) -> Result:
    for waiver in waivers:
        if waiver.rule != result.rule or waiver.subject not in ("*", result.subject.key):
            continue
        if context.calendar.end_of_day(waiver.expires) < context.as_of:
            continue  # expired: ignored
        note = f"waived until {waiver.expires} by {waiver.approved_by} ({waiver.reason})"
        return result.with_status("waived", f"{result.message} [{note}]")
    return result
