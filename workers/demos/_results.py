"""Result building blocks shared by the demos: charts, tables, JSON safety.

JSON has no NaN or infinity, and ``json.dumps`` would otherwise write the
invalid tokens ``NaN`` and ``Infinity``; ``json_safe`` turns them into the
strings ``"nan"``, ``"inf"`` and ``"-inf"`` (and numpy scalars and arrays into
plain Python) so that a Celery result and a JSONField both accept every demo's
output.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

Point = tuple[float, float]


def json_safe(value: Any) -> Any:
    """Return ``value`` as plain JSON data with non-finite floats as strings.

    Args:
        value: Nested dicts, lists, tuples, numpy scalars or arrays, numbers,
            strings, booleans and None.

    Returns:
        The same structure built from dict, list, str, int, float, bool and
        None only; ``nan``, ``inf`` and ``-inf`` become ``"nan"``, ``"inf"`` and
        ``"-inf"``.
    """
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return [json_safe(v) for v in value.tolist()]
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating) or _is_custom_float(value):
        return _float(float(value))
    return value


def _is_custom_float(value: Any) -> bool:
    # ml_dtypes scalars (bfloat16, float8_*) are numpy scalars of kind "V",
    # not np.floating subclasses.
    return isinstance(value, np.generic) and value.dtype.kind == "V"


def _float(x: float) -> float | str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def json_result(result: Mapping[str, Any]) -> dict[str, Any]:
    """Return a demo result passed through ``json_safe``."""
    safe: dict[str, Any] = json_safe(result)
    return safe


def series(name: str, points: Iterable[Sequence[float]]) -> dict[str, Any]:
    """Return one named line of a chart.

    Args:
        name: Legend entry.
        points: ``(x, y)`` pairs.

    Returns:
        ``{"name": ..., "points": [[x, y], ...]}``.
    """
    return {"name": name, "points": [[float(x), float(y)] for x, y in points]}


def chart(
    title: str,
    x_label: str,
    y_label: str,
    lines: list[dict[str, Any]],
    *,
    x_log: bool = False,
    y_log: bool = False,
    kind: str = "line",
) -> dict[str, Any]:
    """Return a chart description a web page can draw as SVG.

    Args:
        title: Chart heading.
        x_label: Horizontal axis label, with unit.
        y_label: Vertical axis label, with unit.
        lines: Series built with ``series``.
        x_log: Draw the x axis on a log scale.
        y_log: Draw the y axis on a log scale.
        kind: ``"line"``, ``"step"`` (histograms) or ``"scatter"``.

    Returns:
        A dict with title, x_label, y_label, x_log, y_log, kind and series.
    """
    return {
        "title": title,
        "x_label": x_label,
        "y_label": y_label,
        "x_log": x_log,
        "y_log": y_log,
        "kind": kind,
        "series": lines,
    }


def table(title: str, columns: list[str], rows: list[list[Any]]) -> dict[str, Any]:
    """Return a table description: a title, column names and rows of cells."""
    return {"title": title, "columns": columns, "rows": rows}


def downsample(values: Sequence[float] | np.ndarray, max_points: int) -> list[Point]:
    """Return at most ``max_points`` ``(index, value)`` pairs, keeping the ends.

    Args:
        values: A trajectory, one value per step.
        max_points: Largest number of points to keep (at least 2).

    Returns:
        Evenly spaced ``(step, value)`` pairs including the first and last.
    """
    n = len(values)
    if n <= max_points:
        idx = np.arange(n)
    else:
        idx = np.unique(np.linspace(0, n - 1, max_points).round().astype(int))
    return [(int(i), float(values[int(i)])) for i in idx]


def report(progress: Any, fraction: float, message: str) -> None:
    """Call the progress callback if there is one."""
    if progress is not None:
        progress(min(max(fraction, 0.0), 1.0), message)


def fmt(x: float, digits: int = 3) -> str:
    """Format a number for a summary sentence (``65504``, ``4.88e-04``)."""
    if x == 0 or not math.isfinite(x):
        return str(x)
    if float(x).is_integer() and abs(x) < 1e7:
        return str(int(x))
    if 1e-3 <= abs(x) < 1e5:
        return f"{x:.{digits}g}"
    return f"{x:.{digits - 1}e}"
