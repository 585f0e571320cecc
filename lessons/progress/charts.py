"""Geometry of the dashboard's server-side SVG charts (pure: no Django).

Each function takes the figures a selector computed and returns plain dicts
that a template turns into ``<rect>``/``<polyline>`` elements. The numbers
themselves are always shown again in a table next to the chart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from studysite.chart_geometry import scale

CELL = 11  # heatmap square, px
GAP = 2
LEVELS = 4


def heat_level(count: int, maximum: int) -> int:
    """0 for no reviews, else 1..LEVELS by the share of the busiest day."""
    if count <= 0 or maximum <= 0:
        return 0
    return max(1, min(LEVELS, -(-count * LEVELS // maximum)))


def heatmap(counts: Mapping[date, int], *, today: date, weeks: int = 53) -> dict:
    """A year of study days as week columns (Monday on top), ending with today.

    Args:
        counts: Reviews per study day.
        today: The learner's current study day.
        weeks: How many week columns.

    Returns:
        ``{"width", "height", "cells": [{x, y, level, date, count}], "months"}``.
    """
    last_monday = today - timedelta(days=today.weekday())
    first = last_monday - timedelta(weeks=weeks - 1)
    maximum = max((n for d, n in counts.items() if first <= d <= today), default=0)
    cells: list[dict[str, Any]] = []
    months: list[dict[str, Any]] = []
    step = CELL + GAP
    for week in range(weeks):
        monday = first + timedelta(weeks=week)
        if monday.day <= 7:
            months.append({"x": week * step, "label": monday.strftime("%b")})
        for weekday in range(7):
            day = monday + timedelta(days=weekday)
            if day > today:
                break
            count = counts.get(day, 0)
            cells.append(
                {
                    "x": week * step,
                    "y": 14 + weekday * step,
                    "level": heat_level(count, maximum),
                    "date": day,
                    "count": count,
                }
            )
    return {
        "width": weeks * step,
        "height": 14 + 7 * step,
        "cell": CELL,
        "cells": cells,
        "months": months,
        "maximum": maximum,
    }


def bars(values: Sequence[int], *, height: int = 120, bar: int = 14) -> dict:
    """A vertical bar chart: one bar per value, scaled to the largest."""
    top = max(values, default=0) or 1
    step = bar + 4
    items = []
    for index, value in enumerate(values):
        h = round(scale(value, 0, top, 0, height - 16))
        items.append(
            {"x": index * step, "y": height - h, "h": h, "w": bar, "value": value}
        )
    return {"width": max(1, len(values) * step), "height": height, "bars": items}


def sparkline(
    scores: Sequence[float], *, width: int = 300, height: int = 80
) -> dict[str, Any]:
    """Points of a 0..1 score line across ``width`` (first attempt on the left)."""
    if not scores:
        return {"width": width, "height": height, "points": "", "dots": []}
    pad = 6
    span = max(1, len(scores) - 1)
    dots = [
        {
            "x": round(scale(i, 0, span, pad, width - pad), 1),
            "y": round(scale(s, 0, 1, height - pad, pad), 1),
            "score": s,
        }
        for i, s in enumerate(scores)
    ]
    points = " ".join(f"{d['x']},{d['y']}" for d in dots)
    return {"width": width, "height": height, "points": points, "dots": dots}


def trend(scores: Sequence[float], *, window: int = 10) -> dict[str, Any]:
    """Least-squares slope of the last ``window`` scores, per attempt.

    Returns ``{"slope", "direction", "recent_mean"}``; direction is "up",
    "down" or "steady" (a change under 2 points per attempt is steady).
    """
    recent = list(scores)[-window:]
    if len(recent) < 2:
        mean = recent[0] if recent else None
        return {"slope": None, "direction": "steady", "recent_mean": mean}
    n = len(recent)
    mean_x = (n - 1) / 2
    mean_y = sum(recent) / n
    num = sum((i - mean_x) * (y - mean_y) for i, y in enumerate(recent))
    den = sum((i - mean_x) ** 2 for i in range(n))
    slope = num / den
    direction = "up" if slope >= 0.02 else "down" if slope <= -0.02 else "steady"
    return {
        "slope": round(slope, 4),
        "direction": direction,
        "recent_mean": round(mean_y, 4),
    }


# --- mastery grid (learners × objectives) -------------------------------------------


@dataclass(frozen=True)
class Band:
    """A colour band of the mastery grid: percentages from ``low`` (inclusive)."""

    low: int
    label: str
    fill: str
    text: str


def _luminance(colour: str) -> float:
    value = colour.lstrip("#")
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels
    ]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    high, low = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


DARK_TEXT = "#1b1f24"  # the site's --fg
LIGHT_TEXT = "#ffffff"


def _readable_on(fill: str) -> str:
    return max((DARK_TEXT, LIGHT_TEXT), key=lambda text: contrast_ratio(text, fill))


def _band(low: int, label: str, fill: str) -> Band:
    return Band(low, label, fill, _readable_on(fill))


# ColorBrewer RdBu, 5 classes (safe for the common colour-vision deficiencies):
# red is behind, blue is secure. The cell's percentage is the real cue.
MASTERY_BANDS: tuple[Band, ...] = (
    _band(0, "under 20%", "#ca0020"),
    _band(20, "20–39%", "#f4a582"),
    _band(40, "40–59%", "#f7f7f7"),
    _band(60, "60–79%", "#92c5de"),
    _band(80, "80% or more", "#0571b0"),
)
MASTERY_EMPTY = Band(-1, "no data yet", "#ffffff", "#57606a")
BEHIND_BELOW = 40  # percent: "behind" in the summary

GRID_CELL_W = 88
GRID_CELL_H = 28
GRID_HEADER_H = 24
GRID_NAME_CHARS = 24
GRID_CHAR_W = 7.5


def mastery_percent(value: float | None) -> int | None:
    """The whole percentage a cell shows (None: no data)."""
    return None if value is None else int(f"{value * 100:.0f}")


def mastery_band(value: float | None) -> Band:
    percent = mastery_percent(value)
    if percent is None:
        return MASTERY_EMPTY
    return next(b for b in reversed(MASTERY_BANDS) if percent >= b.low)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def mastery_grid(
    learners: Sequence[str],
    objectives: Sequence[str],
    values: Sequence[Sequence[float | None]],
) -> dict[str, Any]:
    """A learners × objectives grid of mastery (0..1 or None), one row each.

    Args:
        learners: Row labels (usernames).
        objectives: Column titles (objective texts); the columns are drawn
            as "1", "2"... and the page lists the numbers with the texts.
        values: ``values[i][j]``: learner i's mastery of objective j.

    Returns:
        ``{"width", "height", "columns": [{x, label, title}], "rows": [{y,
        label, title, cells: [{x, y, w, h, fill, text_fill, text, tx, ty,
        band}]}], "bands", "summary"}``.
    """
    name_w = round(
        min(GRID_NAME_CHARS, max((len(n) for n in learners), default=4)) * GRID_CHAR_W
        + 12
    )
    columns = [
        {
            "x": name_w + j * GRID_CELL_W + GRID_CELL_W / 2,
            "label": str(j + 1),
            "title": t,
        }
        for j, t in enumerate(objectives)
    ]
    rows = []
    for i, (name, row_values) in enumerate(zip(learners, values, strict=True)):
        y = GRID_HEADER_H + i * GRID_CELL_H
        cells = []
        for j, value in enumerate(row_values):
            band = mastery_band(value)
            percent = mastery_percent(value)
            x = name_w + j * GRID_CELL_W
            cells.append(
                {
                    "x": x + 1,
                    "y": y + 1,
                    "w": GRID_CELL_W - 2,
                    "h": GRID_CELL_H - 2,
                    "fill": band.fill,
                    "text_fill": band.text,
                    "text": "–" if percent is None else f"{percent}%",
                    "tx": x + GRID_CELL_W / 2,
                    "ty": y + GRID_CELL_H / 2 + 4,
                    "band": band.label,
                    "objective": objectives[j],
                }
            )
        rows.append(
            {
                "y": y + GRID_CELL_H / 2 + 4,
                "label": _short(name, GRID_NAME_CHARS),
                "title": name,
                "cells": cells,
            }
        )
    return {
        "width": name_w + len(objectives) * GRID_CELL_W,
        "height": GRID_HEADER_H + len(learners) * GRID_CELL_H,
        "name_x": name_w - 8,
        "header_y": GRID_HEADER_H - 8,
        "columns": columns,
        "rows": rows,
        "bands": [*MASTERY_BANDS, MASTERY_EMPTY],
        "summary": _grid_summary(learners, objectives, values),
    }


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _grid_summary(
    learners: Sequence[str],
    objectives: Sequence[str],
    values: Sequence[Sequence[float | None]],
) -> str:
    """What the grid shows, in words: who is behind (under 40%) on what."""
    head = (
        f"Mastery of {_count(len(learners), 'learner')} on "
        f"{_count(len(objectives), 'objective')}"
    )
    if not learners:
        return f"{head}: no learners yet."
    percents = [[mastery_percent(v) for v in row] for row in values]

    def low(p: int | None) -> bool:
        return p is not None and p < BEHIND_BELOW

    behind = sum(any(low(p) for p in row) for row in percents)
    per_objective = [
        f"{title}: {_count(sum(low(row[j]) for row in percents), 'learner')} "
        f"below {BEHIND_BELOW}%"
        for j, title in enumerate(objectives)
    ]
    empty = sum(p is None for row in percents for p in row)
    parts = [
        f"{head}; {_count(behind, 'learner')} below {BEHIND_BELOW}% on at least "
        "one objective",
        *per_objective,
        f"{_count(empty, 'cell')} with no data",
    ]
    return ". ".join(parts) + "."
