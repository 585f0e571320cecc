"""Template helpers for demo results: SVG charts and number formatting."""

from __future__ import annotations

import math
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from workers.charts import render_chart

register = template.Library()


@register.simple_tag
def demo_chart(chart: dict[str, Any], *id_parts: Any) -> SafeString:
    """The chart as inline SVG (``render_chart`` escapes every text).

    ``id_parts`` make the ids its ``aria-labelledby`` uses unique on the page.
    """
    chart_id = "-".join(["chart", *(str(p) for p in id_parts)])
    return mark_safe(render_chart(chart, chart_id=chart_id))  # noqa: S308


@register.filter
def num(value: Any) -> str:
    """A table cell: 4 significant digits, integers whole, None as a dash."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value == 0:
            return "0"
        if value.is_integer() and abs(value) < 1e7:
            return str(int(value))
        if 1e-3 <= abs(value) < 1e6:
            return f"{value:.4g}"
        return f"{value:.3e}"
    return str(value)


@register.filter
def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@register.filter
def percent(value: Any) -> int:
    try:
        return round(float(value) * 100)
    except (TypeError, ValueError):
        return 0
