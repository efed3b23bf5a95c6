"""audit --format: the same document as json (the contract), table, md and csv."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "checks"))

from check_builders import at, context, evaluate_all, event, incident, run_of
from opsaudit.audit import results_document
from opsaudit.measures import measure
from opsaudit.publish.formats import render
from opsaudit.snapshot import SourceStatus
from opsaudit.sources.base import Window

HOSTILE = "=cmd|' /C calc'!A0 | <script>alert(1)</script> *bold* [x](y)\nnext line"


def document(title: str = "Checkout 5xx") -> tuple[dict[str, Any], Any]:
    ctx = context(
        incidents=[incident(title=title, resolved=40)],
        events=[event("trigger", 0), event("acknowledge", 20), event("resolve", 40)],
        as_of=at(60),
    )
    results = evaluate_all(ctx)
    sources = {
        "pagerduty": SourceStatus("ok", 14),
        "slack": SourceStatus("ok", 9),
        "github": SourceStatus("failed", 3, "github: bad credentials (HTTP 401)"),
    }
    doc = results_document(
        results=results, as_of=at(60), window=Window(at(-60), at(60)), sources=sources
    )
    return doc, measure(run_of(ctx, results))


def test_json_is_the_contract() -> None:
    doc, _ = document()
    parsed = json.loads(render(doc, "json"))
    assert list(parsed) == ["schema", "as_of", "window", "sources", "results"]
    assert parsed["schema"] == "opsaudit.results/v1"
    assert parsed["as_of"] == "2026-11-02T11:00:00Z"
    assert parsed["sources"]["github"] == {
        "status": "failed",
        "requests": 3,
        "error": "github: bad credentials (HTTP 401)",
    }
    assert parsed["sources"]["slack"] == {"status": "ok", "requests": 9}
    ack = next(r for r in parsed["results"] if r["rule"] == "response.ack")
    assert ack["status"] == "violation"
    assert ack["deadline"] == "2026-11-02T10:15:00Z" and ack["observed"] == "2026-11-02T10:20:00Z"
    assert ack["subject"] == {
        "kind": "incident",
        "key": "QINC0001",
        "number": 1234,
        "title": "Checkout 5xx",
        "url": "https://acme.pagerduty.com/incidents/QINC0001",
    }
    assert list(ack) == [
        "rule",
        "status",
        "subject",
        "severity",
        "service",
        "brand",
        "deadline",
        "observed",
        "message",
        "evidence",
    ]


def test_table_shows_what_needs_attention_and_response_times() -> None:
    doc, metrics = document()
    text = render(doc, "table", metrics=metrics, width=100)
    assert "github: failed (3 requests): github: bad credentials" in text
    assert "VIOLATION  response.ack" in text
    assert "Response times of the audited incidents:" in text
    assert "Sev1      1      20 min" in text


def test_markdown_escapes_source_text() -> None:
    doc, metrics = document(title=HOSTILE)
    text = render(doc, "md", metrics=metrics)
    assert "<script>" not in text and "\\<script\\>" in text
    assert "| Sev1 | 1 | 20 min |" in text


def test_csv_defuses_formulas_and_keeps_one_row_per_result() -> None:
    doc, _ = document(title=HOSTILE)
    rows = list(csv.DictReader(io.StringIO(render(doc, "csv"))))
    assert len(rows) == len(doc["results"])
    assert {row["title"] for row in rows} == {"'" + HOSTILE}
