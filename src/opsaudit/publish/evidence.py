"""The evidence pack: a report's results with the source records they cite, and a manifest.

An auditor can check later that a report matches its data: the pack holds the results
document (``opsaudit.results/v1``) and every record a result names (its incident, the
log entries, Slack messages, post-mortem versions and issues of its evidence), and the
manifest holds the SHA-256 of every file written, in ``sha256sum`` format (so
``sha256sum -c`` verifies them). War-room message bodies are not in the store, so they
are not in the pack either.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from opsaudit.auditrun import AuditRun
from opsaudit.checks.model import zulu

SCHEMA = "opsaudit.evidence/v1"


def evidence_pack(run: AuditRun) -> dict[str, Any]:
    """The results and the records they cite, as one JSON-ready mapping."""
    records = run.records
    cited = {(e.source, e.ref) for r in run.results for e in r.evidence}
    subjects = {r.subject.key for r in run.results}
    refs = {ref for _, ref in cited}
    events = [event for event in records.log_entries if event.id in refs]
    messages = [m for m in records.messages if f"{m.channel_id}/{m.ts}" in refs]
    posts = [
        {k: v for k, v in _plain(p).items() if k != "text"} | {"text_sha256": _sha(p.text)}
        for p in records.summary_posts
        if f"{p.channel_id}/{p.ts}" in refs
    ]
    paths = {key.partition("#")[0] for key in subjects} | {
        ref.partition("#")[0] for _, ref in cited
    }
    files = [
        {
            "path": f.path,
            "blob_sha": f.blob_sha,
            "commit_sha": f.commit_sha,
            "landed_at": zulu(f.landed_at),
            "landing_commit": f.landing_commit,
            "text_sha256": _sha(f.text),
        }
        for f in records.postmortems
        if f.path in paths
    ]
    urls = {e.url for r in run.results for e in r.evidence if e.url}
    issues = [i for i in records.issues if i.html_url in urls]
    incidents = [i for i in records.incidents if i.id in subjects or i.id in refs]
    return {
        "schema": SCHEMA,
        "results": run.document,
        "records": {
            "incidents": [_plain(i) for i in sorted(incidents, key=lambda i: i.id)],
            "log_entries": [_plain(e) for e in sorted(events, key=lambda e: e.id)],
            "slack_messages": [
                _plain(m) for m in sorted(messages, key=lambda m: (m.channel_id, m.ts))
            ],
            "summary_posts": sorted(posts, key=lambda p: (p["channel_id"], p["ts"])),
            "postmortems": sorted(files, key=lambda f: f["path"]),
            "issues": [_plain(i) for i in sorted(issues, key=lambda i: (i.repo, i.number))],
        },
    }


def write_pack(
    *, run: AuditRun, directory: Path, basename: str, files: Sequence[Path]
) -> list[Path]:
    """Write ``<basename>.evidence.json`` and ``<basename>.sha256`` (covering ``files``
    and the pack) into ``directory``; returns both paths."""
    pack = directory / f"{basename}.evidence.json"
    pack.write_text(
        json.dumps(evidence_pack(run), indent=2, ensure_ascii=False, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    manifest = directory / f"{basename}.sha256"
    lines = [f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}" for p in [*files, pack]]
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [pack, manifest]


def verify_manifest(manifest: Path) -> list[str]:
    """The files of a manifest whose content no longer matches (empty: all match)."""
    bad = []
    for line in manifest.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        path = manifest.parent / name
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            bad.append(name)
    return bad


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _plain(record: Any) -> dict[str, Any]:
    """A frozen record as JSON-ready values (instants in UTC with Z)."""
    out: dict[str, Any] = {}
    for key, value in asdict(record).items():
        if hasattr(value, "isoformat"):
            value = zulu(value)
        elif isinstance(value, tuple):
            value = [_plain_item(v) for v in value]
        out[key] = value
    return out


def _plain_item(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: zulu(v) if hasattr(v, "isoformat") else v for k, v in value.items()}
    return value
