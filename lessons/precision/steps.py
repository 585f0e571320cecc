"""Results that explain themselves: a tuple of steps, the last one the answer."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

GB = 10**9
GIB = 2**30


@dataclass(frozen=True)
class Step:
    """One line of a worked calculation.

    Attributes:
        label: What this step computes ("Optimizer states").
        expression: The arithmetic, with the numbers ("2 × 4 B").
        value: The step's result, in ``unit``.
        unit: "B", "B/param", "FLOP", "s", ... ("" for a plain number).
    """

    label: str
    expression: str
    value: float
    unit: str

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict; byte values also carry GB and GiB.

        Returns:
            ``label``, ``expression``, ``value``, ``unit`` (and ``gb``, ``gib``
            when the unit is bytes).
        """
        data: dict[str, Any] = {
            "label": self.label,
            "expression": self.expression,
            "value": json_float(self.value),
            "unit": self.unit,
        }
        if self.unit == "B":
            data |= {"gb": self.value / GB, "gib": self.value / GIB}
        return data

    def __str__(self) -> str:
        text = f"{self.label}: {self.expression} = {show(self.value)} {self.unit}"
        if self.unit == "B":
            text += f" ({show_bytes(self.value)})"
        return text.rstrip()


@dataclass(frozen=True)
class Explained:
    """Base of results that carry their worked steps."""

    steps: tuple[Step, ...]

    @property
    def result(self) -> float:
        """The last step's value: the answer."""
        return self.steps[-1].value

    def explain(self) -> str:
        """Return the steps as text, one per line.

        Returns:
            Lines of the form ``label: expression = value unit``.
        """
        return "\n".join(str(step) for step in self.steps)

    def steps_dict(self) -> list[dict[str, Any]]:
        """Return the steps as JSON-safe dicts."""
        return [step.to_dict() for step in self.steps]


def size(num_bytes: float) -> dict[str, float]:
    """Return a byte count as ``{"bytes", "gb", "gib"}`` (GB = 1e9, GiB = 2^30).

    Args:
        num_bytes: A number of bytes.

    Returns:
        The same amount in bytes, GB and GiB.
    """
    return {"bytes": num_bytes, "gb": num_bytes / GB, "gib": num_bytes / GIB}


def json_float(value: float) -> float | None:
    """Return ``value``, or None where JSON cannot hold it (inf, NaN)."""
    return value if math.isfinite(value) else None


def show(value: float) -> str:
    """Format a number for an expression: 7,000,000,000 or 0.0039 or 1.2e+24."""
    if value == int(value) and abs(value) < 1e16:
        return f"{int(value):,}"
    if abs(value) >= 1e16:
        return f"{value:.4g}"
    return f"{value:,.6g}"


def show_bytes(num_bytes: float) -> str:
    """Format a byte count with both GB and GiB: ``112 GB, 104.3 GiB``."""
    return f"{num_bytes / GB:,.4g} GB, {num_bytes / GIB:,.4g} GiB"
