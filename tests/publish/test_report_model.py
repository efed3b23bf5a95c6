"""build_report on a small hand-built organisation: what the ops sync reads, number by number.

The week is 2026-W45 (Monday 2 November, ``T0`` of the builders is its 10:00 UTC); the
report is made on Friday 6 November 12:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from check_builders import PD_WEB, at, context, evaluate_all, event, incident, postmortem, run_of
from opsaudit.audit import results_document
from opsaudit.auditrun import AuditRun
from opsaudit.checks.context import Context
from opsaudit.publish.report import OpsSyncReport, build_report, md_link
from opsaudit.publish.report_data import Link
from opsaudit.publish.report_model import classify_findings, week_bounds
from opsaudit.publish.report_text import md_escape, safe_url
from opsaudit.snapshot import SourceStatus
from opsaudit.store import Finding

WEEK = "2026-W45"
START = datetime(2026, 11, 2, tzinfo=UTC)
AS_OF = datetime(2026, 11, 6, 12, 0, tzinfo=UTC)
DAY = 24 * 60
NONE, MINUS = "\u2013", "\u2212"  # an en dash (no value), a minus sign
SHALOM = "\u05e9\u05dc\u05d5\u05dd"
PM_A = "docs/incidents/2026-11-02-checkout-5xx.md"
ACTIONS = """\
- [ ] Add an alert — @alice, due 2026-11-03
- [ ] Fix the pool — @bob, due 2026-10-30
- [ ] Write the docs, due 2026-11-01
- [ ] Older one — @alice, due 2026-10-28
- [ ] Soon — @carol, due 2026-11-10
- [ ] Later — @dave, due 2026-12-01
"""


def pm_text(incident_id: str, *, actions: str = "") -> str:
    return (
        f"# Post-mortem {incident_id}\n\nIncident: {PD_WEB}/incidents/{incident_id}\n\n"
        f"## Timeline\n\n- 10:00 UTC paged\n\n## Action items\n\n{actions}"
    )


def small_context() -> Context:
    return context(
        incidents=[
            incident(id="QA", number=101, resolved=60),  # Sev1, this week
            incident(id="QB", number=102, created=at(DAY), resolved=DAY + 120),  # Sev1
            incident(
                id="QC", number=103, priority="P2", created=at(-6 * DAY), resolved=-6 * DAY + 65
            ),
            incident(id="QD", number=104, priority="P3", created=at(2 * DAY)),  # open, no ack
            incident(
                id="QE", number=105, priority="P2", created=at(-28 * DAY), resolved=-28 * DAY + 60
            ),
            incident(id="QX", number=106, title="[DRILL] failover", created=at(DAY)),
        ],
        events=[
            event("acknowledge", 10, incident_id="QA"),
            event("resolve", 60, incident_id="QA"),
            event("acknowledge", DAY + 20, incident_id="QB"),
            event("resolve", DAY + 120, incident_id="QB"),
            event("acknowledge", -6 * DAY + 5, incident_id="QC"),
            event("resolve", -6 * DAY + 65, incident_id="QC"),
            event("acknowledge", -28 * DAY + 3, incident_id="QE"),
            event("resolve", -28 * DAY + 60, incident_id="QE"),
        ],
        postmortems=[
            postmortem(
                PM_A, pm_text("QA", actions=ACTIONS), landed=datetime(2026, 11, 3, tzinfo=UTC)
            ),
            postmortem(
                "docs/incidents/2026-10-27-billing.md",
                pm_text("QC"),
                landed=datetime(2026, 10, 28, tzinfo=UTC),  # last week: reviewed then
            ),
            postmortem(
                "docs/incidents/2026-11-04-sev3.md",
                pm_text("QD"),
                landed=datetime(2026, 11, 5, tzinfo=UTC),  # Sev3: not for the ops sync
            ),
        ],
        as_of=AS_OF,
    )


def outcome_of(ctx: Context, sources: dict[str, SourceStatus] | None = None) -> AuditRun:
    results = evaluate_all(ctx)
    sources = sources or {n: SourceStatus("ok", 1) for n in ("pagerduty", "slack", "github")}
    document = results_document(
        results=results, as_of=ctx.as_of, window=ctx.settings.window, sources=sources
    )
    return run_of(ctx, results, sources=sources, run_id=7, document=document)


@pytest.fixture(scope="module")
def report() -> OpsSyncReport:
    return build_report(run=outcome_of(small_context()), findings=[], week=WEEK)


def test_week_bounds_are_monday_to_monday_in_utc() -> None:
    assert week_bounds("2026-W45") == (START, START + timedelta(days=7))
    assert week_bounds("2026-W53") == (
        datetime(2026, 12, 28, tzinfo=UTC),
        datetime(2027, 1, 4, tzinfo=UTC),
    )
    with pytest.raises(ValueError):
        week_bounds("2026-45")


def test_incidents_and_response_times_this_week_against_the_previous(
    report: OpsSyncReport,
) -> None:
    rows = {r.severity: r for r in report.severities}
    assert list(rows) == ["Sev1", "Sev2", "Sev3", "All"]
    sev1, sev2, sev3, total = rows.values()
    assert (sev1.incidents, sev1.incidents_before, sev1.incidents_change) == (2, 0, "+2")
    assert (sev1.mtta, sev1.mttr) == ("15 min", "90 min")  # medians of 10/20 and 60/120
    assert (sev1.mtta_before, sev1.mttr_before) == (NONE, NONE)
    assert (sev2.incidents, sev2.incidents_before, sev2.incidents_change) == (0, 1, f"{MINUS}1")
    assert (sev2.mtta_before, sev2.mttr_before) == ("5 min", "65 min")
    assert (sev3.incidents, sev3.mtta, sev3.mttr) == (1, NONE, NONE)  # open, never acked
    assert (total.incidents, total.incidents_before) == (3, 1)
    assert report.week == WEEK and report.previous_week == "2026-W44"
    assert report.week_range == f"02 Nov {NONE} 08 Nov 2026"


def test_compliance_per_check_this_week_against_the_previous(report: OpsSyncReport) -> None:
    ack = next(c for c in report.compliance if c.rule == "response.ack")
    # this week: QA in time, QB 20 min (limit 15), QD (Sev3) never; last week QC in time
    assert (ack.rate, ack.rate_before, ack.change) == (
        "33% (1 of 3)",
        "100% (1 of 1)",
        f"{MINUS}67 pts",
    )
    assert ack.title == "Acknowledged within the severity's response time"
    severity = next(c for c in report.compliance if c.rule == "incident.severity")
    assert (severity.rate, severity.change) == ("100% (3 of 3)", "±0 pts")


def test_the_weeks_sev1_and_sev2_incidents_with_their_checks_at_a_glance(
    report: OpsSyncReport,
) -> None:
    assert [r.incident.text for r in report.glance_rows] == ["#101", "#102"]
    assert report.glance_rows[0].incident.url == f"{PD_WEB}/incidents/QA"
    rules = [c.rule for c in report.glance_columns]
    assert rules[:2] == ["incident.severity", "response.ack"]
    assert sum(g.span for g in report.glance_groups) == len(rules)
    ack = rules.index("response.ack")
    assert [r.cells[ack].symbol for r in report.glance_rows] == ["✓", "✗"]
    late = rules.index("postmortem.late")
    qb = report.glance_rows[1]
    assert (qb.cells[late].symbol, qb.cells[late].status) == ("", "")  # no post-mortem yet
    assert qb.state == "resolved after 2 h 00 min"
    assert qb.triggered == "2026-11-03 10:00 UTC"


def test_postmortems_to_review_are_the_sev1_sev2_ones_landed_this_week(
    report: OpsSyncReport,
) -> None:
    assert [r.postmortem.text for r in report.reviews] == [PM_A]
    review = report.reviews[0]
    assert [i.text for i in review.incidents] == ["#101 Sev1"]
    assert review.landed == "2026-11-03 00:00 UTC"
    assert review.violations > 0  # its overdue action items, at least


def test_postmortems_overdue_and_due_soon(report: OpsSyncReport) -> None:
    assert [(d.subject.text, d.severity) for d in report.overdue_postmortems] == [("#105", "Sev2")]
    assert report.overdue_postmortems[0].when.startswith("overdue by 2")
    assert report.due_soon_days == 7
    soon = [(d.kind, d.subject.text, d.owner) for d in report.due_soon]
    # @carol's item is due at the end of 10 November, QB's post-mortem then too (5
    # business days after its resolution on the 3rd); @dave's, 1 December, is too far
    assert soon == [("action item", f"{PM_A}#5", "@carol"), ("post-mortem", "#102", "")]
    assert [d.deadline for d in report.due_soon] == ["2026-11-10 23:59 UTC"] * 2
    assert report.due_soon[1].when == "due in 4 d 11 h"


def test_overdue_action_items_grouped_by_owner_with_their_age(report: OpsSyncReport) -> None:
    groups = {
        g.owner: [(i.item.text.split(" —")[0], i.due, i.age_days) for i in g.items]
        for g in report.action_owners
    }
    assert list(groups) == ["@alice", "@bob", "no owner"]
    assert groups["@alice"] == [("Older one", "2026-10-28", 9), ("Add an alert", "2026-11-03", 3)]
    assert groups["@bob"] == [("Fix the pool", "2026-10-30", 7)]
    assert groups["no owner"] == [("Write the docs, due 2026-11-01", "2026-11-01", 5)]
    item = report.action_owners[0].items[0]
    assert item.postmortem == Link(
        PM_A, f"https://github.com/acme/ops-docs/blob/{'c0ffee' + '0' * 34}/{PM_A}"
    )


def test_every_violation_is_listed_with_its_evidence(report: OpsSyncReport) -> None:
    outcome = outcome_of(small_context())
    expected = sorted((r.rule, r.subject.key) for r in outcome.results if r.status == "violation")
    assert report.violation_total == len(expected)
    groups = {g.rule: g for g in report.violation_groups}
    assert sorted(groups) == sorted({rule for rule, _ in expected})
    ack = groups["response.ack"]
    assert [v.subject.text for v in ack.rows] == ["#102", "#104"]
    assert ack.rows[0].evidence and all(e.url for e in ack.rows[0].evidence)


def test_excluded_incidents_pending_counts_and_no_alerts(report: OpsSyncReport) -> None:
    assert [(x.incident.text, x.reason) for x in report.excluded] == [
        ("#106", "title contains [DRILL]")
    ]
    assert not report.alerts
    assert [s.name for s in report.sources] == ["PagerDuty", "Slack", "GitHub"]
    counts = {c.rule: (c.pending, c.unknown) for c in report.status_counts}
    assert counts["postmortem.missing"] == (1, 0)
    assert counts["action_item.overdue"] == (2, 0)


def test_trends_cover_eight_weeks_ending_with_the_week(report: OpsSyncReport) -> None:
    assert report.trend_weeks == tuple(f"2026-W{n}" for n in range(38, 46))
    sev1 = next(t for t in report.response_trends if t.name == "Sev1")
    mtta = next(s for s in sev1.series if s.name == "MTTA")
    assert mtta.values[-1] == 15.0 and sev1.unit == "min" and mtta.texts[-1] == "15 min"
    assert all(v is None for v in mtta.values[:-1])
    ack_chart = next(
        t for t in report.compliance_trends if any(s.name == "response.ack" for s in t.series)
    )
    ack = next(s for s in ack_chart.series if s.name == "response.ack")
    assert ack.values[-2:] == (100.0, 33.3) and ack_chart.unit == "%"


def finding(
    key: str, status: str, first: datetime | None, resolved: datetime | None = None, run: int = 7
) -> Finding:
    return Finding("response.ack", key, status, first, first, resolved, run)


def test_new_still_open_and_resolved_from_findings() -> None:
    findings = [
        finding("new-at-start", "violation", START),
        finding("new-at-as-of", "violation", AS_OF),
        finding("open-before", "violation", START - timedelta(microseconds=1)),
        finding("old-window", "violation", START - timedelta(days=30), run=3),  # not judged now
        finding("resolved-at-start", "pass", START - timedelta(days=3), resolved=START),
        finding("resolved-at-as-of", "pending", START - timedelta(days=3), resolved=AS_OF),
        finding("resolved-last-week", "pass", START - timedelta(days=9), START - timedelta(days=1)),
        finding("never", "pass", None),
    ]
    new, still_open, resolved = classify_findings(findings, run_id=7, start=START, as_of=AS_OF)
    assert [f.subject_key for f in new] == ["new-at-start", "new-at-as-of"]
    assert [f.subject_key for f in still_open] == ["open-before"]
    assert [f.subject_key for f in resolved] == ["resolved-at-start", "resolved-at-as-of"]


def test_findings_mark_each_violation_new_or_open_since() -> None:
    ctx = small_context()
    outcome = outcome_of(ctx)
    findings = [
        finding("QB", "violation", START + timedelta(days=1)),
        finding("QD", "violation", START - timedelta(days=7)),
        Finding("postmortem.sections", "docs/x.md", "pass", START, START, AS_OF, 7),
    ]
    report = build_report(run=outcome, findings=findings, week=WEEK)
    rows = next(g for g in report.violation_groups if g.rule == "response.ack").rows
    assert [(v.subject.text, v.since, v.new) for v in rows] == [
        ("#102", "new this week", True),
        ("#104", "open since 2026-10-26", False),
    ]
    assert (report.violations.new, report.violations.still_open) == (1, 1)
    assert [(r.rule, r.subject.text, r.status) for r in report.resolved] == [
        ("postmortem.sections", "docs/x.md", "pass")
    ]


def test_a_failed_or_missing_source_is_said_loudly() -> None:
    ctx = context(incidents=[incident()], as_of=AS_OF, failed=["github"])
    sources = {
        "pagerduty": SourceStatus("ok", 4),
        "github": SourceStatus("failed", 2, "HTTP 502 from api.github.com"),
        "slack": SourceStatus("not_configured"),
    }
    report = build_report(run=outcome_of(ctx, sources), findings=[], week=WEEK)
    assert report.alerts == (
        "Slack is not configured: every check that reads Slack data is unknown.",
        "The GitHub sync failed (HTTP 502 from api.github.com): every check that reads "
        "GitHub data is unknown in this report, not passed.",
    )
    assert [(s.name, s.status, s.requests, s.error) for s in report.sources] == [
        ("PagerDuty", "ok", 4, None),
        ("Slack", "not configured", 0, None),
        ("GitHub", "failed", 2, "HTTP 502 from api.github.com"),
    ]


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ('https://x.example/a b(c)<d>"e', "https://x.example/a%20b%28c%29%3Cd%3E%22e"),
        ("HTTP://x.example/#L3", "HTTP://x.example/#L3"),
        ("javascript:alert(1)", None),
        (" JavaScript:alert(1)", None),
        ("data:text/html,<script>", None),
        ("//x.example/relative", None),
        ("https://[broken", None),
        (None, None),
    ],
)
def test_only_http_urls_become_links(url: str | None, safe: str | None) -> None:
    assert safe_url(url) == safe


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("plain text", "plain text"),
        ("<script>&", "&lt;script&gt;&amp;"),
        ("[x](javascript:alert(1))", "\\[x\\](javascript:alert(1))"),
        ("# h", "\\# h"),
        ("a | b\nc\r\n\n- d", "a \\| b c - d"),
        ("- item", "\\- item"),
        ("1. item", "1\\. item"),
        ("`*_~$\\", "\\`\\*\\_\\~\\$\\\\"),
        (SHALOM, f"\u2068{SHALOM}\u2069"),
        ("a\u202eb", "a⟨U+202E⟩b"),
    ],
)
def test_markdown_escaping(text: str, escaped: str) -> None:
    assert md_escape(text) == escaped


def test_a_markdown_link_escapes_its_text() -> None:
    assert md_link(Link("[#1](x)", "https://x.example/1")) == "[\\[\\#1\\](x)](https://x.example/1)"
    assert md_link(Link("#1")) == "\\#1"
