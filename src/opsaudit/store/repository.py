"""Every query of the store, in one place to import from.

The functions live in one module per domain (``repo_incidents``, ``repo_chat``,
``repo_documents``, ``repo_parses``, ``repo_runs``, ``repo_results``, ``repo_digest``).
All are keyword-only and take a ``Session``; none commits: the caller runs one
transaction per batch, so a failed save leaves what was stored before it untouched.
"""

from __future__ import annotations

from opsaudit.store.repo_chat import (
    load_channels,
    load_incidents_posts,
    load_messages,
    save_chat,
)
from opsaudit.store.repo_digest import (
    Announcement,
    DigestRecord,
    load_announcements,
    load_digest,
    load_digests,
    save_digest,
)
from opsaudit.store.repo_documents import (
    known_blob_shas,
    landing_times,
    load_blob,
    load_blobs,
    load_commits,
    load_work_items,
    postmortem_files_at,
    save_documents,
)
from opsaudit.store.repo_incidents import (
    load_incidents,
    load_log_events,
    load_priorities,
    load_services,
    load_users,
    save_incidents,
)
from opsaudit.store.repo_parses import load_parses, save_parses
from opsaudit.store.repo_results import (
    Finding,
    StoredResult,
    load_findings,
    load_results,
    save_results,
)
from opsaudit.store.repo_runs import (
    AuditRun,
    SyncState,
    finish_audit_run,
    load_audit_run,
    load_sync_state,
    mark_sync_failed,
    previous_run_id,
    save_sync_state,
    start_audit_run,
)
from opsaudit.store.repo_uploads import ReportUpload, load_report_upload, save_report_upload

__all__ = [
    "Announcement",
    "AuditRun",
    "DigestRecord",
    "Finding",
    "ReportUpload",
    "StoredResult",
    "SyncState",
    "finish_audit_run",
    "known_blob_shas",
    "landing_times",
    "load_announcements",
    "load_audit_run",
    "load_blob",
    "load_blobs",
    "load_channels",
    "load_commits",
    "load_digest",
    "load_digests",
    "load_findings",
    "load_incidents",
    "load_incidents_posts",
    "load_log_events",
    "load_messages",
    "load_parses",
    "load_priorities",
    "load_report_upload",
    "load_results",
    "load_services",
    "load_sync_state",
    "load_users",
    "load_work_items",
    "mark_sync_failed",
    "postmortem_files_at",
    "previous_run_id",
    "save_chat",
    "save_digest",
    "save_documents",
    "save_incidents",
    "save_parses",
    "save_report_upload",
    "save_results",
    "save_sync_state",
    "start_audit_run",
]
