"""The report where people read it: its HTML and Markdown shared in the digest channel,
with the headline summary as the message, once per period.

A period (the report's file name, ``ops-sync-2026-W47``) is uploaded once per channel:
a re-run for the same period uploads nothing and answers with the links of the first
upload, saying whether this run's files differ from what was uploaded (hashes are
recorded). The poster's errors (a missing ``files:write`` scope, no such channel)
propagate; the files on disk are written before.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from opsaudit import store
from opsaudit.publish.chat import ChatPoster, Upload
from opsaudit.publish.report import OpsSyncReport
from opsaudit.publish.summary_post import summary_text


@dataclass(frozen=True)
class UploadOutcome:
    """What :func:`upload_report` did: ``uploaded`` now, or found ``already`` uploaded."""

    uploaded: bool
    channel_id: str
    html_link: str  # the HTML file's permalink ("" when the workspace gave none)
    markdown_link: str
    changed: bool  # already uploaded, and this run's files differ from those

    def describe(self, channel: str) -> str:
        """One sentence for the user."""
        if self.uploaded:
            return f"report uploaded to #{channel.removeprefix('#')}: {self.html_link}"
        differs = " (this run's report differs; it is not uploaded again)" if self.changed else ""
        return f"report already uploaded to #{channel.removeprefix('#')}{differs}: {self.html_link}"


def upload_report(
    *,
    poster: ChatPoster,
    channel: str,
    report: OpsSyncReport,
    markdown: Path,
    html: Path,
    engine: Engine,
    now: datetime,
    report_link: str | None = None,
) -> UploadOutcome:
    """Share ``html`` and ``markdown`` in ``channel`` with the report's summary, unless
    this period was uploaded there before."""
    channel_id = poster.channel_id(channel)
    contents = [html.read_bytes(), markdown.read_bytes()]
    digest = hashlib.sha256(b"\0".join(hashlib.sha256(c).digest() for c in contents)).hexdigest()
    period = html.stem
    with Session(engine) as session:
        known = store.load_report_upload(session=session, period=period, channel_id=channel_id)
    if known is not None:
        return UploadOutcome(
            False, channel_id, known.html_link, known.markdown_link, known.content_sha256 != digest
        )
    comment = summary_text(report, report_link=report_link, digest_channel_id=None)
    files = [
        Upload(name, content, name)
        for name, content in zip((html.name, markdown.name), contents, strict=True)
    ]
    html_link, markdown_link = poster.upload(channel_id, files=files, comment=comment)
    record = store.ReportUpload(period, channel_id, digest, now, html_link, markdown_link)
    with Session(engine) as session, session.begin():
        store.save_report_upload(session=session, upload=record)
    return UploadOutcome(True, channel_id, html_link, markdown_link, False)
