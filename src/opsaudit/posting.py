"""What the CLI and the flows share to post to the digest channel: the poster of the
chat source, the digest of a run, the report's upload, and the link to a report.

``opsaudit digest`` and the ``violation-digest`` flow call :func:`post_digest`;
``opsaudit report --publish`` and the ``weekly-ops-sync`` flow call
:func:`publish_report`. The caller syncs (or not) first and passes the sources' statuses.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from opsaudit import store
from opsaudit.audit import audit_window
from opsaudit.config import Config, ConfigError
from opsaudit.publish.chat import ChatPoster
from opsaudit.publish.digest import DigestOutcome, send_digest
from opsaudit.publish.report import report_basename
from opsaudit.publish.report_upload import UploadOutcome, upload_report
from opsaudit.runtime import Runtime
from opsaudit.snapshot import SourceStatus
from opsaudit.sources.base import Window

if TYPE_CHECKING:
    from opsaudit.auditrun import AuditRun
    from opsaudit.weekly import ReportFiles


def chat_poster_for(config: Config, tokens: dict[str, str], *, why: str) -> ChatPoster:
    """A poster to the digest channel's workspace: the configured ``chat`` source's."""
    from opsaudit.sources.table import chat_poster, providers

    poster = chat_poster(config, tokens)
    if poster is None:
        raise ConfigError(f"{why}: sources.{providers()['chat']} is needed")
    return poster


def digest_window(config: Config, as_of: datetime) -> Window:
    """The window a digest evaluates: the policy's look-back up to as-of."""
    return audit_window(config=config, as_of=as_of, since=None, until=None)


def post_digest(
    *,
    runtime: Runtime,
    poster: ChatPoster,
    sources: dict[str, SourceStatus],
    as_of: datetime,
    dry_run: bool,
) -> tuple[AuditRun, DigestOutcome]:
    """Evaluate at as-of (the run is stored), then send its digest (nothing new: nothing)."""
    config = runtime.config
    outcome = runtime.evaluate(window=digest_window(config, as_of), as_of=as_of, sources=sources)
    sent = send_digest(
        poster=poster,
        channel=config.digest.channel,
        run=outcome,
        engine=runtime.engine,
        report_link=report_link(runtime, as_of=as_of),
        dry_run=dry_run,
    )
    return outcome, sent


def report_link(runtime: Runtime, *, as_of: datetime) -> str | None:
    """Where the last complete week's report is read: ``report.base_url``'s link, else
    its upload's permalink, else the file on this machine; None when not written."""
    from opsaudit.weekly import default_week

    config = runtime.config
    name = report_basename(default_week(as_of))
    path = config.report.output_dir / f"{name}.html"
    with Session(runtime.engine) as session:
        upload = store.load_report_upload(session=session, period=name)
    if config.report.base_url and (path.is_file() or upload is not None):
        return config.report.link(path.name)
    if upload is not None and upload.html_link:
        return upload.html_link
    return str(path.resolve()) if path.is_file() else None


def publish_report(
    *, runtime: Runtime, files: ReportFiles, tokens: dict[str, str]
) -> UploadOutcome:
    """Upload the report's HTML and Markdown to the digest channel with its summary,
    once per period (see :mod:`opsaudit.publish.report_upload`)."""
    config = runtime.config
    poster = chat_poster_for(config, tokens, why="publish the report to the digest channel")
    return upload_report(
        poster=poster,
        channel=config.digest.channel,
        report=files.report,
        markdown=files.markdown,
        html=files.html,
        engine=runtime.engine,
        now=datetime.now(UTC),
        report_link=config.report.link(files.html.name),
    )
