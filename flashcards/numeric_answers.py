"""Typed numeric answers: read as the problems read them, graded with a tolerance.

One reader for every typed number: `lessons.problems.units` (pure, no
Django), the same one the problems grade with, so "2^-7", "1/128", "16
B/param", "3.67 GiB" and "0,208 TB" mean here what they mean there. A
numeric note (`flashcards.content`) is graded by :func:`numeric_grade`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

from lessons.problems import units

__all__ = [
    "NumericGrade",
    "NumericStatus",
    "grade_numeric",
    "numeric_grade",
    "parse_number",
]

NumericStatus = Literal["correct", "wrong", "unreadable", "unanswered"]


def parse_number(text: Any) -> float | None:
    """Read a typed number with no unit, as the problems read it: ``1500``,
    ``1,500``, ``1 500``, ``1.5e3``, ``-2.5``, ``2^-7``, ``1/128``, ``0,5``.

    Returns:
        The number, or None when the text is not a finite number.
    """
    return units.read_number(text)


@dataclass(frozen=True)
class NumericGrade:
    """The verdict on a typed answer to a numeric card.

    Attributes:
        status: ``correct``, ``wrong``, ``unreadable`` or ``unanswered``.
        answer_text: The answer as typed.
        value: The number read (None when unreadable).
        unit: The canonical symbol of the unit typed (``GB`` for ``gb``).
        unit_text: The unit as typed, or None.
        value_in_card_unit: The typed amount in the card's unit, when they
            measure the same kind of thing.
        feedback: One sentence about what was typed.
        expected: The card's answer with its unit.
    """

    status: NumericStatus
    answer_text: str
    value: float | None
    unit: str | None
    unit_text: str | None
    value_in_card_unit: float | None
    feedback: str
    expected: str

    @property
    def correct(self) -> bool:
        return self.status == "correct"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "correct": self.correct}


def _same_kind(typed: units.Unit, card: units.Unit) -> bool:
    # A card in bytes asks for the bytes of one thing its question names (a
    # parameter, a value): "16 B/param" answers "how many bytes per
    # parameter?" in B, and "16 bytes" one in B/param.
    per_param = {units.BYTES, units.BYTES_PER_PARAM}
    return (
        typed.dimension == card.dimension
        or {
            typed.dimension,
            card.dimension,
        }
        == per_param
    )


def numeric_grade(fields: Mapping[str, Any], given: Any) -> NumericGrade:
    """Grade a typed answer to a numeric note, reading it as the problems do.

    The card's ``unit`` (any spelling `lessons.problems.units` knows) is
    assumed when none is typed; a typed unit of the same kind is converted
    (``13.04 GiB`` on a card in GB is 14 GB; bytes and bytes per parameter
    count as one kind). A card whose unit is not a known unit accepts its own
    label typed after the number. A card with no unit compares the number
    typed, with ``%`` and ``x`` read as the fractions they are. The allowed
    error is ``max(tolerance, relative_tolerance * |answer|)`` in the card's
    unit.
    """
    typed = given if isinstance(given, str) else "" if given is None else str(given)
    card_text = str(fields.get("unit") or "").strip()
    card_unit = units.find_unit(card_text) if card_text else None
    answer = parse_number(fields.get("answer"))
    expected = (
        f"{fields.get('answer')} {card_text}".strip()
        if answer is None
        else f"{_show(answer)} {card_text}".strip()
    )

    def verdict(status: NumericStatus, feedback: str, **kw: Any) -> NumericGrade:
        base: dict[str, Any] = {
            "answer_text": typed,
            "value": reading.value,
            "unit": reading.unit.symbol if reading.unit else None,
            "unit_text": reading.unit_text,
            "value_in_card_unit": None,
            "expected": expected,
        }
        return NumericGrade(status=status, feedback=feedback, **{**base, **kw})

    reading = units.read_answer(typed)
    own_label = False
    if not reading.readable and card_text and card_unit is None:
        stem = typed.rstrip()
        if stem.lower().endswith(card_text.lower()):
            label = stem[len(stem) - len(card_text) :]
            stripped = units.read_answer(stem[: -len(card_text)])
            if stripped.readable and stripped.unit is None:
                reading, own_label = replace(stripped, unit_text=label), True
    if not typed.strip():
        return verdict("unanswered", "No answer typed.")
    if not reading.readable or reading.value is None:
        return verdict("unreadable", f"Could not read this answer: {reading.error}.")
    if answer is None:
        return verdict("wrong", "This card has no readable answer.")
    value = reading.value
    if reading.unit is not None and card_unit is not None:
        if not _same_kind(reading.unit, card_unit):
            return verdict(
                "wrong",
                f"You typed {reading.unit_text}, which measures something else: "
                f"this card asks in {card_text}.",
            )
        value = card_unit.from_base(reading.unit.to_base(value))
    elif reading.unit is not None and not card_text:
        if reading.unit.dimension in (units.RATIO, units.NUMBER):
            value = reading.unit.to_base(value)
    elif reading.unit is not None and not own_label:
        return verdict(
            "wrong",
            f"You typed {reading.unit_text}; this card asks in {card_text}.",
        )
    allowed = max(
        float(parse_number(fields.get("tolerance")) or 0.0),
        float(parse_number(fields.get("relative_tolerance")) or 0.0) * abs(answer),
    )
    right = abs(value - answer) <= allowed + 1e-12 * max(1.0, abs(answer))
    in_card = value if math.isfinite(value) else None
    typed_as = _typed_as(reading, value, card_text)
    if right:
        return verdict("correct", f"Right: {typed_as}.", value_in_card_unit=in_card)
    feedback = f"Not quite: {typed_as}; the answer is {expected}."
    if reading.note:
        feedback += f" ({reading.note}.)"
    return verdict("wrong", feedback, value_in_card_unit=in_card)


def _typed_as(reading: units.Reading, value: float, card_text: str) -> str:
    """What was typed, as typed; the number read when it was written another
    way ("2^-7 (read as 0.0078125)"); and what it is in the card's unit when
    that differs."""
    shown = _show(reading.value or 0.0)
    text = " ".join(reading.text.split())
    unit = reading.unit_text or ""
    number = (
        text[: len(text) - len(unit)].strip()
        if unit and text.lower().endswith(unit.lower())
        else text
    )
    typed = f"you typed {text}"
    if number != shown:
        typed += f" (read as {shown}{' ' + unit if unit else ''})"
    if unit and card_text and unit.lower() != card_text.lower():
        typed += f", which is {_show(value)} {card_text}"
    return typed


def _show(value: float) -> str:
    return f"{value:.6g}"


def grade_numeric(fields: Mapping[str, Any], given: str) -> bool:
    """Whether a typed answer is within the note's tolerance of its answer
    (see :func:`numeric_grade`, which also says why)."""
    return numeric_grade(fields, given).correct
