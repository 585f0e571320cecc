"""How close an answer must be: relative, absolute or significant figures."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class Tolerance:
    """How close an answer must be: relative, absolute or significant figures.

    ``relative``: |x - a| <= amount·|a|; ``absolute``: |x - a| <= amount;
    ``sigfigs``: |x - a| <= half a unit in the amount-th significant figure of a.
    """

    kind: Literal["relative", "absolute", "sigfigs"]
    amount: float

    def width(self, answer: float) -> float:
        """The largest accepted distance from ``answer``."""
        if self.kind == "relative":
            return abs(answer) * self.amount
        if self.kind == "absolute":
            return self.amount
        if answer == 0:
            return 0.0
        digits = int(self.amount)
        return 0.5 * 10.0 ** (math.floor(math.log10(abs(answer))) - digits + 1)

    def accepts(self, answer: float, value: float) -> bool:
        """Whether ``value`` is within tolerance of ``answer``."""
        slack = 1e-12 * max(abs(answer), abs(value))
        return abs(value - answer) <= self.width(answer) + slack

    @property
    def exact(self) -> bool:
        """Whether only the answer itself is accepted (up to float rounding)."""
        return self.kind != "sigfigs" and self.amount <= (
            1e-6 if self.kind == "relative" else 0.0
        )

    def describe(self) -> str:
        """The tolerance in words: "within 1%", "within ±0.5", "exactly"."""
        if self.exact:
            return "exactly"
        if self.kind == "relative":
            return f"within {self.amount * 100:g}%"
        if self.kind == "absolute":
            return f"within ±{self.amount:g}"
        return f"to {int(self.amount)} significant figures"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "amount": self.amount, "text": self.describe()}


REL_1PCT = Tolerance("relative", 0.01)
EXACT = Tolerance("relative", 1e-9)
