"""Inline SVG line charts: well-formed, deterministic, inert text, honest gaps."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opsaudit.publish.charts import line_chart, nice_ticks

SVG = "{http://www.w3.org/2000/svg}"
WEEKS = [f"W{n}" for n in range(40, 48)]
HOSTILE = [
    "<script>alert(1)</script>",
    "Tom & Jerry &amp; co",
    "\"quoted\" and 'single'",
    "خدمة الدفع",  # RTL
    "<!channel> *bold* [x](javascript:alert(1))",
]


def chart(**overrides: object) -> str:
    arguments: dict[str, object] = {
        "title": "Compliance rate per check",
        "labels": WEEKS,
        "series": {"response.ack": [0.5, 0.75, 1.0, None, 0.9, 0.8, 0.95, 1.0]},
        "y_label": "compliance",
        "y_format": lambda v: f"{v:.0%}",
        "y_max": 1.0,
    }
    arguments.update(overrides)
    return line_chart(**arguments)  # type: ignore[arg-type]


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def lines(root: ET.Element) -> list[ET.Element]:
    """The series lines: every ``<path>`` (markers and legend use other shapes)."""
    return list(root.iter(f"{SVG}path"))


def markers(group: ET.Element) -> list[ET.Element]:
    return [e for e in group if e.tag in {f"{SVG}circle", f"{SVG}rect", f"{SVG}polygon"}]


def series_groups(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == "series"]


def tick_labels(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "end"]


def moves(path: ET.Element) -> list[str]:
    return re.findall(r"[ML][^ML]*", path.get("d", ""))


def test_the_chart_is_one_accessible_svg_element_with_one_line_per_series() -> None:
    series = {"Sev1": [1.0] * 8, "Sev2": [2.0] * 8, "Sev3": [3.0] * 8}
    svg = chart(series=series, y_max=None, y_format=str)
    root = parse(svg)
    assert svg.startswith("<svg ") and svg.endswith("</svg>")
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title")
    assert title is not None and title.get("id") == root.get("aria-labelledby")
    assert title.text == "Compliance rate per check"
    assert [g.get("data-series") for g in series_groups(root)] == ["Sev1", "Sev2", "Sev3"]
    assert len(lines(root)) == 3
    assert all(len(markers(g)) == 8 for g in series_groups(root))
    x_labels = [t.text for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "middle"]
    assert x_labels[-8:] == WEEKS


def test_the_same_input_gives_the_same_bytes_and_fixed_precision_numbers() -> None:
    first = chart(series={"a": [1 / 3, 2 / 3, None, 0.1, 0.2, 0.3, 0.4, 0.5]})
    assert first == chart(series={"a": [1 / 3, 2 / 3, None, 0.1, 0.2, 0.3, 0.4, 0.5]})
    numbers = re.findall(r'\s(?:x|y|x1|y1|x2|y2|cx|cy|width|height)="([^"]*)"', first)
    assert numbers and all(re.fullmatch(r"-?\d+(\.\d)?", n) for n in numbers)
    for path in lines(parse(first)):
        assert all(re.fullmatch(r"[ML]-?\d+\.\d -?\d+\.\d ?", m) for m in moves(path))


def test_series_differ_by_colour_and_dash_so_they_survive_greyscale_print() -> None:
    series = {f"rule.{i}": [float(i)] * 8 for i in range(14)}
    root = parse(chart(series=series, y_max=None))
    styles = [(p.get("stroke"), p.get("stroke-dasharray")) for p in lines(root)]
    assert len(set(styles)) == 14
    assert len({dash for _, dash in styles[:7]}) == 7


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_and_titles_come_out_as_inert_text(name: str) -> None:
    svg = chart(title=name, series={name: [1.0] * 8}, y_label=name, labels=[name] * 8)
    root = parse(svg)
    assert "<script" not in svg
    assert not [e for e in root.iter() if e.tag.endswith("script")]
    assert not any(k.startswith("on") for e in root.iter() for k in e.attrib)
    texts = {t.text for t in root.iter(f"{SVG}text")}
    assert name in texts  # the title, the axis label and x labels show it verbatim
    legend = [t for t in root.iter(f"{SVG}text") if t.find(f"{SVG}title") is not None]
    assert [t.text for t in legend] == [name[:39] + "…" if len(name) > 40 else name]
    assert series_groups(root)[0].get("data-series") == name


def test_a_tooltip_isolates_an_rtl_name_from_the_text_around_it() -> None:
    root = parse(chart(series={"خدمة": [1.0] * 8}, y_max=None, y_format=str))
    tip = markers(series_groups(root)[0])[0].find(f"{SVG}title")
    assert tip is not None and tip.text == "\u2068خدمة\u2069 · W40: 1.0"


def test_characters_xml_forbids_are_replaced_not_passed_on() -> None:
    root = parse(chart(title="bell\x07 and nul\x00", series={"x\x1b[31m": [1.0] * 8}))
    assert root.find(f"{SVG}title") is not None
    assert series_groups(root)[0].get("data-series") == "x\ufffd[31m"


def test_a_very_long_title_is_shortened_on_the_chart_but_kept_whole_in_its_title() -> None:
    title = "b" * 500
    root = parse(chart(title=title))
    assert root.findtext(f"{SVG}title") == title
    (shown,) = [t.text or "" for t in root.iter(f"{SVG}text") if t.get("font-weight") == "bold"]
    assert shown.endswith("…") and 40 < len(shown) < 80


def test_a_very_long_name_is_shortened_in_the_legend_but_kept_in_its_tooltip() -> None:
    name = "a" * 500
    root = parse(chart(series={name: [1.0] * 8}))
    (legend,) = [t for t in root.iter(f"{SVG}text") if t.find(f"{SVG}title") is not None]
    assert legend.text == "a" * 39 + "…"
    full = legend.find(f"{SVG}title")
    assert full is not None and full.text == name


def test_a_missing_value_breaks_the_line_instead_of_bridging_it() -> None:
    values = [0.5, 0.6, None, 0.8, math.nan, math.inf, 0.9, 1.0]
    root = parse(chart(series={"a": values}))
    (path,) = lines(root)
    assert [m[0] for m in moves(path)] == ["M", "L", "M", "M", "L"]
    assert len(markers(series_groups(root)[0])) == 5


def test_when_every_value_is_missing_the_chart_says_there_is_no_data() -> None:
    root = parse(chart(series={"Sev1": [None] * 8, "Sev2": [math.nan] * 8}))
    no_data = [t for t in root.iter(f"{SVG}text") if t.get("class") == "no-data"]
    assert [t.text for t in no_data] == ["No data for these weeks"]
    assert [p.get("d") for p in lines(root)] == ["", ""]
    assert all(not markers(g) for g in series_groups(root))


def test_no_series_at_all_is_also_no_data() -> None:
    root = parse(chart(series={}))
    assert any(t.get("class") == "no-data" for t in root.iter(f"{SVG}text"))
    assert lines(root) == []


def test_a_single_point_is_drawn_as_a_marker_in_the_middle() -> None:
    root = parse(chart(labels=["W47"], series={"Sev1": [3.0]}, y_max=None, width=640))
    (path,) = lines(root)
    assert [m[0] for m in moves(path)] == ["M"]
    (marker,) = markers(series_groups(root)[0])
    left = float(root.find(f"{SVG}line").get("x1", "0"))  # type: ignore[union-attr]
    assert float(marker.get("cx", "0")) == pytest.approx((left + 624) / 2, abs=0.1)


def test_y_max_sets_the_top_tick_unless_a_value_exceeds_it() -> None:
    assert tick_labels(parse(chart()))[-1] == "100%"
    assert tick_labels(parse(chart(series={"a": [0.1] * 8})))[-1] == "100%"
    over = parse(chart(series={"a": [1.4] * 8}))
    assert tick_labels(over)[-1] == "150%"
    odd = parse(chart(series={"a": [10.0] * 8}, y_max=90.0, y_format=lambda v: f"{v:g}"))
    assert tick_labels(odd) == ["0", "25", "50", "75", "90"]


def test_without_y_max_the_axis_ends_at_a_round_number_above_the_data() -> None:
    labels = tick_labels(parse(chart(series={"a": [47.0] * 8}, y_max=None, y_format=str)))
    assert labels == ["0.0", "10.0", "20.0", "30.0", "40.0", "50.0"]


def test_many_series_wrap_the_legend_and_grow_the_chart() -> None:
    one = parse(chart(series={"a": [1.0] * 8}))
    many = parse(chart(series={f"postmortem.rule-{i}": [1.0] * 8 for i in range(12)}))
    assert float(many.get("height", "0")) > float(one.get("height", "0")) == 240.0
    assert many.get("viewBox") == f"0 0 640 {many.get('height')}"


def test_a_series_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="3 values for 8 labels"):
        chart(series={"a": [1.0, 2.0, 3.0]})


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0.0, 1.0, [0.0, 0.25, 0.5, 0.75, 1.0]),
        (0.0, 0.93, [0.0, 0.25, 0.5, 0.75, 1.0]),
        (0.0, 47.0, [0.0, 10.0, 20.0, 30.0, 40.0, 50.0]),
        (0.0, 0.0, [0.0, 0.25, 0.5, 0.75, 1.0]),
        (-3.0, 7.0, [-4.0, -2.0, 0.0, 2.0, 4.0, 6.0, 8.0]),
        (0.0, 0.3, [0.0, 0.1, 0.2, 0.3]),
    ],
)
def test_nice_ticks_are_round_and_cover_the_range(
    low: float, high: float, expected: list[float]
) -> None:
    assert nice_ticks(low, high) == expected


values = st.one_of(st.none(), st.just(math.nan), st.floats(min_value=-1e6, max_value=1e6))


@settings(max_examples=60, deadline=None)
@given(
    title=st.text(max_size=30),
    data=st.dictionaries(
        st.text(max_size=20), st.lists(values, min_size=4, max_size=4), max_size=5
    ),
)
def test_any_text_and_values_give_well_formed_svg_with_one_line_per_series(
    title: str, data: dict[str, list[float | None]]
) -> None:
    svg = line_chart(title=title, labels=["a", "b", "c", "d"], series=data, y_label=title)
    root = parse(svg)
    assert len(lines(root)) == len(data)
    # XML turns line ends and tabs in an attribute into spaces; the rest comes back verbatim.
    forbidden = "[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]"
    expected = [re.sub("\r\n?|[\t\n]", " ", re.sub(forbidden, "\ufffd", n)) for n in data]
    assert [g.get("data-series") for g in series_groups(root)] == expected
