"""``opsaudit report --publish``: the report's headline figures, the message its files
are shared with in the digest channel (:mod:`opsaudit.publish.report_upload`).

It says: sources that failed, violations new / still open /
resolved, incidents and response times per severity, the checks whose compliance
dropped, where the full report is, and a link to the digest channel. Every text from
the report is escaped for mrkdwn.
"""

from __future__ import annotations

from opsaudit.publish.mrkdwn import escape
from opsaudit.publish.report import OpsSyncReport

MAX_COMMENT = 3000  # well inside a message's text limit, the size of one Block Kit section


def summary_text(
    report: OpsSyncReport, *, report_link: str | None, digest_channel_id: str | None = None
) -> str:
    """The headline summary as mrkdwn: the message the report's files are shared with."""
    counts = report.violations
    headline = (
        f"Ops sync {report.title}: {counts.new} new violations, {counts.still_open} still "
        f"open, {counts.resolved} resolved"
    )
    lines = [f"*{escape(headline)}*"]
    lines += [f":warning: {escape(alert)}" for alert in report.alerts]
    lines += [
        escape(
            f"{sev.severity}: {sev.incidents} incidents ({sev.incidents_change}), "
            f"MTTA {sev.mtta}, MTTR {sev.mttr}"
        )
        for sev in report.severities
    ]
    dropped = [c for c in report.compliance if c.change.startswith(("-", "\u2212"))]
    lines += [
        escape(f"{c.rule}: {c.rate} compliant ({c.change} from {c.rate_before})")
        for c in dropped[:5]
    ]
    if report_link:
        lines.append(f"Full report: {escape(report_link)}")
    if digest_channel_id:
        lines.append(f"New violations, one by one: <#{digest_channel_id}>")
    return "\n".join(lines)[:MAX_COMMENT]
