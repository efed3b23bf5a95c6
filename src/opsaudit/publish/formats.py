"""``audit --format``: the results document as json, table, md or csv.

All four render the same ``opsaudit.results/v1`` document; only json is the contract,
the others are for people (table: a terminal; md: a pull request or wiki; csv: a
spreadsheet).
"""

from __future__ import annotations

import csv
import io
import shutil
from collections import Counter
from typing import Any

from opsaudit.auditrun import dumps
from opsaudit.checks.model import minutes
from opsaudit.measures import Metrics

FORMATS = ("table", "json", "md", "csv")
_ORDER = {"violation": 0, "unknown": 1, "pending": 2, "waived": 3, "pass": 4}


def render(
    document: dict[str, Any],
    fmt: str,
    *,
    metrics: Metrics | None = None,
    width: int | None = None,
) -> str:
    """The document in ``fmt`` (one of :data:`FORMATS`); table and md add ``metrics``."""
    if fmt == "json":
        return dumps(document)
    if fmt == "csv":
        return _csv(document)
    if fmt == "md":
        return _markdown(document) + _response_md(metrics)
    if fmt == "table":
        width = width or shutil.get_terminal_size((120, 24)).columns
        return _table(document, width=width) + _response_table(metrics)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def _duration(seconds: object) -> str:
    if not isinstance(seconds, int | float):
        return "-"
    return minutes(float(seconds))


def _response_rows(metrics: Metrics) -> list[tuple[str, str, str, str, str, str]]:
    return [
        (
            str(row["severity"] or "none"),
            str(row["count"]),
            _duration(row["mtta_median_s"]),
            _duration(row["mtta_p90_s"]),
            _duration(row["mttr_median_s"]),
            _duration(row["mttr_p90_s"]),
        )
        for row in metrics.by_severity
    ]


_RESPONSE_HEADERS = ("SEVERITY", "COUNT", "MTTA MEDIAN", "MTTA P90", "MTTR MEDIAN", "MTTR P90")


def _response_table(metrics: Metrics | None) -> str:
    if metrics is None or not metrics.by_severity:
        return ""
    rows = _response_rows(metrics)
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(_RESPONSE_HEADERS)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    header = fmt.format(*_RESPONSE_HEADERS).rstrip()
    lines = ["", "Response times of the audited incidents:", header]
    lines += [fmt.format(*row).rstrip() for row in rows]
    return "\n".join(lines) + "\n"


def _response_md(metrics: Metrics | None) -> str:
    if metrics is None or not metrics.by_severity:
        return ""
    headers = ("Severity", "Count", "MTTA median", "MTTA p90", "MTTR median", "MTTR p90")
    lines = ["", "## Response times", "", "| " + " | ".join(headers) + " |"]
    lines.append("|---" * len(_RESPONSE_HEADERS) + "|")
    lines += ["| " + " | ".join(row) + " |" for row in _response_rows(metrics)]
    return "\n".join(lines) + "\n"


def _subject(result: dict[str, Any]) -> str:
    subject = result["subject"]
    if subject["kind"] == "incident" and subject.get("number") is not None:
        return f"#{subject['number']}"
    return str(subject["key"])


def _headline(document: dict[str, Any]) -> str:
    counts = Counter(r["status"] for r in document["results"])
    parts = [f"{counts[s]} {s}" for s in sorted(counts, key=lambda s: _ORDER.get(s, 9))]
    window = document["window"]
    head = f"as of {document['as_of']}, incidents triggered {window['since']} .. {window['until']}"
    return f"{head}: {', '.join(parts) or 'no results'}"


def _source_lines(document: dict[str, Any]) -> list[str]:
    lines = []
    for name, source in document["sources"].items():
        line = f"{name}: {source['status']} ({source['requests']} requests)"
        if source.get("error"):
            line += f": {source['error']}"
        lines.append(line)
    return lines


def _sorted_for_people(document: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted(
        document["results"],
        key=lambda r: (_ORDER.get(r["status"], 9), r["rule"], r["subject"]["key"]),
    )


def _table(document: dict[str, Any], *, width: int) -> str:
    rows = [
        (r["status"].upper(), r["rule"], _subject(r), r["severity"] or "", r["message"])
        for r in _sorted_for_people(document)
        if r["status"] != "pass"
    ]
    headers = ("STATUS", "RULE", "SUBJECT", "SEV", "MESSAGE")
    widths = [max([len(h), *(len(row[i]) for row in rows)]) for i, h in enumerate(headers[:4])]
    room = max(20, width - sum(widths) - 2 * len(widths))
    out = [_headline(document), *("  " + line for line in _source_lines(document)), ""]
    if not rows:
        out.append("Every check passed.")
        return "\n".join(out) + "\n"
    fmt = "  ".join(f"{{:<{w}}}" for w in widths) + "  {}"
    out.append(fmt.format(*headers))
    for row in rows:
        message = row[4] if len(row[4]) <= room else row[4][: room - 1] + "…"
        out.append(fmt.format(*row[:4], message))
    passed = sum(1 for r in document["results"] if r["status"] == "pass")
    out.append(f"\n({passed} passing results not shown; --format json lists every result)")
    return "\n".join(out) + "\n"


def _md_cell(text: str) -> str:
    # a cell ends at a pipe or a newline; backslash-escape Markdown's active characters
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    for char in "`*_[]<>#":
        text = text.replace(char, "\\" + char)
    return text


def _markdown(document: dict[str, Any]) -> str:
    out = ["# opsaudit results", "", _md_cell(_headline(document)), ""]
    out += [f"- {_md_cell(line)}" for line in _source_lines(document)]
    out += [
        "",
        "| Status | Rule | Subject | Severity | Message | Evidence |",
        "|---|---|---|---|---|---|",
    ]
    for r in _sorted_for_people(document):
        evidence = ", ".join(
            f"[{_md_cell(e['ref'])}]({e['url']})" if e.get("url") else _md_cell(e["ref"])
            for e in r["evidence"]
        )
        subject = _md_cell(_subject(r))
        if r["subject"].get("url"):
            subject = f"[{subject}]({r['subject']['url']})"
        if r["subject"]["kind"] == "incident" and r["subject"].get("title"):
            subject += " " + _md_cell(r["subject"]["title"])
        out.append(
            f"| {r['status']} | `{r['rule']}` | {subject} | {r['severity'] or ''} "
            f"| {_md_cell(r['message'])} | {evidence} |"
        )
    return "\n".join(out) + "\n"


CSV_COLUMNS = (
    "rule",
    "status",
    "subject_kind",
    "subject_key",
    "number",
    "title",
    "severity",
    "service",
    "brand",
    "deadline",
    "observed",
    "message",
    "evidence",
)


def _csv(document: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in document["results"]:
        subject = r["subject"]
        writer.writerow(
            [
                r["rule"],
                r["status"],
                subject["kind"],
                subject["key"],
                subject.get("number", ""),
                _no_formula(subject.get("title") or ""),
                r["severity"] or "",
                _no_formula(r["service"] or ""),
                _no_formula(r["brand"] or ""),
                r["deadline"] or "",
                r["observed"] or "",
                _no_formula(r["message"]),
                " ".join(e["ref"] for e in r["evidence"]),
            ]
        )
    return buffer.getvalue()


def _no_formula(text: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas: defuse source text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
