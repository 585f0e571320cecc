"""Template helpers for demo results: SVG charts, numbers and times."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.html import format_html
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


def _count(n: int, unit: str) -> str:
    return f"{n} {unit}{'' if n == 1 else 's'} ago"


def ago(value: datetime, *, now: datetime | None = None) -> str:
    """When ``value`` was, in words: "just now", "2 minutes ago", "5 hours ago".

    A day or more back it is the date and time in the active time zone (the
    signed-in user's, see ``studysite.middleware``): "on 10 Mar 2026 at 09:30
    CET". A time a little in the future (clocks differ) is "just now".

    Args:
        value: An aware datetime.
        now: The present, ``timezone.now()`` when None.

    Returns:
        A phrase that reads after "Finished" or "ran".
    """
    seconds = ((now or timezone.now()) - value).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return _count(int(seconds // 60), "minute")
    if seconds < 86400:
        return _count(int(seconds // 3600), "hour")
    local = timezone.localtime(value)
    return f"on {format_date(local, 'j M Y')} at {format_date(local, 'H:i T')}"


@register.simple_tag
def when(value: datetime | None) -> SafeString:
    """``ago(value)`` in a ``<time>`` element that carries the exact instant."""
    if value is None:
        return mark_safe("")  # noqa: S308
    local = timezone.localtime(value)
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        value.isoformat(),
        format_date(local, "j M Y, H:i T"),
        ago(value),
    )
