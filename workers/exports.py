"""A demo result as CSV: every table, then every chart's points.

One file a spreadsheet opens: each table starts with a row naming it, then its
columns and rows; a blank row separates sections. The chart points come last
in long form (chart, series, x, y). Non-finite values are written as the
strings the result holds (``nan``, ``inf``), empty cells as nothing.
"""

from __future__ import annotations

import io
from typing import Any

from studysite.exports import csv_writer


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return str(value)
    return value


def result_csv(result: dict[str, Any]) -> str:
    """Return the tables and chart points of a demo result as CSV text."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    for table in result.get("tables", []):
        writer.writerow([f"# {table.get('title', 'table')}"])
        writer.writerow(table.get("columns", []))
        for row in table.get("rows", []):
            writer.writerow([_cell(v) for v in row])
        writer.writerow([])
    charts = result.get("charts", [])
    if charts:
        writer.writerow(["# chart points"])
        writer.writerow(["chart", "series", "x", "y"])
        for chart in charts:
            for series in chart.get("series", []):
                for point in series.get("points", []):
                    x, y = (list(point) + [None, None])[:2]
                    writer.writerow(
                        [
                            chart.get("title", ""),
                            series.get("name", ""),
                            _cell(x),
                            _cell(y),
                        ]
                    )
    return buffer.getvalue()
