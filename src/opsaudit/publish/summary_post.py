"""``opsaudit report --publish``: the report's headline figures as one Slack message.

Posted to the digest channel: sources that failed, violations new / still open /
resolved, incidents and response times per severity, the checks whose compliance
dropped, where the full report is, and a link to the digest channel. Every text from
the report is escaped for mrkdwn.
"""

from __future__ import annotations

from typing import Any

from opsaudit.publish.chat import ChatPoster
from opsaudit.publish.mrkdwn import escape
from opsaudit.publish.report import OpsSyncReport


def summary_blocks(
    report: OpsSyncReport, *, report_link: str | None, digest_channel_id: str | None = None
) -> tuple[list[Any], str]:
    """The Block Kit blocks and fallback text of the headline summary."""
    counts = report.violations
    text = (
        f"Ops sync {report.week}: {counts.new} new violations, {counts.still_open} still "
        f"open, {counts.resolved} resolved"
    )
    lines = [f"*{escape(text)}*"]
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
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": f"Ops sync {report.week}"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:2900]}},
    ]
    return blocks, text


def post_summary(
    *, poster: ChatPoster, channel: str, report: OpsSyncReport, report_link: str | None
) -> str:
    """Post the summary to ``channel`` (a name or an id); the message's ts."""
    channel_id = poster.channel_id(channel)
    blocks, text = summary_blocks(report, report_link=report_link, digest_channel_id=channel_id)
    return poster.post(channel_id, text=text, blocks=blocks, thread_ts=None)
