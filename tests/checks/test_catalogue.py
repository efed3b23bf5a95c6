"""The catalogue matches rules.md: every id registered once, each with its three tests.

A check test says what it covers with ``@pytest.mark.rule("<id>", "<kind>")``; kind is
``pass``, ``violation``, ``edge`` (exactly at the limit passes, one minute over fails)
or ``other``. The check ids are copied from rules.md by hand: tests must not read files
outside the repository.
"""

from __future__ import annotations

import ast
from pathlib import Path

from opsaudit.checks.catalogue import catalogue
from rule_ids import RULE_IDS

REQUIRED_KINDS = {"pass", "violation", "edge"}


def marked_tests() -> dict[str, set[str]]:
    """rule id -> the kinds of tests marked for it, read from the test modules' source."""
    found: dict[str, set[str]] = {}
    for path in sorted(Path(__file__).parent.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "rule"
                and len(node.args) == 2
                and all(isinstance(a, ast.Constant) for a in node.args)
            ):
                rule, kind = (a.value for a in node.args)  # type: ignore[attr-defined]
                found.setdefault(rule, set()).add(kind)
    return found


def test_every_rule_of_rules_md_is_registered_exactly_once() -> None:
    ids = [spec.id for spec in catalogue()]
    assert len(ids) == len(set(ids))
    assert set(ids) == RULE_IDS


def test_every_check_has_pass_violation_and_edge_tests() -> None:
    marked = marked_tests()
    missing = {
        rule: sorted(REQUIRED_KINDS - marked.get(rule, set()))
        for rule in sorted(RULE_IDS)
        if REQUIRED_KINDS - marked.get(rule, set())
    }
    assert missing == {}


def test_every_check_documents_itself() -> None:
    for spec in catalogue():
        assert spec.title and spec.runbook and spec.description, spec.id
        assert spec.needs, f"{spec.id} names the sources it reads"


def test_titles_are_rendered_from_the_policy() -> None:
    from opsaudit.checks.catalogue import CATALOGUE
    from opsaudit.policy import build_policy

    spec = CATALOGUE["warroom.opened"]
    assert spec.title == "A Sev1 war room is opened within 15 min of the trigger"
    policy = build_policy({"warroom": {"open_within": "10m", "severities": ["Sev1", "Sev2"]}})
    assert spec.title_for(policy) == "A Sev1/Sev2 war room is opened within 10 min of the trigger"


def test_deadline_checks_are_flagged_in_the_catalogue() -> None:
    deadlines = {spec.id for spec in catalogue() if spec.deadline}
    assert deadlines == {"postmortem.missing", "postmortem.late", "action_item.overdue"}
