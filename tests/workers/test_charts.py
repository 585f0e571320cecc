"""The SVG chart renderer: valid, accessible, log axes, legends, bad points."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from studysite.chart_geometry import fmt_tick, log_ticks, nice_ticks, scale
from workers.charts import clean_points, render_chart
from workers.demos import DEMOS

NS = {"svg": "http://www.w3.org/2000/svg"}


def _chart(**extra):
    chart = {
        "title": "Weight <after> each update",
        "x_label": "step",
        "y_label": "weight",
        "x_log": False,
        "y_log": False,
        "kind": "line",
        "series": [
            {"name": "fp32", "points": [[0, 1.0], [1, 1.5], [2, 2.0]]},
            {"name": "fp16 & co", "points": [[0, 1.0], [1, 1.0], [2, "nan"]]},
        ],
    }
    chart.update(extra)
    return chart


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_chart_is_well_formed_accessible_svg():
    root = _parse(render_chart(_chart(), chart_id="c1"))
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.find("svg:title", NS).text == "Weight <after> each update"
    desc = root.find("svg:desc", NS).text
    assert "weight against step" in desc
    assert "fp32: 3 points" in desc
    assert "1 points not drawn" in desc
    names = [g.get("data-name") for g in root.iter("{http://www.w3.org/2000/svg}g")]
    assert "fp16 & co" in names
    legend = [t.text for t in root.iterfind(".//svg:g[@class='legend']/svg:text", NS)]
    assert legend == ["fp32", "fp16 & co"]


def test_series_differ_by_dash_as_well_as_colour():
    root = _parse(render_chart(_chart()))
    paths = root.findall(".//svg:g[@class='series']/svg:path", NS)
    assert len(paths) == 2
    assert paths[0].get("stroke") != paths[1].get("stroke")
    assert paths[0].get("stroke-dasharray") != paths[1].get("stroke-dasharray")


def test_log_axes_use_decades_and_drop_non_positive_points():
    chart = _chart(
        x_log=True,
        y_log=True,
        series=[
            {"name": "gap", "points": [[1e-8, 1e-10], [1, 1e-3], [65504, 32], [0, 1]]}
        ],
    )
    svg = render_chart(chart)
    root = _parse(svg)
    labels = [
        t.text for t in root.iterfind(".//svg:g[@aria-hidden='true']/svg:text", NS)
    ]
    assert "1e-8" in labels and "1" in labels
    assert "1 points not drawn" in root.find("svg:desc", NS).text


def test_scatter_and_step_kinds():
    scatter = _parse(render_chart(_chart(kind="scatter")))
    assert scatter.findall(".//svg:g[@class='series']/svg:circle", NS)
    step = render_chart(_chart(kind="step"))
    assert "H" in _parse(step).find(".//svg:g[@class='series']/svg:path", NS).get("d")


def test_empty_chart_says_so():
    svg = render_chart(_chart(series=[{"name": "x", "points": [["nan", 1]]}]))
    assert "No data to draw." in svg
    _parse(svg)


def test_single_series_has_no_legend():
    svg = render_chart(_chart(series=[{"name": "only", "points": [[0, 1], [1, 2]]}]))
    assert _parse(svg).find(".//svg:g[@class='legend']", NS) is None


@pytest.mark.parametrize("name", list(DEMOS))
def test_every_demo_chart_renders(name):
    demo = DEMOS[name]
    small = {
        "matmul_throughput": {"min_size": 16, "max_size": 32},
        "mixed_precision_training": {"steps": 20, "batch": 32, "hidden": 16},
    }
    result = demo.run(small.get(name, {}), backend="numpy", device=None, progress=None)
    for i, chart in enumerate(result["charts"]):
        root = _parse(render_chart(chart, chart_id=f"{name}-{i}"))
        assert root.find("svg:title", NS).text == chart["title"]


def test_ticks():
    assert nice_ticks(0, 1) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert nice_ticks(3, 3)[0] < 3 < nice_ticks(3, 3)[-1]
    assert log_ticks(1e-3, 50) == [1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0]
    assert len(log_ticks(1e-40, 1e38)) <= 8
    assert fmt_tick(1e-8, log=True) == "1e-8"
    assert fmt_tick(65504) == "65504"
    assert fmt_tick(3.4e38) == "3.4e38"
    assert fmt_tick(1.5e-5) == "1.5e-5"
    assert fmt_tick(0.5) == "0.5"


def test_clean_points():
    kept, dropped = clean_points(
        [[1, 2], ["inf", 1], [True, 1], [1]], x_log=False, y_log=False
    )
    assert kept == [(1.0, 2.0)] and dropped == 3


def test_scale_maps_a_domain_onto_positions_either_way():
    assert scale(5, 0, 10, 100, 200) == 150
    assert scale(0.25, 0, 1, 80, 0) == 60  # a y axis runs downwards
    assert scale(3, 3, 3, 7, 9) == 7  # an empty domain sits at the start
