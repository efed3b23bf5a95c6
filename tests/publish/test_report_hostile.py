"""Hostile text in every source comes out of the report inert, in HTML and in Markdown.

Incident titles, a post-mortem's path, title and action items (with their owners), a
source's error and a finding's subject key carry ``<script>``, ``&``, ``<!channel>``,
Markdown injection (a ``javascript:`` link, a heading, table pipes, backticks), a
5,000-character line and right-to-left text with U+202E. The outcome is built from
small contexts (``check_builders``) and the real checks, not from the generator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from check_builders import PD_WEB, T0, context, evaluate_all, event, incident, postmortem, run_of
from opsaudit.audit import results_document
from opsaudit.publish.report import build_report, render_html, render_markdown
from opsaudit.snapshot import SourceStatus
from opsaudit.store import Finding

SCRIPT = "<script>alert(1)</script>"
LINK = "[x](javascript:alert(1))"
RTL = "שלום \u202eevil\u202c עולם"
HOSTILE = f"{SCRIPT} & AT&T <!channel> {LINK}\n# heading | pipe | `tick` {RTL}"
LONG = "A" * 5000
AS_OF = datetime(2026, 11, 6, 12, 0, tzinfo=UTC)  # Friday of 2026-W45; T0 is its Monday
WEEK = "2026-W45"
PATH = f"docs/incidents/2026-11-02-{SCRIPT[:-9]}&{LINK}#h|p`.md"
ACTIONS = "\n".join(
    [
        f"- [ ] {SCRIPT} fix {LINK} — owner: @mallory, due 2026-11-03",
        f"- [ ] second | pipe | {RTL}, due 2026-11-04",
        "- [ ] third — owner: <img src=x onerror=alert(1)>, due 2026-11-05",
    ]
)
POSTMORTEM = (
    f"# {HOSTILE}\n\nIncident: {PD_WEB}/incidents/QHOST1\n\n## Timeline\n\n- 10:00 paged\n\n"
    f"## Action items\n\n{ACTIONS}\n"
)


@dataclass(frozen=True)
class Output:
    markdown: str
    html: str


@pytest.fixture(scope="module")
def output() -> Output:
    first = replace(
        incident(id="QHOST1", number=1, title=HOSTILE, resolved=90),
        html_url="javascript:alert(1)",  # a link only if it is http(s)
    )
    long = incident(id="QHOST2", number=2, priority="P2", title=LONG, created=T0)
    drill = incident(id="QHOST3", number=3, title=f"[DRILL] {HOSTILE}", created=T0)
    ctx = context(
        incidents=[first, long, drill],
        events=[
            event("acknowledge", 30, incident_id="QHOST1"),
            event("resolve", 90, incident_id="QHOST1"),
        ],
        postmortems=[
            postmortem(PATH, POSTMORTEM, landed=datetime(2026, 11, 3, tzinfo=UTC)),
            postmortem(
                f"docs/incidents/2026-11-02-{LONG}.md",
                f"# {LONG}\n\nIncident: {PD_WEB}/incidents/QHOST2\n",
                landed=datetime(2026, 11, 4, tzinfo=UTC),
            ),
        ],
        as_of=AS_OF,
        failed=["slack"],
    )
    results = evaluate_all(ctx)
    sources = {
        "pagerduty": SourceStatus("ok", 3),
        "slack": SourceStatus("failed", 2, f"{SCRIPT} {LINK} {RTL}"),
        "github": SourceStatus("ok", 5),
    }
    document = results_document(
        results=results, as_of=AS_OF, window=ctx.settings.window, sources=sources
    )
    outcome = run_of(ctx, results, sources=sources, run_id=1, document=document)
    findings = [
        Finding(r.rule, r.subject.key, "violation", AS_OF, AS_OF, None, 1)
        for r in results
        if r.status == "violation"
    ]
    findings.append(Finding("postmortem.sections", f"{SCRIPT}{LINK}", "pass", T0, T0, AS_OF, 1))
    report = build_report(run=outcome, findings=findings, week=WEEK, digest_channel=SCRIPT)
    # the scenario really carries the text into every part of the report
    assert report.alerts and report.glance_rows and report.reviews and report.excluded
    assert [g.owner for g in report.action_owners] == [
        "<img src=x onerror=alert",
        "@mallory",
        "no owner",
    ]
    messages = [v.message for g in report.violation_groups for v in g.rows]
    assert any("<script>alert(1)" in m for m in messages) and any(LONG in m for m in messages)
    return Output(render_markdown(report), render_html(report))


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text found outside any <bdi>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.bdi = 0
        self.bare_text: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self.bdi += tag == "bdi"

    def handle_endtag(self, tag: str) -> None:
        self.bdi -= tag == "bdi"

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if not self.bdi:
            self.bare_text.append(data)


def parse(html: str) -> Tags:
    parser = Tags()
    parser.feed(html)
    parser.close()
    return parser


def assert_inert(parser: Tags) -> None:
    names = {tag for tag, _ in parser.tags}
    assert not names & {"script", "img", "iframe", "object", "embed", "base", "form"}
    for tag, attrs in parser.tags:
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        for name in ("href", "src", "action", "formaction", "xlink:href"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("javascript:", "data:", "vbscript:")), (tag, attrs)
        if tag == "a":
            assert (attrs.get("href") or "").startswith(("http://", "https://")), attrs


def test_the_html_has_no_live_tag_or_attribute_from_sources(output: Output) -> None:
    parser = parse(output.html)
    assert_inert(parser)
    text = "".join(parser.text)
    assert SCRIPT in text and "<!channel>" in text and LINK in text  # shown, as text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in output.html
    assert "AT&amp;T" in output.html


def test_the_html_isolates_rtl_text_and_wraps_long_lines(output: Output) -> None:
    parser = parse(output.html)
    assert "שלום" in "".join(parser.text)
    bare = "".join(parser.bare_text)
    assert "שלום" not in bare and "\u202e" not in bare  # only ever inside a <bdi>
    assert LONG in "".join(parser.text)  # whole, in a message: the CSS wraps it
    assert re.search(r"bdi, a, \.wrap \{ overflow-wrap: anywhere; \}", output.html)


def test_the_markdown_has_no_raw_html_link_or_heading_from_sources(output: Output) -> None:
    md = output.markdown
    assert "<script" not in md.lower() and "<img" not in md.lower() and "<!channel>" not in md
    assert "\u202e" not in md and "⟨U+202E⟩" in md
    assert "javascript:alert(1))" not in md.replace("\\]", "]").split("](")[1:]
    tokens = MarkdownIt("commonmark").enable("table").parse(md)
    assert not [t.type for t in tokens if t.type in ("html_block", "html_inline")]
    inline = [child for t in tokens for child in t.children or []]
    assert not [c for c in inline if c.type == "html_inline"]
    hrefs = [str(c.attrs["href"]) for c in inline if c.type == "link_open"]
    assert hrefs and all(h.startswith("https://") for h in hrefs), hrefs
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert not [h for h in headings if "heading" in h or "script" in h or "pipe" in h], headings


def test_the_markdown_keeps_source_text_inside_its_table_cell(output: Output) -> None:
    md = MarkdownIt("commonmark").enable("table")
    cells = []
    tokens = md.parse(output.markdown)
    for i, token in enumerate(tokens):
        if token.type == "td_open":
            cells.append(tokens[i + 1].content)
    joined = "\n".join(cells)
    assert "| pipe |" in md.renderInline(joined)
    for line in output.markdown.splitlines():
        if "pipe" in line or "heading" in line:  # source text stays inside a table row
            assert line.startswith("| ") and line.endswith(" |"), line[:200]
    assert not [line for line in output.markdown.splitlines() if line.startswith("# heading")]


def test_the_markdown_rendered_to_html_is_inert(output: Output) -> None:
    html = MarkdownIt("commonmark").enable("table").render(output.markdown)
    parser = parse(html)
    assert_inert(parser)
    text = "".join(parser.text)
    assert SCRIPT in text and "<!channel>" in text and "AT&T" in text
