"""``opsaudit rules``: every check with its title, runbook line, sources, policy values
and description."""

from __future__ import annotations

import textwrap
from datetime import timedelta
from typing import Any

from opsaudit.checks.registry import catalogue
from opsaudit.policy import Policy, build_policy


def policy_value(policy: Policy, dotted: str) -> Any:
    """The value at a dotted policy key (``warroom.open_within``), or None if removed."""
    value: Any = policy
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
        if value is None:
            return None
    return value


def show(value: Any) -> str:
    """A policy value as it is written in the configuration (``15m``, ``[Sev1, Sev2]``)."""
    if value is None:
        return "(not set)"
    if isinstance(value, timedelta):
        minutes = int(value.total_seconds() // 60)
        if minutes % (24 * 60) == 0:
            return f"{minutes // (24 * 60)}d"
        return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"
    if isinstance(value, tuple | list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {show(v)}" for k, v in value.items()) + "}"
    return str(value)


def render_catalogue(policy: Policy | None = None) -> str:
    """The catalogue as text, with the values of ``policy`` (the defaults if None)."""
    policy = policy or build_policy()
    blocks = []
    for spec in catalogue():
        lines = [
            f"{spec.id}: {spec.title}",
            f"  subject: {spec.subject}; reads: {', '.join(spec.needs)}",
            f"  runbook: {spec.runbook}",
        ]
        for key in spec.policy_keys:
            lines.append(f"  policy {key} = {show(policy_value(policy, key))}")
        body = textwrap.fill(
            " ".join(spec.description.split()),
            width=88,
            initial_indent="  ",
            subsequent_indent="  ",
        )
        blocks.append("\n".join([*lines, body]))
    return "\n\n".join(blocks) + "\n"
