"""Input checks for the precision domain, in one place.

:class:`Checker` collects every problem before raising, so that a form or an
API client learns about all its bad fields at once::

    check = Checker()
    params = check.count("params", params)
    gpus = check.count("gpus", gpus)
    check.done()  # raises PrecisionInputError({"params": ..., "gpus": ...})
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import TypeVar

from lessons.precision._registry import FORMAT_NAMES, FORMATS, NumberFormat
from lessons.precision.errors import PrecisionInputError

T = TypeVar("T")


def as_number(field: str, value: object) -> float:
    """Return ``value`` as a float, or raise naming ``field``.

    Args:
        field: The input field the value came from.
        value: An int, float or numpy number (not a bool, not a string).
            Ints too large for a float become +-inf.

    Returns:
        The value as a Python float (inf and NaN pass through).

    Raises:
        PrecisionInputError: the value is not a real number.
    """
    if isinstance(value, bool) or not _is_real(value):
        raise PrecisionInputError.single(
            field, f"expected a number, got {type(value).__name__} {value!r}"
        )
    try:
        return float(value)  # type: ignore[arg-type]
    except OverflowError:
        return math.inf if value > 0 else -math.inf  # type: ignore[operator]


def _is_real(value: object) -> bool:
    if isinstance(value, numbers.Real):
        return True
    # ml_dtypes scalars (bfloat16, float8...) are not registered as numbers.Real.
    return type(value).__module__ == "ml_dtypes" and hasattr(value, "__float__")


class Checker:
    """Collects input problems as ``{field: message}`` and raises them at once."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def fail(self, field: str, message: str) -> None:
        """Record a problem (the first one per field wins)."""
        self.errors.setdefault(field, message)

    def done(self) -> None:
        """Raise :class:`PrecisionInputError` if any problem was recorded."""
        if self.errors:
            raise PrecisionInputError(self.errors)

    def count(self, field: str, value: object) -> int:
        """A whole number >= 1 (7e9 is accepted as 7000000000)."""
        number = self._number(field, value)
        if number is None or not (math.isfinite(number) and number.is_integer()):
            return self._bad(field, f"must be a whole number, got {value!r}", 1)
        if number < 1:
            return self._bad(field, f"must be at least 1, got {value!r}", 1)
        return int(value) if isinstance(value, numbers.Integral) else int(number)

    def positive(self, field: str, value: object) -> float:
        """A positive finite number."""
        number = self._number(field, value)
        if number is None or not (math.isfinite(number) and number > 0):
            return self._bad(field, f"must be a positive number, got {value!r}", 1.0)
        return number

    def fraction(self, field: str, value: object) -> float:
        """A number in (0, 1]."""
        number = self.positive(field, value)
        if number > 1:
            return self._bad(field, f"must be at most 1, got {value!r}", 1.0)
        return number

    def in_range(self, field: str, value: object, low: int, high: int) -> int:
        """A whole number from ``low`` to ``high`` inclusive."""
        number = self._number(field, value)
        if number is None or not number.is_integer() or not low <= number <= high:
            return self._bad(field, f"must be {low} to {high}, got {value!r}", low)
        return int(number)

    def flag(self, field: str, value: object) -> bool:
        """A bool."""
        if not isinstance(value, bool):
            return self._bad(field, f"must be true or false, got {value!r}", False)
        return value

    def choice(self, field: str, value: object, choices: Iterable[str]) -> str:
        """One of ``choices``."""
        options = tuple(choices)
        if not isinstance(value, str) or value not in options:
            message = f"unknown value {value!r}; valid: {', '.join(options)}"
            return self._bad(field, message, options[0])
        return value

    def format(self, field: str, value: object) -> NumberFormat:
        """A number format name from the registry."""
        if not isinstance(value, str) or value not in FORMATS:
            message = (
                f"unknown format {value!r}; valid formats: {', '.join(FORMAT_NAMES)}"
            )
            return self._bad(field, message, FORMATS["fp32"])
        return FORMATS[value]

    def _number(self, field: str, value: object) -> float | None:
        try:
            return as_number(field, value)
        except PrecisionInputError as error:
            self.fail(field, error.message)
            return None

    def _bad(self, field: str, message: str, placeholder: T) -> T:
        self.fail(field, message)
        return placeholder
