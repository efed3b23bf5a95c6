"""``opsaudit rules``: every check with its title, runbook line, sources, policy values
and description."""

from __future__ import annotations

import textwrap

from opsaudit.checks.catalogue import catalogue
from opsaudit.checks.spec import policy_value, show
from opsaudit.policy import Policy, build_policy

__all__ = ["policy_value", "render_catalogue", "show"]


def render_catalogue(policy: Policy | None = None) -> str:
    """The catalogue as text, with the values of ``policy`` (the defaults if None)."""
    policy = policy or build_policy()
    blocks = []
    for spec in catalogue():
        lines = [
            f"{spec.id}: {spec.title_for(policy)}",
            f"  subject: {spec.subject}; area: {spec.group}; reads: {', '.join(spec.needs)}"
            + ("; a deadline" if spec.deadline else ""),
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
