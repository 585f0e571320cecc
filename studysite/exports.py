"""CSV files the site writes: every cell reads back as data, never as a formula.

A spreadsheet (Excel, LibreOffice, Google Sheets) runs a cell that starts with
``=``, ``+``, ``-`` or ``@`` as a formula, and one that starts with a tab or a
carriage return is read the same way once the character is dropped; a deck's
front or a learner's username such as ``=HYPERLINK("https://…")`` would then
run on the teacher's machine (CSV injection). Every CSV writer of the site
writes through `csv_writer`, which applies `csv_cell` to each cell, as OWASP
recommends:

* **Text** that starts with one of those characters (after any single
  quotes) gets one more single quote in front: ``=1+1`` is written ``'=1+1``,
  ``'=1+1`` is written ``''=1+1``. A spreadsheet shows the text as it was;
  `csv_text` (the deck importer's reading) takes the one quote away again, so
  a deck round-trips exactly.
* **Numbers are data, never changed**: ints, floats and decimals are written
  as Python writes them, and so is text that is a plain decimal number
  (``-1``, ``-0.25``, ``+3e-5``: a number cannot be a formula). The review log
  in the FSRS optimizer layout, all numbers, is byte for byte what it was.
* ``None`` is an empty cell; a lone surrogate stored before
  `studysite.storable`'s rule is written as U+FFFD (UTF-8 cannot hold it).

The module imports nothing from Django.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from studysite.storable import repaired

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_MAY_START = frozenset([*FORMULA_STARTS, "'"])
_FORMULA = re.compile(r"'*[=+\-@\t\r]")
_ESCAPED = re.compile(r"'+[=+\-@\t\r]")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def csv_cell(value: Any) -> Any:
    """One cell as it is safe to write (see the module docstring)."""
    kind = type(value)
    if kind is int or kind is float:  # the common case, first
        return value
    if kind is not str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, int | float | Decimal):
            return value
        value = str(value)
    if not value.isascii() or "\x00" in value:
        value = repaired(value)
    if (
        value[:1] in _MAY_START
        and _FORMULA.match(value)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def csv_text(cell: str) -> str:
    """A cell of a CSV we wrote, as its text was: the quote `csv_cell` put in
    front of a formula character taken away (other cells unchanged)."""
    return cell[1:] if _ESCAPED.match(cell) else cell


class SafeWriter:
    """A ``csv.writer`` whose every cell goes through `csv_cell`.

    Python's writer quotes a cell holding a line break only when the break is
    in its ``lineterminator``, so with ``"\n"`` a carriage return inside a
    cell went out bare and split the row on reading; a row with one is
    written with every cell quoted.
    """

    def __init__(self, file: Any, **options: Any) -> None:
        self._writer = csv.writer(file, **options)
        dialect = self._writer.dialect
        self._quoted = None
        if dialect.quoting == csv.QUOTE_MINIMAL and "\r" not in dialect.lineterminator:
            self._quoted = csv.writer(file, **{**options, "quoting": csv.QUOTE_ALL})

    def writerow(self, row: Iterable[Any]) -> Any:
        cells = [value if type(value) is int else csv_cell(value) for value in row]
        if self._quoted is not None and any(
            type(cell) is str and "\r" in cell for cell in cells
        ):
            return self._quoted.writerow(cells)
        return self._writer.writerow(cells)

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(file: Any, **options: Any) -> SafeWriter:
    """The one CSV writer of the site: ``csv.writer(file, **options)`` that
    writes only safe cells, one ``"\n"`` at the end of each row.

    Every CSV the site offers (deck exports, review logs, class dashboards,
    demo results) is written through it, so all have the same line ending and
    the same protection against formulas.
    """
    options.setdefault("lineterminator", "\n")
    return SafeWriter(file, **options)
