"""Spaced-repetition scheduling: a pure adapter around py-fsrs (FSRS-6).

The `fsrs` package computes each review: stability, difficulty, learning steps
and the next interval. This module adds what the library leaves to the
application, and imports nothing from Django:

* our own `Rating` and `State` enums (``State.NEW`` marks a card never reviewed;
  the library calls such a card ``Learning`` with step 0);
* validated deck options (`DeckOptions`), all problems reported together;
* explicit ``now`` and ``rng``: the library reads the clock and the global
  ``random``; we never let it. Fuzz is applied here: the library computes the
  unfuzzed interval (its scheduler is always built with fuzzing off), and
  `_fuzzed_interval` then applies the library's own ``FUZZ_RANGES`` and its
  formula, drawing from the caller's ``random.Random``. With the same draw the
  result equals the library's (including its rounding, which can reach one day
  past the upper end of the range);
* reps and lapses counts, and leeches (a lapse is a ``REVIEW`` card rated
  ``AGAIN``);
* the learner's study day (time zone and day start hour), daily limits, queue
  order and sibling burying.

All datetimes are timezone-aware UTC; anything else raises ``ValueError``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from enum import IntEnum, StrEnum
from functools import lru_cache
from random import Random
from typing import Any, TypeGuard
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import fsrs
import numpy as np
from fsrs.scheduler import (
    DEFAULT_PARAMETERS,
    FUZZ_RANGES,
    LOWER_BOUNDS_PARAMETERS,
    UPPER_BOUNDS_PARAMETERS,
)

DEFAULT_DAY_START_HOUR = 4  # as in Anki: the study day rolls over at 4 am local
MIN_RETENTION = 0.70
MAX_RETENTION = 0.99
MAX_INTERVAL_DAYS = 36500
MAX_DAILY_LIMIT = 9999
MAX_STEP = timedelta(days=MAX_INTERVAL_DAYS)

_DAY = timedelta(days=1)
_STEP_PATTERN = re.compile(r"(\d+)([smhd])")
_STEP_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class Rating(IntEnum):
    """How well the learner recalled a card (the 1-4 answer buttons)."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4


class State(IntEnum):
    """A card's learning state; values match the FSRS optimizer's review_state."""

    NEW = 0
    LEARNING = 1
    REVIEW = 2
    RELEARNING = 3


class LeechAction(StrEnum):
    """What to do with a card that has lapsed too often."""

    TAG = "tag"
    SUSPEND = "suspend"


class ReviewOrder(StrEnum):
    """How due review cards are ordered in the study queue."""

    RETRIEVABILITY = "retrievability"  # most at risk of being forgotten first
    DUE = "due"


class SchedulingOptionsError(ValueError):
    """Invalid deck options; ``errors`` maps each bad field to a message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors: dict[str, str] = dict(errors)
        details = "; ".join(f"{key}: {message}" for key, message in errors.items())
        super().__init__(f"invalid scheduling options: {details}")


# --- deck options ---------------------------------------------------------


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


# --- card state -----------------------------------------------------------


def _utc(value: datetime, *, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise ValueError(f"{name} must be a datetime, got {value!r}")
    if value.tzinfo is None or value.utcoffset() != timedelta(0):
        raise ValueError(f"{name} must be timezone-aware UTC, got {value!r}")
    if value.tzname() != "UTC":
        raise ValueError(f"{name} must be in UTC, got {value.tzname()}")
    return value if value.tzinfo is UTC else value.replace(tzinfo=UTC)


@dataclass(frozen=True, kw_only=True)
class CardState:
    """Everything the scheduler knows about one card. Times are UTC."""

    state: State = State.NEW
    due: datetime
    stability: float | None = None
    difficulty: float | None = None
    step: int = 0
    last_review: datetime | None = None
    reps: int = 0
    lapses: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "state", State(self.state))
        object.__setattr__(self, "due", _utc(self.due, name="due"))
        if self.last_review is not None:
            last_review = _utc(self.last_review, name="last_review")
            object.__setattr__(self, "last_review", last_review)
        if min(self.step, self.reps, self.lapses) < 0:
            raise ValueError("step, reps and lapses cannot be negative")
        _check_memory(state=self)

    def to_dict(self) -> dict[str, Any]:
        """Return the state as a JSON-serialisable dict.

        Returns:
            A dict with ISO 8601 times that `from_dict` reads back.
        """
        last_review = self.last_review.isoformat() if self.last_review else None
        return {
            "state": int(self.state),
            "due": self.due.isoformat(),
            "stability": self.stability,
            "difficulty": self.difficulty,
            "step": self.step,
            "last_review": last_review,
            "reps": self.reps,
            "lapses": self.lapses,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CardState:
        """Read a state written by `to_dict`.

        Args:
            data: The dict; times must be ISO 8601 strings in UTC.

        Returns:
            The card state.
        """
        last_review = data.get("last_review")
        return cls(
            state=State(int(data["state"])),
            due=datetime.fromisoformat(data["due"]),
            stability=_optional_float(data.get("stability")),
            difficulty=_optional_float(data.get("difficulty")),
            step=int(data.get("step") or 0),
            last_review=datetime.fromisoformat(last_review) if last_review else None,
            reps=int(data.get("reps", 0)),
            lapses=int(data.get("lapses", 0)),
        )


def _check_memory(*, state: CardState) -> None:
    # The library needs stability and difficulty once a card has graduated.
    needs_memory = state.state in (State.REVIEW, State.RELEARNING)
    if needs_memory and (state.stability is None or state.difficulty is None):
        raise ValueError(f"a {state.state.name} card needs stability and difficulty")
    if state.stability is not None and not state.stability > 0:
        raise ValueError(f"stability must be positive, got {state.stability}")


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _to_fsrs_card(*, state: CardState) -> fsrs.Card:
    if state.state is State.NEW:  # the library's fresh card: Learning, step 0
        return fsrs.Card(card_id=0, state=fsrs.State.Learning, step=0, due=state.due)
    return fsrs.Card(
        card_id=0,  # an explicit id: the library's default sleeps 1 ms
        state=fsrs.State(int(state.state)),
        step=None if state.state is State.REVIEW else state.step,
        stability=state.stability,
        difficulty=state.difficulty,
        due=state.due,
        last_review=state.last_review,
    )


def _from_fsrs_card(
    *, card: fsrs.Card, due: datetime, reps: int, lapses: int
) -> CardState:
    return CardState(
        state=State(int(card.state)),
        due=due,
        stability=card.stability,
        difficulty=card.difficulty,
        step=card.step or 0,
        last_review=card.last_review,
        reps=reps,
        lapses=lapses,
    )


# --- reviewing ------------------------------------------------------------


@dataclass(frozen=True)
class ReviewOutcome:
    """The result of one review: the new state and what happened."""

    state: CardState
    rating: Rating
    interval: timedelta
    lapsed: bool
    leech_action: LeechAction | None

    @property
    def interval_days(self) -> float:
        """The interval given, in (possibly fractional) days."""
        return self.interval / _DAY

    @property
    def is_leech(self) -> bool:
        """Whether this review made the card a leech."""
        return self.leech_action is not None


def review(
    state: CardState,
    rating: Rating,
    *,
    options: DeckOptions,
    now: datetime,
    rng: Random,
) -> ReviewOutcome:
    """Review a card at ``now`` and return its next state; ``state`` is untouched.

    Args:
        state: The card's state before the review.
        rating: The learner's answer.
        options: The deck's options.
        now: The review time (UTC).
        rng: The source of fuzz; a seeded ``Random`` makes reviews reproducible.

    Returns:
        The new state, the interval given, and whether the card lapsed or became
        a leech.
    """
    now = _utc(now, name="now")
    rating = Rating(rating)
    card = _unfuzzed_review(state=state, rating=rating, options=options, now=now)
    interval = card.due - now
    if options.enable_fuzz and card.state is fsrs.State.Review:
        interval = _fuzzed_interval(
            interval=interval, maximum_interval=options.maximum_interval, rng=rng
        )
    lapsed = _is_lapse(state=state, rating=rating)
    lapses = state.lapses + int(lapsed)
    new_state = _from_fsrs_card(
        card=card, due=now + interval, reps=state.reps + 1, lapses=lapses
    )
    action = leech_action(lapsed=lapsed, lapses=lapses, options=options)
    return ReviewOutcome(new_state, rating, interval, lapsed, action)


def _unfuzzed_review(
    *, state: CardState, rating: Rating, options: DeckOptions, now: datetime
) -> fsrs.Card:
    scheduler = _scheduler(options=options)
    card, _ = scheduler.review_card(
        _to_fsrs_card(state=state), fsrs.Rating(int(rating)), review_datetime=now
    )
    return card


def _is_lapse(*, state: CardState, rating: Rating) -> bool:
    return state.state is State.REVIEW and rating is Rating.AGAIN


def _fuzz_range(*, interval_days: int, maximum_interval: int) -> tuple[int, int]:
    # The library's `_get_fuzz_range`, which it nests inside a method.
    delta = 1.0
    for fuzz_range in FUZZ_RANGES:
        span = min(float(interval_days), fuzz_range["end"]) - fuzz_range["start"]
        delta += fuzz_range["factor"] * max(span, 0.0)
    low = max(2, round(interval_days - delta))
    high = min(round(interval_days + delta), maximum_interval)
    return min(low, high), high


def _fuzzed_interval(
    *, interval: timedelta, maximum_interval: int, rng: Random
) -> timedelta:
    if interval.days < 2.5:  # the library leaves short intervals alone
        return interval
    low, high = _fuzz_range(
        interval_days=interval.days, maximum_interval=maximum_interval
    )
    days = rng.random() * (high - low + 1) + low
    return timedelta(days=min(round(days), maximum_interval))


def fuzz_bounds(interval_days: int, *, maximum_interval: int) -> tuple[int, int]:
    """Return the smallest and largest fuzzed interval for an interval in days.

    The largest is one day past the library's range end, because the library
    rounds a uniform draw from ``[low, high + 1)``.

    Args:
        interval_days: The unfuzzed interval in whole days.
        maximum_interval: The deck's maximum interval in days.

    Returns:
        ``(smallest, largest)`` in days.
    """
    if interval_days < 2.5:
        return interval_days, interval_days
    low, high = _fuzz_range(
        interval_days=interval_days, maximum_interval=maximum_interval
    )
    return low, min(high + 1, maximum_interval)


def leech_action(
    *, lapsed: bool, lapses: int, options: DeckOptions
) -> LeechAction | None:
    """Say whether a review made the card a leech, and what to do about it.

    A card becomes a leech on a review that is a lapse and brings its lapses to
    the deck's threshold or beyond.

    Args:
        lapsed: Whether this review was a lapse (a review card rated AGAIN).
        lapses: The card's lapses after this review.
        options: The deck's options (threshold and action).

    Returns:
        The action to take (tag or suspend), or None if it is not a leech.
    """
    if lapsed and lapses >= options.leech_threshold:
        return options.leech_action
    return None


def preview(
    state: CardState, *, options: DeckOptions, now: datetime
) -> dict[Rating, timedelta]:
    """Return the interval each answer button would give, without fuzz.

    Args:
        state: The card's current state.
        options: The deck's options.
        now: The time of the (hypothetical) review, UTC.

    Returns:
        Each rating mapped to the interval it would give.
    """
    now = _utc(now, name="now")
    intervals = {}
    for rating in Rating:
        card = _unfuzzed_review(state=state, rating=rating, options=options, now=now)
        intervals[rating] = card.due - now
    return intervals


def format_interval(interval: timedelta) -> str:
    """Format an interval for an answer button, as Anki does.

    Args:
        interval: A non-negative interval.

    Returns:
        A short label such as ``"<1m"``, ``"10m"``, ``"1h"``, ``"3d"``,
        ``"2.1mo"`` or ``"1.3y"``.
    """
    seconds = interval.total_seconds()
    if seconds < 0:
        raise ValueError("an interval cannot be negative")
    if seconds < 60:
        return "<1m"
    for unit, size, limit in (("m", 60, 60), ("h", 3600, 24), ("d", 86400, 30)):
        amount = round(seconds / size)
        if amount < limit:  # else "60m" would show instead of "1h"
            return f"{amount}{unit}"
    days = seconds / 86400
    if round(days / 30, 1) < 12:
        return f"{_one_decimal(value=days / 30)}mo"
    return f"{_one_decimal(value=days / 365)}y"


def _one_decimal(*, value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


# --- retrievability -------------------------------------------------------


def retrievability(state: CardState, now: datetime, options: DeckOptions) -> float:
    """Return the probability that the card is recalled at ``now``.

    As in the library, elapsed time counts in whole days; a new card gives 0.

    Args:
        state: The card's state.
        now: The time to evaluate, UTC.
        options: The deck's options (the curve's decay is ``-w[20]``).

    Returns:
        The retrievability, between 0 and 1.
    """
    now = _utc(now, name="now")
    if state.state is State.NEW or state.last_review is None:
        return 0.0
    card = _to_fsrs_card(state=state)
    return float(_scheduler(options=options).get_card_retrievability(card, now))


def retrievability_many(
    stabilities: np.ndarray, elapsed_days: np.ndarray, decay: float
) -> np.ndarray:
    """Vectorised FSRS-6 forgetting curve ``R = (1 + f * t / S) ** decay``.

    ``f = 0.9 ** (1 / decay) - 1`` so that ``R = 0.9`` when ``t = S``. Elapsed
    days may be fractional; negative ones count as zero. A stability that is NaN
    or not positive (a new card) gives 0, as `retrievability` does.

    Args:
        stabilities: Stabilities in days.
        elapsed_days: Days since each card's last review.
        decay: The curve's exponent, ``-w[20]`` (negative).

    Returns:
        The retrievabilities, broadcast from the two arrays.
    """
    if not decay < 0:
        raise ValueError(f"decay must be negative (-w[20]), got {decay}")
    stability = np.asarray(stabilities, dtype=np.float64)
    elapsed = np.maximum(np.asarray(elapsed_days, dtype=np.float64), 0.0)
    factor = 0.9 ** (1 / decay) - 1
    known = np.isfinite(stability) & (stability > 0)
    safe = np.where(known, stability, 1.0)
    return np.where(known, (1 + factor * elapsed / safe) ** decay, 0.0)


# --- study day --------------------------------------------------------------


def _zone(*, tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValueError(f"unknown time zone {tz!r}") from exc


def _local_day_start(*, day: date, hour: int, zone: ZoneInfo) -> datetime:
    # zoneinfo resolves a start hour that DST skips or repeats (fold=0).
    start = datetime.combine(day, time(hour), tzinfo=zone)
    return start.astimezone(UTC)


def day_bounds(
    now: datetime, *, tz: str, day_start_hour: int = DEFAULT_DAY_START_HOUR
) -> tuple[datetime, datetime]:
    """Return the learner's current study day as ``[start, end)`` in UTC.

    The day starts at ``day_start_hour`` local time (4 am by default, as in
    Anki), so a review at 1 am still counts for the previous day. Across a DST
    change the day is 23 or 25 hours long.

    Args:
        now: The current time, UTC.
        tz: An IANA time zone name such as ``"Europe/Berlin"``.
        day_start_hour: The local hour (0-23) at which a new day starts.

    Returns:
        ``(start, end)`` in UTC, with ``start <= now < end``.

    Raises:
        ValueError: For an unknown time zone, a bad hour or a non-UTC ``now``.
    """
    now = _utc(now, name="now")
    if not 0 <= day_start_hour <= 23:
        raise ValueError(f"day_start_hour must be 0-23, got {day_start_hour}")
    zone = _zone(tz=tz)
    day = now.astimezone(zone).date()
    start = _local_day_start(day=day, hour=day_start_hour, zone=zone)
    if now < start:
        day -= _DAY
        start = _local_day_start(day=day, hour=day_start_hour, zone=zone)
    end = _local_day_start(day=day + _DAY, hour=day_start_hour, zone=zone)
    return start, end


def bury_until(
    now: datetime, tz: str, day_start_hour: int = DEFAULT_DAY_START_HOUR
) -> datetime:
    """Return when a card buried now comes back: the next study day's start.

    Args:
        now: The current time, UTC.
        tz: The learner's IANA time zone name.
        day_start_hour: The local hour at which a new day starts.

    Returns:
        The start of the next study day, UTC.
    """
    return day_bounds(now, tz=tz, day_start_hour=day_start_hour)[1]


# --- study queue ------------------------------------------------------------


@dataclass(frozen=True)
class QueueCard:
    """A card as the queue sees it."""

    card_id: int
    note_id: int
    state: CardState
    suspended: bool = False
    buried_until: datetime | None = None

    def __post_init__(self) -> None:
        if self.buried_until is not None:
            buried_until = _utc(self.buried_until, name="buried_until")
            object.__setattr__(self, "buried_until", buried_until)


@dataclass(frozen=True)
class Queue:
    """Today's study queue: the card ids in study order and the counts."""

    card_ids: tuple[int, ...]
    new_count: int
    learning_count: int
    review_count: int
    next_learning_due: datetime | None = None  # a learning card due later today

    @property
    def counts(self) -> tuple[int, int, int]:
        """``(new, learning, review)``, as Anki shows them."""
        return self.new_count, self.learning_count, self.review_count


def build_queue(
    cards: Sequence[QueueCard],
    *,
    options: DeckOptions,
    now: datetime,
    tz: str,
    day_start_hour: int = DEFAULT_DAY_START_HOUR,
    new_done_today: int,
    reviews_done_today: int,
    rng: Random,
) -> Queue:
    """Build the study queue for ``now``.

    Order: learning and relearning cards that are due (by due time), then review
    cards due today (lowest retrievability first, or by due time), then new
    cards (by card id). Suspended and buried cards are left out. New and review
    cards are capped by the daily limits less what was done today; learning
    cards are not capped. With ``bury_siblings``, at most one card per note
    appears among the new and review cards, and none for a note that has a card
    in learning today (learning cards themselves are never held back).

    Args:
        cards: The deck's cards.
        options: The deck's options.
        now: The current time, UTC.
        tz: The learner's IANA time zone name.
        day_start_hour: The local hour at which a new study day starts.
        new_done_today: New cards already studied this study day.
        reviews_done_today: Review cards already studied this study day.
        rng: Breaks ties between equally ranked review cards.

    Returns:
        The queue.
    """
    now = _utc(now, name="now")
    if min(new_done_today, reviews_done_today) < 0:
        raise ValueError("cards done today cannot be negative")
    day_end = day_bounds(now, tz=tz, day_start_hour=day_start_hour)[1]
    available = sorted(
        (card for card in cards if _is_available(card=card, now=now)),
        key=lambda card: card.card_id,
    )
    learning = _due_learning(cards=available, now=now, day_end=day_end)
    seen = (
        _learning_notes(cards=available, day_end=day_end)
        if options.bury_siblings
        else None
    )
    reviews = _take(
        cards=_due_reviews(
            cards=available, options=options, now=now, day_end=day_end, rng=rng
        ),
        limit=options.reviews_per_day - reviews_done_today,
        seen_notes=seen,
    )
    new = _take(
        cards=[card for card in available if card.state.state is State.NEW],
        limit=options.new_per_day - new_done_today,
        seen_notes=seen,
    )
    return Queue(
        card_ids=tuple(card.card_id for card in [*learning, *reviews, *new]),
        new_count=len(new),
        learning_count=len(learning),
        review_count=len(reviews),
        next_learning_due=_next_learning_due(cards=available, now=now, day_end=day_end),
    )


def _is_available(*, card: QueueCard, now: datetime) -> bool:
    buried = card.buried_until is not None and card.buried_until > now
    return not card.suspended and not buried


def _is_learning(*, state: CardState) -> bool:
    return state.state in (State.LEARNING, State.RELEARNING)


def _learning_is_due(*, state: CardState, now: datetime, day_end: datetime) -> bool:
    # A step of a day or more works in days, as a review does.
    interday = state.last_review is not None and state.due - state.last_review >= _DAY
    return state.due <= now or (interday and state.due < day_end)


def _due_learning(
    *, cards: Iterable[QueueCard], now: datetime, day_end: datetime
) -> list[QueueCard]:
    due = [
        card
        for card in cards
        if _is_learning(state=card.state)
        and _learning_is_due(state=card.state, now=now, day_end=day_end)
    ]
    return sorted(due, key=lambda card: (card.state.due, card.card_id))


def _learning_notes(*, cards: Iterable[QueueCard], day_end: datetime) -> set[int]:
    return {
        card.note_id
        for card in cards
        if _is_learning(state=card.state) and card.state.due < day_end
    }


def _next_learning_due(
    *, cards: Iterable[QueueCard], now: datetime, day_end: datetime
) -> datetime | None:
    later = [
        card.state.due
        for card in cards
        if _is_learning(state=card.state) and now < card.state.due < day_end
    ]
    return min(later, default=None)


def _due_reviews(
    *,
    cards: Sequence[QueueCard],
    options: DeckOptions,
    now: datetime,
    day_end: datetime,
    rng: Random,
) -> list[QueueCard]:
    due = [
        card
        for card in cards
        if card.state.state is State.REVIEW and card.state.due < day_end
    ]
    ties = [rng.random() for _ in due]
    if options.review_order is ReviewOrder.DUE:
        keys = [card.state.due.timestamp() for card in due]
    else:
        keys = list(_review_retrievabilities(cards=due, now=now, decay=options.decay))
    ranked = sorted(zip(keys, ties, due, strict=True), key=lambda item: item[:2])
    return [card for _, _, card in ranked]


def _review_retrievabilities(
    *, cards: Sequence[QueueCard], now: datetime, decay: float
) -> np.ndarray:
    stabilities = np.array([card.state.stability or np.nan for card in cards])
    elapsed = np.array([_elapsed_days(state=card.state, now=now) for card in cards])
    return retrievability_many(stabilities, elapsed, decay)


def _elapsed_days(*, state: CardState, now: datetime) -> float:
    if state.last_review is None:
        return 0.0
    return (now - state.last_review) / _DAY


def _take(
    *, cards: Iterable[QueueCard], limit: int, seen_notes: set[int] | None
) -> list[QueueCard]:
    taken: list[QueueCard] = []
    for card in cards:
        if len(taken) >= limit:
            break
        if seen_notes is not None:
            if card.note_id in seen_notes:
                continue
            seen_notes.add(card.note_id)
        taken.append(card)
    return taken
