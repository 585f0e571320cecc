"""A template's randomized parameters, and the limits teachers narrow them with."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lessons.problems.errors import ProblemInputError

# What a limit may hold: the JSON scalars (never a list or object in a list).
_SCALAR = (str, int, float, bool)


@dataclass(frozen=True)
class ParamSpec:
    """One randomized parameter: a list of choices or a numeric grid.

    A choice spec draws one of ``choices`` (strings or numbers); a range spec
    draws ``low + k·step`` for a whole k, up to ``high``. Teachers narrow a
    spec with a *limit*: a subset of the choices, or ``[low, high]``.
    """

    name: str
    label: str
    choices: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None
    step: float | None = None
    help: str = ""

    def describe(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "label": self.label,
            "help": self.help,
        }
        if self.choices:
            data |= {"kind": "choice", "choices": list(self.choices)}
        else:
            data |= {
                "kind": "range",
                "low": self.low,
                "high": self.high,
                "step": self.step,
            }
        return data

    def draw(self, rng: random.Random, limit: Any = None) -> Any:
        if self.choices:
            pool = self._limited_choices(limit)
            return pool[rng.randrange(len(pool))]
        low, high = self._limited_range(limit)
        if self.step is None or self.low is None:
            raise ValueError(f"{self.name}: a range needs low and step")
        first = math.ceil((low - self.low) / self.step - 1e-9)
        last = math.floor((high - self.low) / self.step + 1e-9)
        k = first + rng.randrange(last - first + 1)
        return round(self.low + k * self.step, 10)

    def check_limit(self, limit: Any) -> None:
        """Raise ProblemInputError (naming this parameter) for a bad ``limit``."""
        if self.choices:
            self._limited_choices(limit)
        else:
            self._limited_range(limit)

    def _limited_choices(self, limit: Any) -> tuple[Any, ...]:
        if limit is None:
            return self.choices
        if isinstance(limit, str) or not isinstance(limit, Sequence):
            limit = [limit]
        if not all(isinstance(item, _SCALAR) for item in limit):
            raise ProblemInputError(
                self.name,
                f"limit must be one of {list(self.choices)} or a list of them",
            )
        allowed = tuple(c for c in self.choices if c in set(limit))
        if not allowed:
            raise ProblemInputError(
                self.name, f"limit must name some of {list(self.choices)}"
            )
        return allowed

    def _limited_range(self, limit: Any) -> tuple[float, float]:
        if self.low is None or self.high is None or not self.step:
            raise ValueError(f"{self.name}: a range needs low, high and step")
        if limit is None:
            return self.low, self.high
        if (
            isinstance(limit, str)
            or not isinstance(limit, Sequence)
            or len(limit) != 2
            or not all(
                isinstance(x, _SCALAR) and not isinstance(x, bool) for x in limit
            )
        ):
            raise ProblemInputError(self.name, "limit must be [low, high]")
        try:
            low, high = (float(x) for x in limit)
        except (TypeError, ValueError, OverflowError):
            raise ProblemInputError(self.name, "limit must be [low, high]") from None
        low, high = max(low, self.low), min(high, self.high)
        if not low <= high or math.floor(
            (high - self.low) / self.step + 1e-9
        ) < math.ceil((low - self.low) / self.step - 1e-9):
            raise ProblemInputError(
                self.name, f"limit must overlap [{self.low:g}, {self.high:g}]"
            )
        return low, high
