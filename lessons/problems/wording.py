"""How numbers and worked steps are written for learners.

Numbers in prompts and answers (:func:`fmt`), a step's result with its unit
(:func:`step_value_text`) and one line of a worked solution (:func:`step_text`).
"""

from __future__ import annotations

import math
from typing import Any

from lessons.precision import Step
from lessons.precision.steps import show, show_bytes


def fmt(value: float, digits: int = 4) -> str:
    """A number for prompts and answers: 7,000,000,000 / 193.7 / 6.1e-05."""
    if isinstance(value, bool):
        return str(value)
    if value == 0:
        return "0"
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    magnitude = abs(value)
    if magnitude >= 1e15 or magnitude < 1e-3:
        return f"{value:.{digits}g}".replace("e+", "e")
    text = f"{value:,.{digits}g}" if magnitude >= 1 else f"{value:.{digits}g}"
    if "e" in text:
        text = f"{value:,.{max(digits - len(str(int(magnitude))), 0)}f}"
    return text


def step_value_text(step: Step, *, choice: bool = False) -> str:
    """A step's result as a person writes it.

    Whole numbers without ".0" and with thousands separators (131,008), byte
    counts with GB and GiB beside them, and "yes"/"no" for a yes/no step; the
    formatting is :mod:`lessons.precision.steps`' own, as everywhere else.
    """
    if choice:
        return "yes" if step.value else "no"
    if not math.isfinite(step.value):
        return f"{step.value} {step.unit}".strip()
    text = f"{show(step.value)} {unit_word(step.value, step.unit)}".strip()
    if step.unit == "B":
        text += f" ({show_bytes(step.value)})"
    return text


def unit_word(value: float, unit: str) -> str:
    """The unit as written after ``value``: "1 GPU", "2 GPUs"."""
    return "GPU" if unit == "GPUs" and value == 1 else unit


def step_text(step: Step, *, choice: bool = False) -> str:
    """One line of a worked solution: "label: expression = result".

    A yes/no step whose expression already ends in its verdict is not
    followed by "= yes" (nor by the 1.0/0.0 it is stored as).
    """
    value = step_value_text(step, choice=choice)
    if choice and step.expression.rstrip(" .").endswith(value):
        return f"{step.label}: {step.expression}"
    return f"{step.label}: {step.expression} = {value}"


def step_dict(step: Step, *, choice: bool) -> dict[str, Any]:
    """A step as JSON, with its result and its line as :func:`step_text` writes them."""
    return step.to_dict() | {
        "value_text": step_value_text(step, choice=choice),
        "text": step_text(step, choice=choice),
    }
