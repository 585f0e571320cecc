"""The float explorer's table fits its box: one group per format whose first
row holds what a learner compares (stored value, category, both errors) and
whose second row holds the bits across the whole width.

The widths themselves are checked in a browser
(tests/e2e/test_tool_layout_e2e.py); here, the markup that makes them possible.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from lessons import precision
from lessons.services import course_load

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


class _Table(HTMLParser):
    """The explorer table as thead rows and tbody groups of rows of cells."""

    def __init__(self) -> None:
        super().__init__()
        self.head: list[list[dict]] = []
        self.groups: list[dict] = []
        self.rows: list[list[dict]] | None = None
        self.cell: dict | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = dict(attrs)
        if tag == "thead":
            self.rows = self.head
        elif tag == "tbody":
            self.groups.append({"attrs": attrs, "rows": []})
            self.rows = self.groups[-1]["rows"]
        elif tag == "tr" and self.rows is not None:
            self.rows.append([])
        elif tag in ("th", "td") and self.rows is not None:
            self.cell = {"tag": tag, "attrs": attrs, "text": "", "labels": []}
            self.rows[-1].append(self.cell)
        elif self.cell is not None and "cell-label" in attrs.get("class", ""):
            self.cell["labels"].append(attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td"):
            self.cell = None
        elif tag in ("thead", "tbody"):
            self.rows = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell["text"] += data


@pytest.fixture
def table(client) -> _Table:
    course_load()
    html = client.get(
        reverse("lessons:float-explorer"), {"value": "0.1"}, **HTMX
    ).content.decode()
    parsed = _Table()
    parsed.feed(html)
    return parsed


def test_each_format_is_one_group_of_two_rows(table):
    names = [f.name for f in precision.all_formats()]
    assert [g["attrs"]["data-format"] for g in table.groups] == names
    for group in table.groups:
        assert len(group["rows"]) == 2, group["attrs"]


def test_the_first_row_holds_stored_value_category_and_both_errors(table):
    columns = [" ".join(c["text"].split()) for c in table.head[0]]
    assert columns == ["Format", "Stored value", "Category", "Abs. error", "Rel. error"]
    for group in table.groups:
        first = group["rows"][0]
        assert first[0]["tag"] == "th" and first[0]["attrs"]["scope"] == "row"
        assert len(first) == len(columns)


def test_the_bits_have_their_own_row_across_every_column(table):
    columns = len(table.head[0])
    for group in table.groups:
        (bits,) = group["rows"][1]
        assert "bits" in bits["attrs"]["class"]
        assert int(bits["attrs"]["colspan"]) == columns
        # Read with the format's name and the "Bits" heading, not with
        # whichever column headings happen to sit above it.
        row_header = group["rows"][0][0]["attrs"]["id"]
        assert bits["attrs"]["headers"].split() == [row_header, "explorer-col-bits"]
    assert any(c["attrs"].get("id") == "explorer-col-bits" for c in table.head[-1])


def test_every_value_cell_carries_its_label_for_the_narrow_layout(table):
    """On a phone each format is a card; each value shows its column's name
    (hidden from screen readers, which have the table's headings)."""
    names = ["Stored value", "Category", "Abs. error", "Rel. error"]
    for group in table.groups:
        for cell, name in zip(group["rows"][0][1:], names, strict=True):
            assert cell["labels"] == [{"class": "cell-label", "aria-hidden": "true"}]
            assert cell["text"].strip().startswith(name)
