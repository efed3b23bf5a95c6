"""Reports uploaded to a chat channel: one upload per period (the report's file name)
and channel, with the hash of what was uploaded and the files' links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsaudit.store.schema import ReportUploadRow


@dataclass(frozen=True, slots=True)
class ReportUpload:
    period: str  # the report's file name without extension: ops-sync-2026-W47
    channel_id: str
    content_sha256: str
    uploaded_at: datetime
    html_link: str  # "" when the workspace gave no permalink
    markdown_link: str


def load_report_upload(
    *, session: Session, period: str, channel_id: str | None = None
) -> ReportUpload | None:
    """The upload of ``period`` (to ``channel_id`` when given; else the latest), or None."""
    query = select(ReportUploadRow).where(ReportUploadRow.period == period)
    if channel_id is not None:
        query = query.where(ReportUploadRow.channel_id == channel_id)
    row = session.scalars(query.order_by(ReportUploadRow.uploaded_at.desc()).limit(1)).first()
    if row is None:
        return None
    return ReportUpload(
        row.period,
        row.channel_id,
        row.content_sha256,
        row.uploaded_at,
        row.html_link,
        row.markdown_link,
    )


def save_report_upload(*, session: Session, upload: ReportUpload) -> None:
    """Record an upload (replacing the record of the same period and channel)."""
    session.merge(
        ReportUploadRow(
            period=upload.period,
            channel_id=upload.channel_id,
            content_sha256=upload.content_sha256,
            uploaded_at=upload.uploaded_at,
            html_link=upload.html_link,
            markdown_link=upload.markdown_link,
        )
    )
