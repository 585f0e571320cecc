"""The dashboard's chart geometry (pure functions)."""

from __future__ import annotations

from datetime import date, timedelta

from lessons.progress import charts


def test_heatmap_ends_today_with_a_cell_per_day_of_the_year():
    today = date(2026, 3, 11)  # a Wednesday
    data = charts.heatmap({today: 4, today - timedelta(days=1): 1}, today=today)
    assert data["cells"][-1]["date"] == today
    assert len(data["cells"]) == 52 * 7 + 3
    levels = {c["date"]: c["level"] for c in data["cells"]}
    assert levels[today] == 4 and levels[today - timedelta(days=1)] == 1
    assert levels[today - timedelta(days=2)] == 0


def test_heat_levels_scale_with_the_busiest_day():
    assert [charts.heat_level(n, 100) for n in (0, 1, 25, 26, 100)] == [0, 1, 1, 2, 4]
    assert charts.heat_level(3, 0) == 0


def test_bars_scale_to_the_largest_value():
    data = charts.bars([0, 5, 10], height=116)
    assert [b["h"] for b in data["bars"]] == [0, 50, 100]


def test_trend_reads_the_direction_of_recent_scores():
    assert charts.trend([0.2, 0.4, 0.6])["direction"] == "up"
    assert charts.trend([0.9, 0.5, 0.1])["direction"] == "down"
    assert charts.trend([0.5, 0.51, 0.5])["direction"] == "steady"
    assert charts.trend([0.7]) == {
        "slope": None,
        "direction": "steady",
        "recent_mean": 0.7,
    }
