"""postmortem.unlinked, postmortem.filename and postmortem.sections: one result per file.

The incident #1234 triggers at ``T0`` (Monday 2026-11-02 10:00 UTC); its post-mortem,
``docs/incidents/2026-11-02-checkout-5xx.md``, lands the next day, inside the window.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from check_builders import PD_WEB, WINDOW, at, context, incident, only, postmortem, run
from opsaudit.checks.model import Result
from opsaudit.records import MERGED, Incident
from opsaudit.snapshot import PostMortemFile

PATH = "docs/incidents/2026-11-02-checkout-5xx.md"
SECTIONS = {
    "Timeline": "- 10:00 UTC paged\n- 10:40 UTC rolled back",
    "Root cause": "A bad deploy.",
    "What worked / what didn't": "Paging worked; the runbook link was stale.",
    "Action items": "- [ ] Add a canary @pat due 2026-11-20",
    "Customer-facing communication summary": "Status page updated twice.",
    "Blameless framing": "We look at systems, not people.",
}


def text(
    *,
    front: str = "incident: 1234",
    sections: dict[str, str] | None = None,
    body: str = "",
) -> str:
    parts = [f"---\n{front}\n---\n# Checkout 5xx\n", body]
    for heading, content in (SECTIONS if sections is None else sections).items():
        parts.append(f"## {heading}\n\n{content}\n")
    return "\n".join(parts)


def pm(path: str = PATH, content: str | None = None, landed: float = 60 * 24) -> PostMortemFile:
    return postmortem(path, content if content is not None else text(), landed=at(landed))


def one(
    rule: str,
    *files: PostMortemFile,
    incidents: list[Incident] | None = None,
    policy: dict[str, Any] | None = None,
    failed: tuple[str, ...] = (),
) -> Result:
    """The single result of ``rule`` over these files (by default beside incident #1234)."""
    linked = [incident(resolved=60)] if incidents is None else incidents
    return only(rule, context(incidents=linked, postmortems=files, policy=policy, failed=failed))


# ------------------------------------------------------------------ postmortem.unlinked


@pytest.mark.rule("postmortem.unlinked", "pass")
def test_unlinked_passes_and_names_the_incident() -> None:
    result = one("postmortem.unlinked", pm())
    assert result.status == "pass"
    assert "#1234 (QINC0001)" in result.message
    assert (result.subject.kind, result.subject.key) == ("postmortem", PATH)
    assert (result.severity, result.service, result.brand) == ("Sev1", "Checkout API", "shop")


@pytest.mark.rule("postmortem.unlinked", "violation")
def test_unlinked_is_a_violation_without_any_link() -> None:
    result = one("postmortem.unlinked", pm(content=text(front="title: Checkout")))
    assert result.status == "violation"
    assert result.evidence[0].ref == PATH
    assert result.severity is None


@pytest.mark.rule("postmortem.unlinked", "edge")
def test_unlinked_mention_must_name_an_existing_incident_exactly() -> None:
    incidents = [incident(number=123)]
    near_miss = pm(content=text(front="title: x", body="Discussed in incident-12."))
    result = one("postmortem.unlinked", near_miss, incidents=incidents)
    assert result.status == "violation"
    assert "#12" in result.message
    exact = pm(content=text(front="title: x", body="Discussed in incident-123."))
    assert one("postmortem.unlinked", exact, incidents=incidents).status == "pass"


@pytest.mark.rule("postmortem.unlinked", "other")
@pytest.mark.parametrize(
    ("front", "body"),
    [
        ("incident: QINC0001", ""),
        (f"incident: {PD_WEB}/incidents/QINC0001", ""),
        ("incident:\n  - 77\n  - 1234", ""),
        ("title: x", f"PagerDuty: <{PD_WEB}/incidents/QINC0001>"),
        ("title: x", "See #incident-1234 for the war room."),
    ],
)
def test_unlinked_accepts_every_kind_of_link(front: str, body: str) -> None:
    result = one("postmortem.unlinked", pm(content=text(front=front, body=body)))
    assert result.status == "pass"


@pytest.mark.rule("postmortem.unlinked", "other")
@pytest.mark.parametrize(
    "linked",
    [
        incident(number=1234, resolved=60, resolve_reason=MERGED),
        incident(number=1234, resolved=60, title="[DRILL] checkout"),
        incident(number=1234, resolved=60, created=WINDOW.since - timedelta(days=3)),
    ],
    ids=["merged", "excluded", "before-window"],
)
def test_unlinked_counts_merged_excluded_and_out_of_window_incidents(linked: Incident) -> None:
    assert one("postmortem.unlinked", pm(), incidents=[linked]).status == "pass"


@pytest.mark.rule("postmortem.unlinked", "other")
def test_unlinked_only_judges_subject_files() -> None:
    old = pm("docs/incidents/2026-01-05-old.md", text(front="title: old"), landed=-60 * 24 * 90)
    results = run("postmortem.unlinked", context(postmortems=[old]))
    assert results == []


@pytest.mark.rule("postmortem.unlinked", "other")
def test_unlinked_is_unknown_when_github_failed() -> None:
    result = one("postmortem.unlinked", pm(content=text(front="title: x")), failed=("github",))
    assert result.status == "unknown"


# ------------------------------------------------------------------ postmortem.filename


@pytest.mark.rule("postmortem.filename", "pass")
def test_filename_passes_when_dated_with_the_trigger_date() -> None:
    result = one("postmortem.filename", pm())
    assert result.status == "pass"
    assert "2026-11-02" in result.message


@pytest.mark.rule("postmortem.filename", "violation")
@pytest.mark.parametrize(
    "name",
    [
        "checkout-5xx.md",
        "2026-11-02_checkout.md",
        "2026-11-02-Checkout-5xx.md",
        "2026-11-02-checkout--5xx.md",
        "2026-11-02.md",
        "2026-11-02-checkout.markdown",
    ],
)
def test_filename_is_a_violation_when_malformed(name: str) -> None:
    result = one("postmortem.filename", pm(f"docs/incidents/{name}"))
    assert result.status == "violation"
    assert "<YYYY-MM-DD>-<short-name>.md" in result.message


@pytest.mark.rule("postmortem.filename", "violation")
def test_filename_is_a_violation_when_not_the_trigger_date() -> None:
    result = one("postmortem.filename", pm("docs/incidents/2026-11-01-checkout-5xx.md"))
    assert result.status == "violation"
    assert "2026-11-01" in result.message and "triggered 2026-11-02" in result.message


@pytest.mark.rule("postmortem.filename", "edge")
def test_filename_trigger_at_the_last_second_of_the_day() -> None:
    late = [incident(created=datetime(2026, 11, 2, 23, 59, 59, tzinfo=UTC), resolved=60 * 20)]
    assert one("postmortem.filename", pm(), incidents=late).status == "pass"
    next_day = pm("docs/incidents/2026-11-03-checkout-5xx.md")
    assert one("postmortem.filename", next_day, incidents=late).status == "violation"
    # the UTC date, whatever the policy's time zone (in Tokyo it is already the 3rd)
    tokyo = {"timezone": "Asia/Tokyo"}
    assert one("postmortem.filename", pm(), incidents=late, policy=tokyo).status == "pass"
    jst = timezone(timedelta(hours=9))
    same_instant = [incident(created=datetime(2026, 11, 3, 8, 59, 59, tzinfo=jst), resolved=60)]
    assert one("postmortem.filename", pm(), incidents=same_instant).status == "pass"


@pytest.mark.rule("postmortem.filename", "edge")
def test_filename_date_must_be_real() -> None:
    result = one("postmortem.filename", pm("docs/incidents/2026-02-30-checkout.md"))
    assert result.status == "violation"
    assert "2026-02-30" in result.message


@pytest.mark.rule("postmortem.filename", "other")
def test_filename_matches_one_of_several_incidents() -> None:
    incidents = [incident(resolved=60), incident(id="QINC0002", number=1300, created=at(60 * 24))]
    two = pm("docs/incidents/2026-11-03-checkout.md", text(front="incident: [1234, 1300]"))
    result = one("postmortem.filename", two, incidents=incidents)
    assert result.status == "pass"
    assert "#1300" in result.message


@pytest.mark.rule("postmortem.filename", "other")
def test_filename_of_an_unlinked_file_is_judged_by_its_shape() -> None:
    unlinked = pm("docs/incidents/2026-11-05-cleanup.md", text(front="title: x"))
    assert one("postmortem.filename", unlinked).status == "pass"


# ------------------------------------------------------------------ postmortem.sections


@pytest.mark.rule("postmortem.sections", "pass")
def test_sections_pass_when_all_are_filled_in() -> None:
    result = one("postmortem.sections", pm())
    assert result.status == "pass"
    assert "6 required sections" in result.message


@pytest.mark.rule("postmortem.sections", "violation")
def test_sections_lists_every_missing_and_empty_section() -> None:
    sections = dict(SECTIONS)
    del sections["Root cause"], sections["Blameless framing"]
    sections["Timeline"] = "TBD"
    file = pm(content=text(sections=sections))
    result = one("postmortem.sections", file)
    assert result.status == "violation"
    assert "missing: Root cause, Blameless framing" in result.message
    assert "empty: Timeline (line 7)" in result.message
    assert [e.ref for e in result.evidence] == [PATH, f"{PATH}#L7"]


@pytest.mark.rule("postmortem.sections", "edge")
def test_sections_heading_alias_with_a_typographic_apostrophe_counts() -> None:
    sections = dict(SECTIONS)
    sections["What went well/what didn\u2019t (process)"] = sections.pop(
        "What worked / what didn't"
    )
    assert one("postmortem.sections", pm(content=text(sections=sections))).status == "pass"
    sections["What went well/what didn\u2019t (process)"] = "<!-- fill in -->\n- TBD\n"
    result = one("postmortem.sections", pm(content=text(sections=sections)))
    assert result.status == "violation"
    assert "empty: What worked / what didn't" in result.message


@pytest.mark.rule("postmortem.sections", "edge")
@pytest.mark.parametrize("content", ["TBD", "- N/A", "<timeline here>", "…", "<!-- later -->"])
def test_sections_placeholder_only_timeline_is_empty(content: str) -> None:
    sections = dict(SECTIONS, Timeline=content)
    result = one("postmortem.sections", pm(content=text(sections=sections)))
    assert result.status == "violation"
    assert "empty: Timeline" in result.message


@pytest.mark.rule("postmortem.sections", "other")
def test_sections_content_only_in_a_subsection_counts() -> None:
    sections = dict(SECTIONS, Timeline="### Day one\n\n- 10:00 UTC paged")
    assert one("postmortem.sections", pm(content=text(sections=sections))).status == "pass"
    empty_sub = dict(SECTIONS, Timeline="### Day one\n\nTBD")
    assert one("postmortem.sections", pm(content=text(sections=empty_sub))).status == "violation"


@pytest.mark.rule("postmortem.sections", "other")
def test_sections_removed_by_the_policy_is_not_required() -> None:
    sections = dict(SECTIONS)
    del sections["Blameless framing"]
    file = pm(content=text(sections=sections))
    policy = {"postmortem": {"sections": {"Blameless framing": None}}}
    result = one("postmortem.sections", file, policy=policy)
    assert (result.status, result.message) == (
        "pass",
        "All 5 required sections are present and filled in.",
    )


@pytest.mark.rule("postmortem.sections", "other")
def test_sections_is_unknown_when_github_failed() -> None:
    result = one("postmortem.sections", pm(content=text(sections={})), failed=("github",))
    assert result.status == "unknown"


@pytest.mark.rule("postmortem.sections", "other")
@pytest.mark.parametrize(
    "content",
    [
        "---\nincident: [1234\n---\n# x\n```\n## Timeline\n",
        "---\nincident: 1234\n---\n\x00\ufffd## Timeline\n|||\n|-|\n> > > ## Root cause\n<!--",
        "",
    ],
    ids=["bad-yaml-open-fence", "junk", "empty-file"],
)
def test_malformed_markdown_gives_results_not_a_crash(content: str) -> None:
    ctx = context(incidents=[incident(resolved=60)], postmortems=[pm(content=content)])
    for rule in ("postmortem.unlinked", "postmortem.filename", "postmortem.sections"):
        assert [r.subject.key for r in run(rule, ctx)] == [PATH]
    assert only("postmortem.sections", ctx).status == "violation"


@pytest.mark.rule("postmortem.sections", "other")
@given(content=st.text(alphabet=st.sampled_from(list("#-|*[]x:\n 0123456789<>!`'\u2019TBDincdet"))))
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_text_gives_one_result_per_rule(content: str) -> None:
    ctx = context(incidents=[incident(resolved=60)], postmortems=[pm(content=content)])
    for rule in ("postmortem.unlinked", "postmortem.filename", "postmortem.sections"):
        assert [r.subject.key for r in run(rule, ctx)] == [PATH]
