"""Inline SVG charts for the HTML report: self-contained, byte-stable, printable.

Each chart is one ``<svg>`` element with presentation attributes only (no CSS, no
script), so the report stays a single file that works offline. Series differ by
colour (Okabe-Ito, safe for colour blindness), dash pattern and marker shape, so they
stay apart in greyscale print too. Every text is HTML-escaped; every number is written
with fixed precision, so the same input gives the same bytes.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Mapping, Sequence
from html import escape

_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
_DASHES = ("", "6 3", "2 3", "8 3 2 3", "12 4", "1 3", "4 2 1 2")
_MARKERS = ("circle", "square", "triangle", "diamond")
_FONT = 'font-family="sans-serif"'
_CHAR_W = 6.5  # rough width of one 11px sans-serif character, for layout only
_LEGEND_ROW = 18.0
_MAX_NAME = 40
_ISOLATE = "\u2068{}\u2069"  # first-strong isolate: RTL names do not reorder the text around
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _n(value: float) -> str:
    """A coordinate with one decimal, never ``-0.0``."""
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


def _esc(text: str) -> str:
    """``text`` escaped for HTML and XML, characters XML forbids replaced by U+FFFD."""
    return escape(_NOT_XML.sub("\ufffd", text), quote=True)


def _short(text: str, limit: int = _MAX_NAME) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 1)] + "\u2026"


def _value(value: float | None) -> float | None:
    """``value`` as a float; None when missing, NaN (pandas' missing value) or infinite."""
    return None if value is None or not math.isfinite(value) else float(value)


def nice_ticks(low: float, high: float, *, count: int = 4) -> list[float]:
    """Round ticks (steps of 1, 2, 2.5 or 5 times a power of ten) covering ``low``-``high``.

    Of the steps giving ``count - 1`` to ``count + 2`` intervals, the one covering the
    range most tightly wins; on a tie, the one with fewer ticks.
    """
    if not high - low >= 1e-9:
        high = low + 1.0
    magnitude = 10.0 ** math.floor(math.log10((high - low) / count))
    best: tuple[float, int, list[float]] | None = None
    for step in (m * magnitude * scale for scale in (0.1, 1.0, 10.0) for m in (1, 2, 2.5, 5)):
        first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
        if count - 1 <= last - first <= count + 2:
            candidate = (
                (last - first) * step,
                last - first,
                [float(f"{i * step:.12g}") for i in range(first, last + 1)],
            )
            if best is None or candidate[:2] < best[:2]:
                best = candidate
    assert best is not None  # some step of the twelve always fits
    return best[2]


def _marker(kind: str, x: float, y: float, colour: str, tip: str = "") -> str:
    """A point marker (never a ``<path>``: those are the series lines), ``tip`` its tooltip."""
    paint = f'fill="{colour}" stroke="#ffffff" stroke-width="1"'
    if kind == "circle":
        tag, shape = "circle", f'cx="{_n(x)}" cy="{_n(y)}" r="3.5"'
    elif kind == "square":
        tag, shape = "rect", f'x="{_n(x - 3.2)}" y="{_n(y - 3.2)}" width="6.4" height="6.4"'
    else:
        corners = (
            [(x, y - 4.2), (x + 4.0, y + 3.2), (x - 4.0, y + 3.2)]
            if kind == "triangle"
            else [(x, y - 4.5), (x + 4.0, y), (x, y + 4.5), (x - 4.0, y)]
        )
        tag, shape = "polygon", 'points="' + " ".join(f"{_n(a)},{_n(b)}" for a, b in corners) + '"'
    if not tip:
        return f"<{tag} {shape} {paint}/>"
    return f"<{tag} {shape} {paint}><title>{_esc(tip)}</title></{tag}>"


def _style(index: int) -> tuple[str, str, str]:
    """Colour, dash pattern and marker of the ``index``-th series."""
    dash = _DASHES[(index + index // len(_COLOURS)) % len(_DASHES)]
    dashing = f' stroke-dasharray="{dash}"' if dash else ""
    return _COLOURS[index % len(_COLOURS)], dashing, _MARKERS[index % len(_MARKERS)]


def _legend_rows(
    names: Sequence[str], *, left: float, right: float
) -> list[list[tuple[int, float]]]:
    """Series indices with their x, wrapped into rows that fit between ``left`` and ``right``."""
    rows: list[list[tuple[int, float]]] = [[]]
    x = left
    for index, name in enumerate(names):
        item = 30.0 + _CHAR_W * len(_short(name)) + 14.0
        if rows[-1] and x + item > right:
            rows.append([])
            x = left
        rows[-1].append((index, x))
        x += item
    return rows


def line_chart(
    *,
    title: str,
    labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    y_label: str,
    y_format: Callable[[float], str] = str,
    y_max: float | None = None,
    width: int = 640,
    height: int = 240,
    chart_id: str | None = None,
) -> str:
    """One ``<svg>`` line chart of ``series`` (name -> one value per label, None a gap).

    Give values in the unit ``y_format`` shows (minutes, not seconds): ticks are round
    numbers of that unit. The y axis starts at 0 (lower if a value is negative) and
    ends at ``y_max`` or, when a value exceeds it or it is not given, at a round number
    above the largest value.

    ``height`` holds one legend row; each further row adds to it. ``chart_id`` names
    the ``<title>`` for ``aria-labelledby`` (default: derived from the content).
    """
    for name, values in series.items():
        if len(values) != len(labels):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(labels)} labels")
    names = list(series)
    clean = {name: [_value(v) for v in values] for name, values in series.items()}
    present = [v for values in clean.values() for v in values if v is not None]
    digest = hashlib.sha256(repr((title, list(labels), names)).encode()).hexdigest()[:10]
    ident = _esc(chart_id or f"chart-{digest}")

    top_value = max(present, default=0.0)
    if y_max is not None and top_value <= y_max:
        top_value = y_max
    ticks = nice_ticks(min([0.0, *present]), top_value)
    if y_max is not None and top_value == y_max:
        ticks = [t for t in ticks if t <= y_max]
        ticks += [] if ticks[-1] == y_max else [y_max]
    low, high = ticks[0], ticks[-1]
    tick_text = [y_format(t) for t in ticks]

    left = 34.0 + _CHAR_W * max(len(t) for t in tick_text)
    right, top, bottom = width - 16.0, 36.0, height - 56.0
    legend = _legend_rows(names, left=left, right=right)
    total_h = height + _LEGEND_ROW * (len(legend) - 1)
    slot = (right - left) / max(len(labels), 1)

    def x_of(i: int) -> float:
        return left + slot * (i + 0.5)

    def y_of(v: float) -> float:
        return bottom - (v - low) / (high - low) * (bottom - top)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {_n(total_h)}" '
        f'width="{width}" height="{_n(total_h)}" role="img" aria-labelledby="{ident}" '
        f'class="chart" {_FONT}>',
        f'<title id="{ident}">{_esc(title)}</title>',
        f'<rect x="0" y="0" width="{width}" height="{_n(total_h)}" fill="#ffffff"/>',
        f'<text x="{_n(left)}" y="20" font-size="14" font-weight="bold" fill="#222222">'
        f"{_esc(_short(title, int((right - left) / 8.5)))}</text>",
        f'<text transform="translate(14 {_n((top + bottom) / 2)}) rotate(-90)" '
        f'text-anchor="middle" font-size="11" fill="#444444">{_esc(y_label)}</text>',
    ]
    for tick, text in zip(ticks, tick_text, strict=True):
        at = _n(y_of(tick))
        colour = "#888888" if tick == low else "#dddddd"
        out.append(
            f'<line x1="{_n(left)}" y1="{at}" x2="{_n(right)}" y2="{at}" stroke="{colour}" '
            f'stroke-width="1"/><text x="{_n(left - 6)}" y="{at}" dy="0.35em" text-anchor="end" '
            f'font-size="11" fill="#444444">{_esc(text)}</text>'
        )
    out.append(
        f'<line x1="{_n(left)}" y1="{_n(top)}" x2="{_n(left)}" y2="{_n(bottom)}" '
        f'stroke="#888888" stroke-width="1"/>'
    )
    every = max(1, math.ceil(len(labels) * 44.0 / (right - left)))
    for i, label in enumerate(labels):
        if i % every == 0 or i == len(labels) - 1:
            out.append(
                f'<text x="{_n(x_of(i))}" y="{_n(bottom + 16)}" text-anchor="middle" '
                f'font-size="11" fill="#444444">{_esc(label)}</text>'
            )
    if not present:
        out.append(
            f'<text x="{_n((left + right) / 2)}" y="{_n((top + bottom) / 2)}" '
            f'text-anchor="middle" font-size="13" fill="#666666" class="no-data">'
            f"No data for these weeks</text>"
        )
    for index, (name, values) in enumerate(clean.items()):
        colour, dashing, marker = _style(index)
        commands, pen_up = [], True
        for i, value in enumerate(values):
            if value is None:
                pen_up = True
                continue
            commands.append(f"{'M' if pen_up else 'L'}{_n(x_of(i))} {_n(y_of(value))}")
            pen_up = False
        out.append(
            f'<g class="series" data-series="{_esc(name)}"><path d="{" ".join(commands)}" '
            f'fill="none" stroke="{colour}" stroke-width="2" stroke-linejoin="round"'
            f"{dashing}/>"
        )
        for i, value in enumerate(values):
            if value is None:
                continue
            tip = f"{_ISOLATE.format(name)} \u00b7 {labels[i]}: {y_format(value)}"
            out.append(_marker(marker, x_of(i), y_of(value), colour, tip))
        out.append("</g>")
    for row_number, row in enumerate(legend):
        y = height - 14.0 + _LEGEND_ROW * row_number
        for index, x in row:
            (colour, dashing, marker), name = _style(index), names[index]
            out.append(
                f'<g class="legend"><line x1="{_n(x)}" y1="{_n(y)}" x2="{_n(x + 24)}" '
                f'y2="{_n(y)}" stroke="{colour}" stroke-width="2"{dashing}/>'
                f"{_marker(marker, x + 12, y, colour)}"
                f'<text x="{_n(x + 30)}" y="{_n(y)}" dy="0.35em" font-size="11" '
                f'fill="#222222">{_esc(_short(name))}<title>{_esc(name)}</title></text></g>'
            )
    out.append("</svg>")
    return "\n".join(out)
