"""A small server-side SVG chart renderer for demo results.

Draws the chart descriptions the demos return (``title``, ``x_label``,
``y_label``, ``x_log``, ``y_log``, ``kind`` of ``line``/``step``/``scatter``,
``series: [{name, points: [[x, y], ...]}]``) as one accessible ``<svg>``:
``role="img"`` with a ``<title>`` and a ``<desc>`` that says what is plotted,
axes with "nice" ticks (decades on log axes), a legend, and a colour plus a
dash pattern or marker per series so lines stay apart without colour.

Pure Python, no chart library: nothing to download or vendor. Points that are
not finite (the demos send them as the strings ``"nan"``, ``"inf"``) or not
positive on a log axis are left out, and the description says how many.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from studysite.chart_geometry import Axis, fmt_tick

# Okabe-Ito colours (distinguishable with the common colour-vision deficiencies).
COLOURS = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#000000",
    "#F0E442",
)
DASHES = ("", "6 3", "2 3", "8 3 2 3", "12 4", "1 2", "4 4", "10 2 2 2")
MARKERS = ("circle", "square", "diamond", "triangle")

WIDTH = 640
HEIGHT = 360
MARGIN = {"left": 72, "right": 16, "top": 34, "bottom": 52}
LEGEND_ROW = 18


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def clean_points(
    points: Iterable[Sequence[Any]], *, x_log: bool, y_log: bool
) -> tuple[list[tuple[float, float]], int]:
    """Drop points that cannot be drawn; return the rest and how many went."""
    kept, dropped = [], 0
    for point in points:
        if len(point) != 2:
            dropped += 1
            continue
        x, y = _number(point[0]), _number(point[1])
        if x is None or y is None or (x_log and x <= 0) or (y_log and y <= 0):
            dropped += 1
            continue
        kept.append((x, y))
    return kept, dropped


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "square":
        return f'<rect x="{x - 3:.1f}" y="{y - 3:.1f}" width="6" height="6" fill="{colour}"/>'
    if shape == "diamond":
        pts = f"{x:.1f},{y - 4:.1f} {x + 4:.1f},{y:.1f} {x:.1f},{y + 4:.1f} {x - 4:.1f},{y:.1f}"
        return f'<polygon points="{pts}" fill="{colour}"/>'
    if shape == "triangle":
        pts = f"{x:.1f},{y - 4:.1f} {x + 4:.1f},{y + 3:.1f} {x - 4:.1f},{y + 3:.1f}"
        return f'<polygon points="{pts}" fill="{colour}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>'


def _path(points: list[tuple[float, float]], *, step: bool) -> str:
    parts = []
    for i, (x, y) in enumerate(points):
        if i == 0:
            parts.append(f"M{x:.1f},{y:.1f}")
        elif step:
            parts.append(f"H{x:.1f}V{y:.1f}")
        else:
            parts.append(f"L{x:.1f},{y:.1f}")
    return "".join(parts)


def _describe(
    chart: dict[str, Any],
    drawn: list[tuple[str, list[tuple[float, float]]]],
    dropped: int,
) -> str:
    scale = []
    if chart.get("x_log"):
        scale.append("x on a log scale")
    if chart.get("y_log"):
        scale.append("y on a log scale")
    head = (
        f"{chart.get('kind', 'line').capitalize()} chart of "
        f"{chart.get('y_label', 'y')} against {chart.get('x_label', 'x')}"
        + (f" ({', '.join(scale)})" if scale else "")
        + "."
    )
    lines = []
    for name, pts in drawn:
        if not pts:
            lines.append(f"{name}: no drawable points.")
            continue
        xs = [p[0] for p in pts]
        ys = [p[1] for p in pts]
        lines.append(
            f"{name}: {len(pts)} points, x from {fmt_tick(min(xs))} to "
            f"{fmt_tick(max(xs))}, y from {fmt_tick(min(ys))} to {fmt_tick(max(ys))}."
        )
    if dropped:
        lines.append(
            f"{dropped} points not drawn (not finite, or not positive on a log axis)."
        )
    return " ".join([head, *lines, "The numbers are in the table below the chart."])


def _drawable_series(
    chart: dict[str, Any], *, x_log: bool, y_log: bool, kind: str
) -> tuple[list[tuple[str, list[tuple[float, float]]]], int]:
    """Each series' name and drawable points (sorted by x unless a scatter)."""
    drawn: list[tuple[str, list[tuple[float, float]]]] = []
    dropped = 0
    for s in chart.get("series", []):
        pts, gone = clean_points(s.get("points", []), x_log=x_log, y_log=y_log)
        if kind != "scatter":
            pts.sort(key=lambda p: p[0])
        drawn.append((str(s.get("name", "")), pts))
        dropped += gone
    return drawn, dropped


def _axes(
    chart: dict[str, Any],
    ax: Axis,
    ay: Axis,
    *,
    box: tuple[float, float, float, float],
    x_log: bool,
    y_log: bool,
) -> list[str]:
    """The grid, the two axis lines, the tick labels and the axis labels.

    ``box`` is the plotting area's (left, right, top, bottom).
    """
    left, right, top, bottom = box
    out = ['<g class="axes" stroke="currentColor" stroke-opacity="0.15">']
    for t in ax.ticks:
        x = ax(t)
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}"/>')
    for t in ay.ticks:
        y = ay(t)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}"/>')
    out.append("</g>")
    out.append(
        f'<g fill="none" stroke="currentColor"><line x1="{left}" y1="{bottom}" '
        f'x2="{right}" y2="{bottom}"/><line x1="{left}" y1="{top}" x2="{left}" '
        f'y2="{bottom}"/></g>'
    )
    out.append('<g fill="currentColor" aria-hidden="true">')
    for t in ax.ticks:
        out.append(
            f'<text x="{ax(t):.1f}" y="{bottom + 16}" text-anchor="middle">'
            f"{escape(fmt_tick(t, log=x_log))}</text>"
        )
    for t in ay.ticks:
        out.append(
            f'<text x="{left - 6}" y="{ay(t) + 4:.1f}" text-anchor="end">'
            f"{escape(fmt_tick(t, log=y_log))}</text>"
        )
    out.append(
        f'<text x="{(left + right) / 2:.0f}" y="{bottom + 38}" text-anchor="middle">'
        f"{escape(str(chart.get('x_label', '')))}</text>"
    )
    mid_y = (top + bottom) / 2
    out.append(
        f'<text x="16" y="{mid_y:.0f}" text-anchor="middle" '
        f'transform="rotate(-90 16 {mid_y:.0f})">'
        f"{escape(str(chart.get('y_label', '')))}</text>"
    )
    out.append("</g>")
    return out


def _dash_attr(i: int) -> str:
    """The ``stroke-dasharray`` attribute of series ``i`` ("" for solid)."""
    dash = DASHES[i % len(DASHES)]
    return f' stroke-dasharray="{dash}"' if dash else ""


def _series(
    drawn: list[tuple[str, list[tuple[float, float]]]], ax: Axis, ay: Axis, *, kind: str
) -> list[str]:
    """One group per series: markers for a scatter or a lone point, else a path."""
    out = []
    for i, (name, pts) in enumerate(drawn):
        colour = COLOURS[i % len(COLOURS)]
        screen = [(ax(x), ay(y)) for x, y in pts]
        out.append(f'<g class="series" data-name="{escape(name, quote=True)}">')
        if kind == "scatter" or len(screen) == 1:
            shape = MARKERS[i % len(MARKERS)]
            out.extend(_marker(shape, x, y, colour) for x, y in screen)
        else:
            out.append(
                f'<path d="{_path(screen, step=kind == "step")}" fill="none" '
                f'stroke="{colour}" stroke-width="2"{_dash_attr(i)}/>'
            )
        out.append("</g>")
    return out


def _legend(
    drawn: list[tuple[str, list[tuple[float, float]]]],
    *,
    kind: str,
    left: float,
    right: float,
    height: int,
) -> list[str]:
    """The legend below the plot: three series to a row."""
    out = ['<g class="legend" fill="currentColor">']
    col_w = (right - left) / 3
    for i, (name, _) in enumerate(drawn):
        colour = COLOURS[i % len(COLOURS)]
        lx = left + (i % 3) * col_w
        ly = height + (i // 3) * LEGEND_ROW + 4
        if kind == "scatter":
            out.append(_marker(MARKERS[i % len(MARKERS)], lx + 12, ly, colour))
        else:
            out.append(
                f'<line x1="{lx:.1f}" y1="{ly}" x2="{lx + 24:.1f}" y2="{ly}" '
                f'stroke="{colour}" stroke-width="2"{_dash_attr(i)}/>'
            )
        out.append(f'<text x="{lx + 30:.1f}" y="{ly + 4}">{escape(name)}</text>')
    out.append("</g>")
    return out


def render_chart(
    chart: dict[str, Any],
    *,
    chart_id: str = "chart",
    width: int = WIDTH,
    height: int = HEIGHT,
) -> str:
    """Return the chart as an ``<svg>`` string (safe to insert into HTML).

    Args:
        chart: A chart description from a demo result.
        chart_id: Unique prefix for the ids that ``aria-labelledby`` uses.
        width: Width of the drawing in user units (it scales with the page).
        height: Height of the plotting area and axes, without the legend.

    Returns:
        SVG markup; all text from the chart is escaped.
    """
    x_log, y_log = bool(chart.get("x_log")), bool(chart.get("y_log"))
    kind = chart.get("kind", "line")
    drawn, dropped = _drawable_series(chart, x_log=x_log, y_log=y_log, kind=kind)
    title = str(chart.get("title", "Chart"))
    cid = escape(chart_id, quote=True)
    legend_rows = math.ceil(len(drawn) / 3) if len(drawn) > 1 else 0
    total_h = height + legend_rows * LEGEND_ROW + (8 if legend_rows else 0)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="demo-chart" role="img" '
        f'viewBox="0 0 {width} {total_h}" width="100%" '
        f'aria-labelledby="{cid}-title {cid}-desc" font-family="system-ui, sans-serif" '
        f'font-size="12">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(_describe(chart, drawn, dropped))}</desc>',
        f'<text x="{width / 2:.0f}" y="20" text-anchor="middle" font-size="14" '
        f'font-weight="600" fill="currentColor">{escape(title)}</text>',
    ]
    everything = [p for _, pts in drawn for p in pts]
    left, right = MARGIN["left"], width - MARGIN["right"]
    top, bottom = MARGIN["top"], height - MARGIN["bottom"]
    if not everything:
        out.append(
            f'<text x="{width / 2:.0f}" y="{(top + bottom) / 2:.0f}" text-anchor="middle" '
            f'fill="currentColor">No data to draw.</text></svg>'
        )
        return "".join(out)
    xs = [p[0] for p in everything]
    ys = [p[1] for p in everything]
    ax = Axis(min(xs), max(xs), log=x_log, start=left, end=right)
    ay = Axis(min(ys), max(ys), log=y_log, start=bottom, end=top)
    box = (left, right, top, bottom)
    out += _axes(chart, ax, ay, box=box, x_log=x_log, y_log=y_log)
    out += _series(drawn, ax, ay, kind=kind)
    if legend_rows:  # only when there is more than one series
        out += _legend(drawn, kind=kind, left=left, right=right, height=height)
    out.append("</svg>")
    return "".join(out)
