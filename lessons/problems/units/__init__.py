"""Units of answers, and reading an answer the way a person types it.

Every unit belongs to a *dimension* and has a factor to that dimension's base
unit: bytes (B), bytes per parameter (B/param), FLOP, seconds, a ratio (1; a
percent is 0.01) and plain numbers. ``208 GB``, ``2.08e11 bytes``, ``193.7
GiB``, ``208,000 MB``, ``1.25GiB``, ``1.5 TB``, ``16 bytes/param``,
``4 bits/param``, ``0.39 %``, ``2^-7``, ``1/128`` and ``6.3 × 10^23 FLOPs``
are all read.

Conventions for ambiguous spellings, stated once here:

* ``GB``, ``MB``, ... are decimal (1e9, 1e6); ``GiB``, ``MiB``, ... binary (2^30).
* ``B``/``byte`` is a byte; ``b``/``bit`` a bit. A capital prefix with a small
  ``b`` (``Gb``, ``Mb``, ``Tb``) is gigabits etc.; the all-lowercase ``gb``,
  ``mb``, ``kb``, ``tb``, which people type for bytes, are read as bytes.
* Separators (the full rule is :func:`.numbers.read_digits`): spaces, ``_`` and ``'``
  separate groups of three digits; with both ``,`` and ``.`` the last is the
  decimal mark (``1,234.5`` = ``1.234,5`` = 1234.5); a single comma before
  exactly three digits, after 1-3 digits that are not ``0``, separates
  thousands (``1,024`` = 1024, ``208,000``) and the reading says so in its
  ``note``; every other single comma is a decimal comma (``0,208`` = 0.208,
  ``1,5`` = 1.5, ``1,25``, ``1,2345``).
* Powers take any base (``2^-7``, ``2**-7``, ``2⁻⁷``); a mantissa needs
  a times sign (``6.3 × 10^23``), so ``102^3`` is 102³, never 10·2³.

This is the one reader of typed numbers: problems
(:mod:`lessons.problems.grading`), numeric flashcards (``flashcards.content``)
and the calculators' inputs (``lessons.selectors.parse_number``) all call
:func:`read_answer` or :func:`read_number`.

This package's ``__init__`` is its public API: the unit table (:mod:`.table`)
and the answer reader (:mod:`.reading`, which reads numbers with
:mod:`.numbers`).

Pure Python; imports nothing from Django.
"""

from lessons.problems.units.reading import Reading, read_answer, read_number
from lessons.problems.units.table import (
    BYTES,
    BYTES_PER_PARAM,
    FLOP,
    NUMBER,
    RATIO,
    TIME,
    Unit,
    convert,
    find_unit,
    unit,
)

__all__ = [
    "BYTES",
    "BYTES_PER_PARAM",
    "FLOP",
    "NUMBER",
    "RATIO",
    "TIME",
    "Reading",
    "Unit",
    "convert",
    "find_unit",
    "read_answer",
    "read_number",
    "unit",
]
