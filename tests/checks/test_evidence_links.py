"""Evidence links come from the URL templates the configured sources supply."""

from __future__ import annotations

from dataclasses import replace

from check_builders import WINDOW, at, context, incident, postmortem
from opsaudit.checks.links import Links
from opsaudit.checks.views import AuditSettings
from opsaudit.sources.github_source import GitHubSection
from opsaudit.sources.pagerduty_source import PagerDutySection


def test_without_templates_evidence_has_refs_and_no_links() -> None:
    ctx = context(incidents=[replace(incident(), html_url="")])
    links = Links(settings=AuditSettings(window=WINDOW), snapshot=ctx.snapshot)
    file = postmortem("docs/incidents/2026-11-02-db.md", "# x\n", landed=at(60))
    assert links.incident_url(ctx.snapshot.incidents[0]) is None
    assert links.document(file, 7).ref == "docs/incidents/2026-11-02-db.md#L7"
    assert links.document(file, 7).url is None
    assert links.commit(file).url is None


def test_configured_addresses_fill_the_templates_braces_and_all() -> None:
    settings = AuditSettings(
        window=WINDOW,
        **PagerDutySection(web_url="https://pd.example.com/{x}/").audit_settings(),
        **GitHubSection(repo="acme/docs", web_url="https://ghe.example.com").audit_settings(),
    )
    ctx = context(incidents=[replace(incident(id="Q9"), html_url="")])
    links = Links(settings=settings, snapshot=ctx.snapshot)
    file = postmortem("docs/incidents/2026-11-02-db.md", "# x\n", landed=at(60), commit="abc")
    assert (
        links.incident_url(ctx.snapshot.incidents[0]) == "https://pd.example.com/{x}/incidents/Q9"
    )
    assert links.document(file, 3).url == (
        "https://ghe.example.com/acme/docs/blob/abc/docs/incidents/2026-11-02-db.md#L3"
    )
    assert links.commit(file).url == "https://ghe.example.com/acme/docs/commit/abc"
    assert settings.incident_hosts == ("pd.example.com",)
