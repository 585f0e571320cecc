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


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering ``[lo, hi]`` (1, 2 or 5 times a power of 10)."""
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(lo / step) * step
    ticks, value = [], first
    while value <= hi + step * 1e-9:
        ticks.append(round(value, 12))
        value += step
    if ticks[-1] < hi:
        ticks.append(round(ticks[-1] + step, 12))
    return ticks


def log_ticks(lo: float, hi: float, count: int = 6) -> list[float]:
    """Powers of ten covering ``[lo, hi]``, every k-th decade if there are many."""
    a, b = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    if a == b:
        b = a + 1
    stride = max(1, math.ceil((b - a) / count))
    exponents = list(range(a, b + 1, stride))
    if exponents[-1] < b:
        exponents.append(exponents[-1] + stride)
    return [10.0**k for k in exponents]


def fmt_tick(value: float, *, log: bool = False) -> str:
    """A short tick label: ``0.5``, ``2000``, ``1e-08``, ``65504``."""
    if value == 0:
        return "0"
    if log:
        k = round(math.log10(value))
        if abs(value - 10.0**k) <= 1e-9 * 10.0**k and (k < -3 or k > 4):
            return f"1e{k}"
    mag = abs(value)
    if float(value).is_integer() and mag < 1e6:
        return str(int(value))
    if 1e-3 <= mag < 1e5:
        return f"{value:.4g}"
    return f"{value:.2g}".replace("e+0", "e").replace("e-0", "e-").replace("e+", "e")


class _Axis:
    def __init__(
        self, lo: float, hi: float, *, log: bool, start: float, end: float
    ) -> None:
        self.log = log
        if log:
            self.ticks = log_ticks(lo, hi)
        else:
            self.ticks = nice_ticks(lo, hi)
        self.lo, self.hi = self.ticks[0], self.ticks[-1]
        self.start, self.end = start, end

    def _t(self, v: float) -> float:
        return math.log10(v) if self.log else v

    def __call__(self, v: float) -> float:
        lo, hi = self._t(self.lo), self._t(self.hi)
        span = hi - lo or 1.0
        return self.start + (self._t(v) - lo) / span * (self.end - self.start)


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
    drawn: list[tuple[str, list[tuple[float, float]]]] = []
    dropped = 0
    for s in chart.get("series", []):
        pts, gone = clean_points(s.get("points", []), x_log=x_log, y_log=y_log)
        if kind != "scatter":
            pts.sort(key=lambda p: p[0])
        drawn.append((str(s.get("name", "")), pts))
        dropped += gone
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
    ax = _Axis(min(xs), max(xs), log=x_log, start=left, end=right)
    ay = _Axis(min(ys), max(ys), log=y_log, start=bottom, end=top)
    # Grid, ticks and labels.
    out.append('<g class="axes" stroke="currentColor" stroke-opacity="0.15">')
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
    # Series.
    for i, (name, pts) in enumerate(drawn):
        colour = COLOURS[i % len(COLOURS)]
        screen = [(ax(x), ay(y)) for x, y in pts]
        out.append(f'<g class="series" data-name="{escape(name, quote=True)}">')
        if kind == "scatter" or len(screen) == 1:
            shape = MARKERS[i % len(MARKERS)]
            out.extend(_marker(shape, x, y, colour) for x, y in screen)
        else:
            dash = DASHES[i % len(DASHES)]
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            out.append(
                f'<path d="{_path(screen, step=kind == "step")}" fill="none" '
                f'stroke="{colour}" stroke-width="2"{dash_attr}/>'
            )
        out.append("</g>")
    # Legend (only when there is more than one series).
    if legend_rows:
        out.append('<g class="legend" fill="currentColor">')
        col_w = (right - left) / 3
        for i, (name, _) in enumerate(drawn):
            colour = COLOURS[i % len(COLOURS)]
            lx = left + (i % 3) * col_w
            ly = height + (i // 3) * LEGEND_ROW + 4
            if kind == "scatter":
                out.append(_marker(MARKERS[i % len(MARKERS)], lx + 12, ly, colour))
            else:
                dash = DASHES[i % len(DASHES)]
                dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
                out.append(
                    f'<line x1="{lx:.1f}" y1="{ly}" x2="{lx + 24:.1f}" y2="{ly}" '
                    f'stroke="{colour}" stroke-width="2"{dash_attr}/>'
                )
            out.append(f'<text x="{lx + 30:.1f}" y="{ly + 4}">{escape(name)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)
