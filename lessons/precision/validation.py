"""Input checks for the precision domain, in one place.

:class:`Checker` collects every problem before raising, so that a form or an
API client learns about all its bad fields at once::

    check = Checker()
    params = check.count("params", params)
    gpus = check.count("gpus", gpus)
    check.done()  # raises PrecisionInputError({"params": ..., "gpus": ...})

Each message is written for the API, whose clients know its field names and
units. A page that words the problem in its own terms (a form in billions of
parameters) reads :attr:`CheckedInputError.problems` instead: the rule broken,
the value and the limits, as :class:`Problem`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from lessons.precision._registry import FORMAT_NAMES, FORMATS, NumberFormat
from lessons.precision.errors import PrecisionInputError

T = TypeVar("T")


@dataclass(frozen=True)
class Problem:
    """One input problem, for a surface to word in its own terms.

    Attributes:
        field: The input field.
        rule: What was broken: ``number`` (not a real number), ``whole``,
            ``at_least`` (below ``low``), ``positive``, ``at_most`` (above
            ``high``), ``range`` (not a whole number from ``low`` to
            ``high``), ``flag``, ``choice`` (not one of ``choices``),
            ``format`` (not a format name) or ``other`` (see ``message``).
        value: The value as given.
        message: The API's wording.
        low: The smallest value allowed, where the rule has one.
        high: The largest value allowed, where the rule has one.
        choices: The values allowed, for ``choice`` and ``format``.
    """

    field: str
    rule: str
    value: Any
    message: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()


class CheckedInputError(PrecisionInputError):
    """A :class:`PrecisionInputError` that also carries each :class:`Problem`."""

    def __init__(
        self, errors: Mapping[str, str], problems: Mapping[str, Problem]
    ) -> None:
        super().__init__(errors)
        self.problems: dict[str, Problem] = dict(problems)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.errors, self.problems))


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
        self.problems: dict[str, Problem] = {}

    def fail(
        self,
        field: str,
        message: str,
        *,
        rule: str = "other",
        value: object = None,
        **limits: Any,
    ) -> None:
        """Record a problem (the first one per field wins).

        ``rule``, ``value`` and ``limits`` (``low``, ``high``, ``choices``)
        describe it for :class:`Problem`.
        """
        if field not in self.errors:
            self.errors[field] = message
            self.problems[field] = Problem(field, rule, value, message, **limits)

    def done(self) -> None:
        """Raise :class:`CheckedInputError` (a :class:`PrecisionInputError`)
        if any problem was recorded."""
        if self.errors:
            raise CheckedInputError(self.errors, self.problems)

    def count(self, field: str, value: object) -> int:
        """A whole number >= 1 (7e9 is accepted as 7000000000)."""
        number = self._number(field, value)
        if number is None or not (math.isfinite(number) and number.is_integer()):
            message = f"must be a whole number, got {value!r}"
            return self._bad(field, message, 1, rule="whole", value=value)
        if number < 1:
            message = f"must be at least 1, got {value!r}"
            return self._bad(field, message, 1, rule="at_least", value=value, low=1)
        return int(value) if isinstance(value, numbers.Integral) else int(number)

    def positive(self, field: str, value: object) -> float:
        """A positive finite number."""
        number = self._number(field, value)
        if number is None or not (math.isfinite(number) and number > 0):
            message = f"must be a positive number, got {value!r}"
            return self._bad(field, message, 1.0, rule="positive", value=value)
        return number

    def fraction(self, field: str, value: object) -> float:
        """A number in (0, 1]."""
        number = self.positive(field, value)
        if number > 1:
            message = f"must be at most 1, got {value!r}"
            return self._bad(field, message, 1.0, rule="at_most", value=value, high=1)
        return number

    def in_range(self, field: str, value: object, low: int, high: int) -> int:
        """A whole number from ``low`` to ``high`` inclusive."""
        number = self._number(field, value)
        if number is None or not number.is_integer() or not low <= number <= high:
            message = f"must be {low} to {high}, got {value!r}"
            return self._bad(
                field, message, low, rule="range", value=value, low=low, high=high
            )
        return int(number)

    def flag(self, field: str, value: object) -> bool:
        """A bool."""
        if not isinstance(value, bool):
            message = f"must be true or false, got {value!r}"
            return self._bad(field, message, False, rule="flag", value=value)
        return value

    def choice(self, field: str, value: object, choices: Iterable[str]) -> str:
        """One of ``choices``."""
        options = tuple(choices)
        if not isinstance(value, str) or value not in options:
            message = f"unknown value {value!r}; valid: {', '.join(options)}"
            return self._bad(
                field, message, options[0], rule="choice", value=value, choices=options
            )
        return value

    def format(self, field: str, value: object) -> NumberFormat:
        """A number format name from the registry."""
        if not isinstance(value, str) or value not in FORMATS:
            message = (
                f"unknown format {value!r}; valid formats: {', '.join(FORMAT_NAMES)}"
            )
            return self._bad(
                field,
                message,
                FORMATS["fp32"],
                rule="format",
                value=value,
                choices=FORMAT_NAMES,
            )
        return FORMATS[value]

    def _number(self, field: str, value: object) -> float | None:
        try:
            return as_number(field, value)
        except PrecisionInputError as error:
            self.fail(field, error.message, rule="number", value=value)
            return None

    def _bad(self, field: str, message: str, placeholder: T, **problem: Any) -> T:
        self.fail(field, message, **problem)
        return placeholder
