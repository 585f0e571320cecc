"""The learners × objectives mastery grid (pure geometry): a percentage in
every cell, text contrast of at least 4.5:1, a summary for screen readers."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lessons.progress import charts

LEARNERS = ["ana", "ben", "chloe"]
OBJECTIVES = ["Formats", "Savings", "Mixed precision", "Asymmetry"]
VALUES = [
    [0.9, 0.15, None, 0.5],
    [0.3, 0.7, 0.65, 0.05],
    [1.0, 0.0, 0.45, 0.81],
]


def _cells(grid):
    return [cell for row in grid["rows"] for cell in row["cells"]]


def test_every_cell_shows_its_percentage_or_a_dash():
    grid = charts.mastery_grid(LEARNERS, OBJECTIVES, VALUES)
    texts = [[c["text"] for c in row["cells"]] for row in grid["rows"]]
    assert texts == [
        ["90%", "15%", "–", "50%"],
        ["30%", "70%", "65%", "5%"],
        ["100%", "0%", "45%", "81%"],
    ]
    assert [r["label"] for r in grid["rows"]] == LEARNERS
    assert [c["title"] for c in grid["columns"]] == OBJECTIVES


def test_text_contrast_is_at_least_4_5_to_1_on_every_fill():
    for band in charts.MASTERY_BANDS:
        assert charts.contrast_ratio(band.text, band.fill) >= 4.5, band
    empty = charts.MASTERY_EMPTY
    assert charts.contrast_ratio(empty.text, empty.fill) >= 4.5


def test_contrast_ratio_matches_wcag_for_black_and_white():
    assert round(charts.contrast_ratio("#000000", "#ffffff"), 2) == 21.0
    assert charts.contrast_ratio("#777777", "#777777") == 1.0


def test_bands_split_low_from_high_mastery():
    assert charts.mastery_band(0.0).label == charts.mastery_band(0.19).label
    assert charts.mastery_band(0.2) != charts.mastery_band(0.19)
    assert charts.mastery_band(1.0) == charts.MASTERY_BANDS[-1]
    assert charts.mastery_band(None) == charts.MASTERY_EMPTY


def test_cells_do_not_overlap_and_fit_the_picture():
    grid = charts.mastery_grid(LEARNERS, OBJECTIVES, VALUES)
    boxes = [(c["x"], c["y"], c["w"], c["h"]) for c in _cells(grid)]
    for i, (x, y, w, h) in enumerate(boxes):
        assert x + w <= grid["width"] and y + h <= grid["height"]
        for x2, y2, w2, h2 in boxes[i + 1 :]:
            assert x + w <= x2 or x2 + w2 <= x or y + h <= y2 or y2 + h2 <= y


def test_the_summary_names_who_is_behind_on_what():
    grid = charts.mastery_grid(LEARNERS, OBJECTIVES, VALUES)
    summary = grid["summary"]
    assert summary.startswith("Mastery of 3 learners on 4 objectives")
    # Below 40%: ana on Savings; ben on Formats and Asymmetry; chloe on Savings.
    assert "3 learners below 40% on at least one objective" in summary
    assert "Savings: 2 learners below 40%" in summary
    assert "1 cell with no data" in summary


def test_an_empty_class_gives_an_empty_grid():
    grid = charts.mastery_grid([], OBJECTIVES, [])
    assert grid["rows"] == [] and "no learners" in grid["summary"]


@settings(deadline=None)  # no timed assertions
@given(
    st.lists(
        st.lists(
            st.one_of(st.none(), st.floats(0, 1, allow_nan=False)),
            min_size=3,
            max_size=3,
        ),
        min_size=1,
        max_size=6,
    )
)
def test_any_values_give_readable_cells(values):
    learners = [f"l{i}" for i in range(len(values))]
    grid = charts.mastery_grid(learners, ["a", "b", "c"], values)
    for row, expected in zip(grid["rows"], values, strict=True):
        for cell, value in zip(row["cells"], expected, strict=True):
            assert cell["text"] == ("–" if value is None else f"{value * 100:.0f}%")
            assert charts.contrast_ratio(cell["text_fill"], cell["fill"]) >= 4.5
