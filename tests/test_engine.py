"""The engine's own rules: waivers turn violations into waived; failed sources, unknown."""

from __future__ import annotations

from datetime import date

from check_builders import at, context, event, incident
from opsaudit.checks.catalogue import CATALOGUE
from opsaudit.checks.model import Result
from opsaudit.config import Waiver
from opsaudit.engine import evaluate
from opsaudit.sources.table import providers


def ack_result(
    *, waivers: list[Waiver], as_of_minutes: float = 120, failed: tuple[str, ...] = ()
) -> Result:
    """The response.ack result of a Sev1 acknowledged 20 min after its trigger (limit 15)."""
    ctx = context(
        incidents=[incident(resolved=60)],
        events=[event("acknowledge", 20)],
        as_of=at(as_of_minutes),
        failed=failed,
    )
    (result,) = evaluate(
        ctx, providers=providers(), waivers=waivers, checks=[CATALOGUE["response.ack"]]
    )
    return result


def waiver(subject: str = "QINC0001", expires: date = date(2026, 11, 2)) -> Waiver:
    return Waiver(
        rule="response.ack",
        subject=subject,
        reason="pager outage at the vendor",
        approved_by="Casey CTO",
        expires=expires,
    )


def test_a_matching_waiver_turns_a_violation_into_waived() -> None:
    result = ack_result(waivers=[waiver()])
    assert result.status == "waived"
    assert "waived until 2026-11-02 by Casey CTO (pager outage at the vendor)" in result.message


def test_a_star_waiver_matches_every_subject() -> None:
    assert ack_result(waivers=[waiver(subject="*")]).status == "waived"


def test_a_waiver_for_another_subject_or_rule_does_not_match() -> None:
    other = Waiver(
        rule="warroom.opened", subject="*", reason="r", approved_by="a", expires=date(2030, 1, 1)
    )
    assert ack_result(waivers=[waiver(subject="QOTHER"), other]).status == "violation"


def test_a_waiver_lasts_to_the_end_of_its_expiry_day() -> None:
    # as-of 2026-11-02 23:59 is still within the day; 2026-11-03 00:00 is past it
    last_minute = (23 - 10) * 60 + 59
    assert ack_result(waivers=[waiver()], as_of_minutes=last_minute).status == "waived"
    assert ack_result(waivers=[waiver()], as_of_minutes=last_minute + 1).status == "violation"


def test_a_failed_source_makes_the_result_unknown_without_evidence() -> None:
    result = ack_result(waivers=[], failed=("pagerduty",))
    assert result.status == "unknown"
    assert result.message == "Cannot be judged: the pagerduty sync failed."
    assert result.evidence == () and result.observed is None
