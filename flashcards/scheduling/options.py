"""Deck scheduling options: limits, validation and the library scheduler.

`DeckOptions` holds a deck's options and validates them on construction,
reporting every problem together in `SchedulingOptionsError`. `_scheduler`
builds (and caches) the ``fsrs.Scheduler`` for a set of options, always with
fuzzing off: fuzz is applied by `flashcards.scheduling.reviewing` from the
caller's random source.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any, TypeGuard

import fsrs
from fsrs.scheduler import (
    DEFAULT_PARAMETERS,
    LOWER_BOUNDS_PARAMETERS,
    UPPER_BOUNDS_PARAMETERS,
)

MIN_RETENTION = 0.70
MAX_RETENTION = 0.99
MAX_INTERVAL_DAYS = 36500
MAX_DAILY_LIMIT = 9999
MAX_STEP = timedelta(days=MAX_INTERVAL_DAYS)

_STEP_PATTERN = re.compile(r"(\d+)([smhd])")
_STEP_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class LeechAction(StrEnum):
    """What to do with a card that has lapsed too often."""

    TAG = "tag"
    SUSPEND = "suspend"


class ReviewOrder(StrEnum):
    """How due review cards are ordered in the study queue."""

    RETRIEVABILITY = "retrievability"  # most at risk of being forgotten first
    DUE = "due"


class NewOrder(StrEnum):
    """How new cards are drawn into the study queue."""

    MIXED = "mixed"  # round-robin over note kinds and objectives, then as added
    ADDED = "added"  # in the order they were added


class SchedulingOptionsError(ValueError):
    """Invalid deck options; ``errors`` maps each bad field to a message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors: dict[str, str] = dict(errors)
        details = "; ".join(f"{key}: {message}" for key, message in errors.items())
        super().__init__(f"invalid scheduling options: {details}")


@dataclass(frozen=True)
class DeckOptions:
    """A deck's scheduling options, validated on construction.

    Steps are strings such as ``"1m"``, ``"10m"``, ``"1h"`` or ``"1d"``;
    ``parameters`` are the 21 FSRS-6 weights.
    """

    desired_retention: float = 0.9
    learning_steps: tuple[str, ...] = ("1m", "10m")
    relearning_steps: tuple[str, ...] = ("10m",)
    maximum_interval: int = MAX_INTERVAL_DAYS
    enable_fuzz: bool = True
    new_per_day: int = 20
    reviews_per_day: int = 200
    parameters: tuple[float, ...] = tuple(DEFAULT_PARAMETERS)
    leech_threshold: int = 8
    leech_action: LeechAction = LeechAction.TAG
    bury_siblings: bool = False
    # As in Anki: a new card's siblings wait for tomorrow once one is studied.
    bury_new_siblings: bool = True
    new_order: NewOrder = NewOrder.MIXED
    review_order: ReviewOrder = ReviewOrder.RETRIEVABILITY

    def __post_init__(self) -> None:
        errors = _option_errors(values=self._raw_values())
        if errors:
            raise SchedulingOptionsError(errors)
        # Normalise after validation so that instances stay hashable.
        object.__setattr__(self, "learning_steps", tuple(self.learning_steps))
        object.__setattr__(self, "relearning_steps", tuple(self.relearning_steps))
        object.__setattr__(self, "parameters", tuple(map(float, self.parameters)))
        object.__setattr__(self, "leech_action", LeechAction(self.leech_action))
        object.__setattr__(self, "review_order", ReviewOrder(self.review_order))
        object.__setattr__(self, "new_order", NewOrder(self.new_order))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DeckOptions:
        """Build options from a JSON-like dict, reporting every problem at once.

        Missing keys take their defaults. Steps may also be given as one
        space-separated string (``"1m 10m"``), as Anki shows them.

        Args:
            data: Option names mapped to values.

        Returns:
            The validated options.

        Raises:
            SchedulingOptionsError: If any key is unknown or any value invalid.
        """
        names = {f.name for f in fields(cls)}
        errors = {key: "unknown option" for key in data if key not in names}
        known = {
            key: _coerce_option(key=key, value=value)
            for key, value in data.items()
            if key in names
        }
        defaults = cls()._raw_values()
        errors |= _option_errors(values={**defaults, **known})
        if errors:
            raise SchedulingOptionsError(errors)
        return cls(**known)

    def to_dict(self) -> dict[str, Any]:
        """Return the options as a JSON-serialisable dict (for a ``JSONField``).

        Returns:
            A dict that `from_dict` turns back into equal options.
        """
        values = self._raw_values()
        for key in ("learning_steps", "relearning_steps", "parameters"):
            values[key] = list(values[key])
        values["leech_action"] = str(self.leech_action.value)
        values["review_order"] = str(self.review_order.value)
        values["new_order"] = str(self.new_order.value)
        return values

    @property
    def learning_deltas(self) -> tuple[timedelta, ...]:
        """The learning steps as timedeltas."""
        return tuple(_parse_step(text=step) for step in self.learning_steps)

    @property
    def relearning_deltas(self) -> tuple[timedelta, ...]:
        """The relearning steps as timedeltas."""
        return tuple(_parse_step(text=step) for step in self.relearning_steps)

    @property
    def decay(self) -> float:
        """The forgetting curve's exponent, ``-w[20]`` (negative)."""
        return -self.parameters[20]

    def _raw_values(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _parse_step(*, text: str) -> timedelta:
    match = _STEP_PATTERN.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a step like '1m', '10m', '1h' or '1d'")
    amount, unit = int(match[1]), match[2]
    if amount == 0:
        raise ValueError(f"{text!r}: a step must be longer than zero")
    if amount * _STEP_UNITS[unit] > MAX_STEP.total_seconds():
        raise ValueError(f"{text!r}: a step can be at most {MAX_INTERVAL_DAYS}d")
    return timedelta(seconds=amount * _STEP_UNITS[unit])


def _coerce_option(*, key: str, value: Any) -> Any:
    if key in ("learning_steps", "relearning_steps") and isinstance(value, str):
        return tuple(value.split())
    return value


def _is_number(value: object) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_retention(value: object) -> str | None:
    if _is_number(value) and MIN_RETENTION <= value <= MAX_RETENTION:
        return None
    return f"must be a number from {MIN_RETENTION} to {MAX_RETENTION}"


def _check_steps(value: object) -> str | None:
    if not isinstance(value, list | tuple):
        return "must be a list of steps like '1m', '10m', '1h', '1d'"
    problems = []
    for item in value:
        if not isinstance(item, str):
            problems.append(f"{item!r} is not a string")
            continue
        try:
            _parse_step(text=item)
        except ValueError as exc:
            problems.append(str(exc))
    return "; ".join(problems) or None


def _check_parameters(value: object) -> str | None:
    if not isinstance(value, list | tuple):
        return "must be a list of numbers"
    expected = len(DEFAULT_PARAMETERS)
    if len(value) != expected:
        return f"expected {expected} parameters, got {len(value)}"
    problems = []
    bounds = zip(value, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS, strict=True)
    for index, (weight, low, high) in enumerate(bounds):
        if not _is_number(weight) or not math.isfinite(weight):
            problems.append(f"parameters[{index}] = {weight!r} is not a finite number")
        elif not low <= weight <= high:
            problems.append(
                f"parameters[{index}] = {weight} is outside [{low}, {high}]"
            )
    return "; ".join(problems) or None


def _check_bool(value: object) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


def _int_between(low: int, high: int) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int):
            return f"must be a whole number from {low} to {high}"
        return None if low <= value <= high else f"must be from {low} to {high}"

    return check


def _one_of(choices: type[StrEnum]) -> Callable[[object], str | None]:
    allowed = [member.value for member in choices]

    def check(value: object) -> str | None:
        return None if value in allowed else f"must be one of {allowed}"

    return check


_OPTION_CHECKS: dict[str, Callable[[object], str | None]] = {
    "desired_retention": _check_retention,
    "learning_steps": _check_steps,
    "relearning_steps": _check_steps,
    "maximum_interval": _int_between(1, MAX_INTERVAL_DAYS),
    "enable_fuzz": _check_bool,
    "new_per_day": _int_between(0, MAX_DAILY_LIMIT),
    "reviews_per_day": _int_between(0, MAX_DAILY_LIMIT),
    "parameters": _check_parameters,
    "leech_threshold": _int_between(1, 99),
    "leech_action": _one_of(LeechAction),
    "bury_siblings": _check_bool,
    "bury_new_siblings": _check_bool,
    "new_order": _one_of(NewOrder),
    "review_order": _one_of(ReviewOrder),
}


def _option_errors(*, values: Mapping[str, Any]) -> dict[str, str]:
    errors = {key: check(values[key]) for key, check in _OPTION_CHECKS.items()}
    return {key: message for key, message in errors.items() if message}


@lru_cache(maxsize=128)
def _scheduler(*, options: DeckOptions) -> fsrs.Scheduler:
    # Fuzzing stays off: the library would draw from the global `random`.
    return fsrs.Scheduler(
        parameters=options.parameters,
        desired_retention=options.desired_retention,
        learning_steps=options.learning_deltas,
        relearning_steps=options.relearning_deltas,
        maximum_interval=options.maximum_interval,
        enable_fuzzing=False,
    )
