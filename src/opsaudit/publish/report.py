"""The weekly ops-sync report as Markdown and as one self-contained HTML file.

Both come from jinja2 templates over an :class:`OpsSyncReport` (see
:func:`opsaudit.publish.report_model.build_report`), so that rendering decides nothing.

Escaping: the HTML templates are autoescaped (``select_autoescape`` for ``.html.j2``);
the only markup let through is the SVG of :mod:`opsaudit.publish.charts`, which escapes
its own text. Markdown has no autoescape, so the Markdown environment escapes every
``{{ ... }}`` output with :func:`md_escape` (its ``finalize``) unless a filter of this
module built it (:class:`MdRaw`: links and code spans, made of escaped parts).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from opsaudit.publish.charts import line_chart
from opsaudit.publish.report_data import Link, OpsSyncReport, Trend
from opsaudit.publish.report_model import build_report, period_title
from opsaudit.publish.report_text import md_escape

__all__ = [
    "OpsSyncReport",
    "build_report",
    "period_title",
    "render_html",
    "render_markdown",
    "report_basename",
]

TEMPLATES = Path(__file__).parent / "templates"
_BLANK_RUNS = re.compile(r"\n{3,}")


class MdRaw(str):
    """Markdown built by this module from escaped parts: not escaped again."""

    __slots__ = ()


@dataclass(frozen=True)
class Chart:
    trend: Trend
    svg: str


def report_basename(week: str) -> str:
    """``ops-sync-2026-W47``: the report's file name without its extension."""
    return f"ops-sync-{week.strip()}"


def render_markdown(report: OpsSyncReport) -> str:
    """The report as GitHub-flavoured Markdown, every source text escaped."""
    text = _markdown_env().get_template("ops_sync.md.j2").render(r=report)
    return _BLANK_RUNS.sub("\n\n", text)  # the templates' loops leave extra blank lines


def render_html(report: OpsSyncReport) -> str:
    """The report as one HTML file: inline CSS and SVG charts, no script, no fetch."""
    charts = [_chart(t, report.trend_weeks) for t in report.compliance_trends]
    response = [_chart(t, report.trend_weeks) for t in report.response_trends]
    template = _html_env().get_template("ops_sync.html.j2")
    return template.render(r=report, compliance_charts=charts, response_charts=response)


def _chart(trend: Trend, weeks: Iterable[str]) -> Chart:
    svg = line_chart(
        title=trend.title,
        labels=list(weeks),
        series={s.name: s.values for s in trend.series},
        y_label=trend.y_label,
        y_format=_y_format(trend.unit),
        y_max=100.0 if trend.unit == "%" else None,
        chart_id=f"chart-{trend.id}",
    )
    return Chart(trend, svg)


def _y_format(unit: str) -> Callable[[float], str]:
    if unit == "%":
        return lambda v: f"{v:.0f}%"
    return lambda v: f"{v:g} {unit}"


@cache
def _html_env() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@cache
def _markdown_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=False,
        finalize=_md_finalize,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["link"] = md_link
    env.filters["links"] = md_links
    env.filters["code"] = md_code
    return env


def _md_finalize(value: object) -> str:
    if isinstance(value, MdRaw):
        return value
    if value is None:
        return ""
    return md_escape(str(value))


def md_link(link: Link) -> MdRaw:
    """``[text](url)`` with the text escaped (the URL is a checked http(s) URL)."""
    text = md_escape(link.text)
    return MdRaw(f"[{text}]({link.url})" if link.url else text)


def md_links(links: Iterable[Link]) -> MdRaw:
    return MdRaw(", ".join(md_link(link) for link in links))


def md_code(text: str) -> MdRaw:
    """A code span for an identifier of ours (a rule id); escaped text if it cannot be one."""
    if "`" in text or not text.isprintable():
        return MdRaw(md_escape(text))
    return MdRaw(f"`{text}`")
