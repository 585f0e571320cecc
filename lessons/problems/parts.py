"""One graded answer of a problem (:class:`Part`), and how templates build one."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lessons.precision import Step
from lessons.problems import units
from lessons.problems.misconceptions import Misconception
from lessons.problems.tolerance import EXACT, REL_1PCT, Tolerance
from lessons.problems.wording import fmt, step_dict, step_text, unit_word

#: Units a learner types a byte count in (bits excluded), and "" for no unit.
BYTE_LABELS: tuple[str, ...] = (
    "",
    *(
        s
        for s in ("B", "KB", "MB", "GB", "TB", "PB", "KiB", "MiB", "GiB", "TiB", "PiB")
        if units.unit(s).dimension == units.BYTES
    ),
)

#: How a unit's factor is written in a worked step: 2^30, not 1,073,741,824.
POWERS: dict[float, str] = {
    1e6: "10^6",
    1e9: "10^9",
    1e12: "10^12",
    2.0**20: "2^20",
    2.0**30: "2^30",
    2.0**40: "2^40",
}


@dataclass(frozen=True)
class Part:
    """One graded answer of a problem.

    Attributes:
        key: Stable key ("weights", "total").
        label: What is asked, without the unit ("Working weights");
            :attr:`field_label` adds the unit once, for a form.
        answer: The correct value, in ``unit`` (1.0/0.0 for yes/no parts).
        unit: Canonical unit symbol (see :mod:`lessons.problems.units`).
        tolerance: How close an answer must be.
        misconceptions: Named wrong answers, each outside the tolerance.
        solution: Worked steps; the last step's value is ``answer`` in ``unit``.
        choices: ("yes", "no") for a yes/no part, else None.
    """

    key: str
    label: str
    answer: float
    unit: str
    tolerance: Tolerance
    misconceptions: tuple[Misconception, ...]
    solution: tuple[Step, ...]
    choices: tuple[str, ...] | None = None

    @property
    def answer_text(self) -> str:
        if self.choices:
            return "yes" if self.answer else "no"
        return f"{fmt(self.answer, 6)} {unit_word(self.answer, self.unit)}".strip()

    @property
    def field_label(self) -> str:
        """The label with its unit, once: "Working weights (GB)"."""
        if self.choices or not self.unit:
            return self.label
        return f"{self.label} ({self.unit})"

    @property
    def tolerance_text(self) -> str:
        """How close an answer must be, in words; "" for a yes/no part."""
        return "" if self.choices else self.tolerance.describe()

    def solution_lines(self) -> tuple[str, ...]:
        """The worked solution, one line per step (see :func:`step_text`)."""
        last = len(self.solution) - 1
        return tuple(
            step_text(s, choice=bool(self.choices) and i == last)
            for i, s in enumerate(self.solution)
        )

    def to_dict(self, *, with_answer: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "key": self.key,
            "label": self.label,
            "field_label": self.field_label,
            "unit": self.unit,
            "choices": list(self.choices) if self.choices else None,
            "tolerance": self.tolerance.to_dict() | {"text": self.tolerance_text},
        }
        if with_answer:
            last = len(self.solution) - 1
            data |= {
                "answer": self.answer,
                "answer_text": self.answer_text,
                "misconceptions": [m.to_dict() for m in self.misconceptions],
                "solution": [
                    step_dict(s, choice=bool(self.choices) and i == last)
                    for i, s in enumerate(self.solution)
                ],
            }
        return data


def part(
    key: str,
    label: str,
    answer: float,
    unit: str,
    solution: Sequence[Step],
    misconceptions: Sequence[Misconception] = (),
    *,
    tolerance: Tolerance = REL_1PCT,
    unit_mixups: bool = True,
) -> Part:
    """Build a part; drop misconceptions that the tolerance cannot tell apart.

    A misconception is kept only when its answer lies outside the tolerance of
    the correct answer and of every misconception kept before it, so the order
    of ``misconceptions`` is the order of preference. For byte answers in GB or
    GiB, ``unit_mixups`` adds "GiB labelled GB" (and the reverse).

    Raises:
        ValueError: the last solution step does not equal the answer, or the
            label names the unit (pages add it once, see ``field_label``).
    """
    if not solution or solution[-1].value != answer or solution[-1].unit != unit:
        raise ValueError(f"part {key}: the last solution step must be the answer")
    if unit and label.endswith(f"({unit})"):
        raise ValueError(f"part {key}: the label must not name the unit {unit!r}")
    found = list(misconceptions)
    if unit_mixups:
        found += _unit_mixups(answer, unit)
    target = units.unit(unit)
    kept: list[Misconception] = []
    for m in found:
        if not math.isfinite(m.value):
            continue
        if units.unit(m.unit).dimension != target.dimension:
            continue
        value = _value_in(target, m)
        clash = tolerance.accepts(answer, value) or any(
            tolerance.accepts(_value_in(target, k), value)
            or tolerance.accepts(value, _value_in(target, k))
            for k in kept
        )
        if not clash:
            kept.append(m)
    return Part(key, label, answer, unit, tolerance, tuple(kept), tuple(solution))


def yes_no_part(
    key: str,
    label: str,
    answer: bool,
    solution: Sequence[Step],
    misconceptions: Sequence[Misconception] = (),
) -> Part:
    """Build a yes/no part: the answer is 1.0 (yes) or 0.0 (no), judged exactly."""
    return Part(
        key,
        label,
        float(answer),
        "",
        EXACT,
        tuple(misconceptions),
        tuple(solution),
        choices=("yes", "no"),
    )


def _value_in(target: units.Unit, m: Misconception) -> float:
    """A misconception's value expressed in ``target``."""
    return target.from_base(units.unit(m.unit).to_base(m.value))


def _unit_mixups(answer: float, unit: str) -> list[Misconception]:
    """The GB/GiB (MB/MiB, TB/TiB) mix-ups of an answer in ``unit``.

    Each names the unit the learner typed, so each applies only when that unit
    (or, for the number of the other unit, no unit) was typed: 224 GB typed
    for 208 GB is the same bytes as 208 GiB, but nobody labelled it GiB.
    """
    pairs = {
        "GB": "GiB",
        "GiB": "GB",
        "TB": "TiB",
        "TiB": "TB",
        "MB": "MiB",
        "MiB": "MB",
    }
    if unit not in pairs:
        return []
    other = pairs[unit]
    in_other = units.convert(answer, unit, other)
    decimal = "i" not in unit
    one = units.unit(unit).factor
    one_other = units.unit(other).factor
    first = Misconception(
        f"{'gib_labelled_gb' if decimal else 'gb_labelled_gib'}",
        in_other,
        unit,
        f"That is the size in {other} (bytes ÷ {POWERS[one_other]}); the question asks "
        f"for {unit}: 1 {unit} = {POWERS[one]} = {fmt(one)} bytes, 1 {other} = "
        f"{POWERS[one_other]} = {fmt(one_other)} bytes.",
        typed_units=(unit, ""),
    )
    second = Misconception(
        f"{'gb_labelled_gib' if decimal else 'gib_labelled_gb'}",
        answer,
        other,
        f"The number is right in {unit} but labelled {other}; 1 {other} is "
        f"{POWERS[one_other]} bytes, 1 {unit} {POWERS[one]}, a "
        f"{abs(one_other / one - 1) * 100:.0f}% difference.",
        typed_units=(other,),
    )
    return [first, second]


def in_unit(label: str, num_bytes: float, unit: str) -> Step:
    """A step converting bytes into ``unit`` (GB, GiB, B/param...)."""
    divisor = units.unit(unit).factor
    return Step(
        label,
        f"{fmt(num_bytes)} B / {POWERS.get(divisor, fmt(divisor))}",
        num_bytes / divisor,
        unit,
    )
