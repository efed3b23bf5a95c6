"""The evidence pack: results plus the records they cite, and a manifest that verifies."""

from __future__ import annotations

import json
from pathlib import Path

from check_builders import at, channel, context, evaluate_all, event, incident, message, run_of
from opsaudit.audit import results_document
from opsaudit.auditrun import AuditRun
from opsaudit.publish.evidence import evidence_pack, verify_manifest, write_pack
from opsaudit.snapshot import SourceStatus
from opsaudit.sources.base import Window


def outcome() -> AuditRun:
    room = channel("incident-1234", created=30)
    ack = event("acknowledge", 20)
    ctx = context(
        incidents=[incident(resolved=60)],
        events=[event("trigger", 0), ack, event("resolve", 60)],
        channels=[room],
        messages=[message(room, 35)],
        as_of=at(120),
    )
    results = evaluate_all(ctx)
    sources = {n: SourceStatus("ok") for n in ("pagerduty", "slack", "github")}
    doc = results_document(
        results=results, as_of=at(120), window=Window(at(-60), at(120)), sources=sources
    )
    return run_of(ctx, results, sources=sources, run_id=1, document=doc)


def test_the_pack_holds_the_results_and_exactly_the_cited_records() -> None:
    made = outcome()
    pack = evidence_pack(made)
    assert pack["schema"] == "opsaudit.evidence/v1"
    assert pack["results"] == made.document
    records = pack["records"]
    assert [i["id"] for i in records["incidents"]] == ["QINC0001"]
    cited = {e.ref for r in made.results for e in r.evidence if e.source == "pagerduty"}
    cited_entries = cited - {"QINC0001"}  # the rest are log entry ids
    assert cited_entries, "the late acknowledgement is cited"
    assert {e["id"] for e in records["log_entries"]} == cited_entries
    assert all(e["created_at"].endswith("Z") for e in records["log_entries"])
    json.dumps(pack)  # plain JSON all the way down


def test_the_manifest_verifies_and_catches_a_changed_file(tmp_path: Path) -> None:
    report = tmp_path / "ops-sync-2026-W45.md"
    report.write_text("# report\n")
    written = write_pack(
        run=outcome(), directory=tmp_path, basename="ops-sync-2026-W45", files=[report]
    )
    manifest = written[1]
    assert [line.split("  ")[1] for line in manifest.read_text().splitlines()] == [
        "ops-sync-2026-W45.md",
        "ops-sync-2026-W45.evidence.json",
    ]
    assert verify_manifest(manifest) == []
    report.write_text("# report, edited\n")
    assert verify_manifest(manifest) == ["ops-sync-2026-W45.md"]
