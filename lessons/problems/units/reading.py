"""Reading an answer the way a person types it: a number, a unit, or yes/no."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from lessons.problems.units.numbers import split_number
from lessons.problems.units.table import Unit, find_unit


@dataclass(frozen=True)
class Reading:
    """What an answer says: a number and, if typed, a unit.

    Attributes:
        text: The answer as typed.
        value: The number read, or None if none could be read.
        unit: The unit typed, None when no unit was typed.
        choice: For yes/no answers, "yes" or "no".
        error: Why nothing could be read, when ``value`` and ``choice`` are None.
        unit_text: The unit exactly as typed (``"gb"`` for the unit GB), so
            feedback can speak of what the learner wrote; None without a unit.
        note: How an ambiguous spelling was read (``1,024`` as 1024), to show
            beside a wrong verdict; None when nothing was ambiguous.
    """

    text: str
    value: float | None
    unit: Unit | None
    choice: str | None = None
    error: str | None = None
    unit_text: str | None = None
    note: str | None = None

    @property
    def readable(self) -> bool:
        return self.error is None


_YES = {"yes", "y", "true", "fits", "it fits", "yes it fits", "yes, it fits", "1"}
_NO = {
    "no",
    "n",
    "false",
    "does not fit",
    "doesn't fit",
    "it does not fit",
    "no it does not fit",
    "no, it does not fit",
    "0",
}

_APPROX = re.compile(
    r"^(?:about|approx\.?|approximately|around|roughly|~|≈|=)\s*", re.I
)


def read_answer(text: object, *, choices: tuple[str, ...] | None = None) -> Reading:
    """Read an answer as a person types it: the one reader for every answer.

    Problems, numeric flashcards and the calculators' numeric inputs all read
    through here, so a text means the same number wherever it is typed.
    Accepted: plain numbers, scientific notation (``2.08e11``), thousands
    separators and decimal commas (see :func:`~lessons.problems.units.numbers.read_digits`
    for the rule), powers
    (``2^-7``, ``2**-7``, ``2⁻⁷``, ``6.3 × 10^23``), fractions (``1/128``,
    ``1/2^7``) and a unit after the number (see :func:`find_unit`).

    Args:
        text: What was typed (anything; non-strings cannot be read).
        choices: For a yes/no part, the accepted choices.

    Returns:
        A :class:`Reading`; ``error`` says why when nothing could be read.
    """
    if not isinstance(text, str):
        return Reading(str(text), None, None, error="the answer is not text")
    raw = text
    text = _APPROX.sub("", text.strip()).strip()
    if not text:
        return Reading(raw, None, None, error="no answer given")
    if choices is not None:
        word = text.lower().rstrip(".!")
        if word in _YES and "yes" in choices:
            return Reading(raw, None, None, choice="yes")
        if word in _NO and "no" in choices:
            return Reading(raw, None, None, choice="no")
        return Reading(
            raw, None, None, error=f"could not read {raw!r}: answer yes or no"
        )
    number, rest = split_number(text)
    if number is None:
        return Reading(raw, None, None, error=f"could not read a number in {raw!r}")
    rest = rest.strip()
    if not rest:
        return Reading(raw, number.value, None, note=number.note)
    found = find_unit(rest)
    if found is None:
        return Reading(raw, None, None, error=f"could not read the unit {rest!r}")
    return Reading(raw, number.value, found, unit_text=rest, note=number.note)


def read_number(text: object) -> float | None:
    """A plain number (no unit) as :func:`read_answer` reads it, else None.

    ``int`` and ``float`` values pass through when finite (``bool`` does not).
    """
    if isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        try:
            value = float(text)
        except OverflowError:
            return None
        return value if math.isfinite(value) else None
    reading = read_answer(text)
    if reading.error is not None or reading.unit is not None:
        return None
    return reading.value
