"""Geometry of the dashboard's server-side SVG charts (pure: no Django).

Each function takes the figures a selector computed and returns plain dicts
that a template turns into ``<rect>``/``<polyline>`` elements. The numbers
themselves are always shown again in a table next to the chart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

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
        h = round(value / top * (height - 16))
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
            "x": round(pad + i * (width - 2 * pad) / span, 1),
            "y": round(height - pad - s * (height - 2 * pad), 1),
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
