"""Grading typed answers: value and unit judged separately, misconceptions named.

:func:`grade_part` reads an answer (see :func:`lessons.problems.units.read_answer`),
converts it to the part's unit, and says:

* ``status``: ``correct``, ``wrong``, ``unreadable`` ("could not read": no
  number, or a unit nobody uses) or ``unanswered`` (empty);
* ``value_correct``: the quantity is right (after unit conversion), or the
  *number* typed is the right number in the part's unit with a wrong label;
* ``unit_correct``: no unit typed (the part's unit is assumed) or a unit of
  the right kind whose quantity is right; False for a wrong label or kind;
* ``misconception``: the named mistake the answer matches (its id;
  ``misconception_title`` is its name in words), with feedback.

``feedback`` says what the answer shows and nothing else: no verdict (that is
``status``) and no statement of the answer (that is ``expected``), so a page
that shows all three says each once. A mistake of units (a GiB figure for GB,
a number labelled with the wrong unit) is named only when the learner typed
the unit it speaks of: the grader matches on the value *and* the unit the
number reader found in the answer.

Pure Python; imports nothing from Django.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

from lessons.problems import units
from lessons.problems.errors import ProblemInputError
from lessons.problems.generation import Problem
from lessons.problems.misconceptions import Misconception
from lessons.problems.parts import Part
from lessons.problems.tolerance import Tolerance
from lessons.problems.wording import fmt

Status = Literal["correct", "wrong", "unreadable", "unanswered"]


@dataclass(frozen=True)
class Grade:
    """The verdict on one part."""

    part: str
    status: Status
    answer_text: str
    value: float | None
    unit: str | None
    value_in_part_unit: float | None
    value_correct: bool
    unit_correct: bool | None
    misconception: str | None
    feedback: str
    expected: str
    misconception_title: str | None = None

    @property
    def correct(self) -> bool:
        return self.status == "correct"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _verdict(
    part: Part,
    typed: str,
    reading: units.Reading,
    status: Status,
    *,
    found: Misconception | None = None,
    **kw: Any,
) -> Grade:
    """A `Grade` of ``part`` from what was read, with ``kw`` over the defaults."""
    base: dict[str, Any] = {
        "part": part.key,
        "status": status,
        "answer_text": typed,
        "value": reading.value,
        "unit": reading.unit.symbol if reading.unit else None,
        "value_in_part_unit": None,
        "value_correct": False,
        "unit_correct": None,
        "misconception": None,
        "feedback": "",
        "expected": part.answer_text,
    }
    base.update(kw)
    if found is not None:
        base |= {"misconception": found.name, "misconception_title": found.title}
    return Grade(**base)


def grade_part(part: Part, text: object) -> Grade:
    """Grade the answer ``text`` to ``part``."""
    typed = text if isinstance(text, str) else ("" if text is None else str(text))
    reading = units.read_answer(typed, choices=part.choices)
    if not reading.readable:
        if not typed.strip():
            return _verdict(
                part, typed, reading, "unanswered", feedback="No answer given."
            )
        return _verdict(
            part,
            typed,
            reading,
            "unreadable",
            feedback=f"Could not read this answer: {reading.error}.",
        )
    if part.choices:
        return _grade_choice(part, typed, reading)
    return _grade_quantity(part, typed, reading)


def _grade_choice(part: Part, typed: str, reading: units.Reading) -> Grade:
    """Grade a readable yes/no answer."""
    chosen = 1.0 if reading.choice == "yes" else 0.0
    ok = chosen == part.answer
    found = _matching_choice(part, chosen)
    return _verdict(
        part,
        typed,
        reading,
        "correct" if ok else "wrong",
        value=chosen,
        value_in_part_unit=chosen,
        value_correct=ok,
        unit_correct=True,
        found=found if found and not ok else None,
        feedback="" if ok else (found.feedback if found else _SEE_SOLUTION),
    )


def _grade_quantity(part: Part, typed: str, reading: units.Reading) -> Grade:
    """Grade a readable number, with its unit if one was typed."""
    assert reading.value is not None
    target = units.unit(part.unit)
    typed_unit = reading.unit or target
    number_right = part.tolerance.accepts(part.answer, reading.value)
    if typed_unit.dimension != target.dimension:
        feedback = (
            f"The unit {typed_unit.symbol or '(none)'} measures something else: this "
            f"part asks for {_kind(target)} (in {part.unit})."
        )
        if number_right:
            feedback += " The number itself is right."
        return _verdict(
            part,
            typed,
            reading,
            "wrong",
            value_correct=number_right,
            unit_correct=False,
            feedback=feedback,
        )
    converted = target.from_base(typed_unit.to_base(reading.value))
    if not math.isfinite(converted):
        # 1e308 GB is readable, but no float holds it in bytes.
        return _verdict(
            part,
            typed,
            reading,
            "wrong",
            unit_correct=True,
            feedback="Far too large for this quantity.",
        )
    if part.tolerance.accepts(part.answer, converted):
        return _verdict(
            part,
            typed,
            reading,
            "correct",
            value_in_part_unit=converted,
            value_correct=True,
            unit_correct=True,
            feedback="",
        )
    typed_symbol = reading.unit.symbol if reading.unit else ""
    found = _matching(part, typed_unit.to_base(reading.value), typed_symbol)
    label_wrong = reading.unit is not None and number_right
    feedback = found.feedback if found else _off_by(part.tolerance)
    if found is None and label_wrong:
        feedback = (
            f"The number is right for {part.unit}, but you labelled it "
            f"{typed_unit.symbol}."
        )
    return _verdict(
        part,
        typed,
        reading,
        "wrong",
        value_in_part_unit=converted,
        value_correct=label_wrong,
        unit_correct=not label_wrong,
        found=found,
        feedback=feedback,
    )


_SEE_SOLUTION = "Compare your steps with the worked solution."


def _off_by(tolerance: Tolerance) -> str:
    """Plain feedback for a wrong number that shows no known mistake."""
    if tolerance.exact:
        return _SEE_SOLUTION
    if tolerance.kind == "sigfigs":
        return f"Not right {tolerance.describe()}. {_SEE_SOLUTION}"
    margin = tolerance.describe().removeprefix("within ")
    return f"More than {margin} away from the answer. {_SEE_SOLUTION}"


def _kind(target: units.Unit) -> str:
    return {
        units.BYTES: "an amount of memory",
        units.BYTES_PER_PARAM: "bytes per parameter",
        units.FLOP: "a number of operations",
        units.TIME: "a duration",
        units.RATIO: "a ratio",
        units.NUMBER: "a plain number",
    }[target.dimension]


def _matching(part: Part, base_value: float, typed_unit: str) -> Misconception | None:
    """The misconception nearest ``base_value`` that an answer typed in
    ``typed_unit`` ("" for none) can show."""
    best: tuple[float, Misconception] | None = None
    for m in part.misconceptions:
        if not m.applies_to(typed_unit):
            continue
        mu = units.unit(m.unit)
        m_base = mu.to_base(m.value)
        if part.tolerance.accepts(m.value, mu.from_base(base_value)):
            distance = abs(base_value - m_base) / (abs(m_base) or 1.0)
            if best is None or distance < best[0]:
                best = (distance, m)
    return best[1] if best else None


def _matching_choice(part: Part, chosen: float) -> Misconception | None:
    for m in part.misconceptions:
        if m.value == chosen:
            return m
    return None


@dataclass(frozen=True)
class ProblemGrade:
    """Grades of every part of one problem."""

    parts: tuple[Grade, ...]

    @property
    def score(self) -> float:
        return sum(g.correct for g in self.parts)

    @property
    def out_of(self) -> int:
        return len(self.parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "out_of": self.out_of,
            "parts": [g.to_dict() for g in self.parts],
        }


def grade(
    problem: Problem, answers: Mapping[str, object], *, partial: bool = False
) -> ProblemGrade:
    """Grade answers ``{part_key: text}`` to ``problem``.

    Args:
        problem: The problem.
        answers: Typed answers by part key; a missing part is "unanswered".
        partial: Grade only the parts present in ``answers``.

    Raises:
        ProblemInputError: an answer names a part the problem does not have
            (``field`` is that key).
    """
    if not isinstance(answers, Mapping):
        raise ProblemInputError("answers", "answers must map part keys to text")
    keys = set(problem.part_keys)
    for key in answers:
        if key not in keys:
            raise ProblemInputError(
                str(key),
                f"unknown part {key!r}; this problem's parts: {', '.join(problem.part_keys)}",
            )
    grades = tuple(
        grade_part(p, answers.get(p.key, ""))
        for p in problem.parts
        if not partial or p.key in answers
    )
    return ProblemGrade(grades)


def describe_answer(part: Part) -> str:
    """The correct answer as text, with its tolerance."""
    return f"{fmt(part.answer)} {part.unit}".strip() + f" ({part.tolerance.describe()})"
