"""Rescheduling many cards at once: new due dates in one numpy pass.

The interval formula, rounding and fuzz are the ``fsrs`` library's, applied
to arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from fsrs.scheduler import FUZZ_RANGES

from flashcards.fitting.parameters import _checked_parameters
from flashcards.scheduling import MAX_INTERVAL_DAYS, MAX_RETENTION, MIN_RETENTION

_DAY = np.timedelta64(86_400_000_000, "us")


def next_intervals(
    stabilities: np.ndarray,
    *,
    desired_retention: float,
    decay: float,
    maximum_interval: int = MAX_INTERVAL_DAYS,
) -> np.ndarray:
    """Whole-day intervals that bring each card down to the desired retention.

    ``S / factor * (R ** (1 / decay) - 1)`` with ``factor = 0.9 ** (1 / decay)
    - 1``, rounded half to even and clamped to ``[1, maximum_interval]``
    exactly as ``fsrs.Scheduler._next_interval`` does.

    Args:
        stabilities: Stabilities in days (positive).
        desired_retention: The target retrievability.
        decay: The curve's exponent, ``-w[20]`` (negative).
        maximum_interval: The longest interval in days.

    Returns:
        Intervals in days (int64).
    """
    if not MIN_RETENTION <= desired_retention <= MAX_RETENTION:
        raise ValueError(
            f"desired_retention must be from {MIN_RETENTION} to {MAX_RETENTION}"
        )
    if not decay < 0:
        raise ValueError(f"decay must be negative (-w[20]), got {decay}")
    factor = 0.9 ** (1 / decay) - 1
    s = np.asarray(stabilities, dtype=np.float64)
    raw = s / factor * (desired_retention ** (1 / decay) - 1)
    clipped: np.ndarray = np.clip(np.round(raw), 1, maximum_interval).astype(np.int64)
    return clipped


def fuzz_intervals(
    intervals: np.ndarray, *, maximum_interval: int, rng: np.random.Generator
) -> np.ndarray:
    """Apply the ``fsrs`` library's fuzz to many intervals at once.

    The same ranges (``FUZZ_RANGES``) and formula as
    `flashcards.scheduling.fuzz_bounds`; intervals under 2.5 days stay as they
    are.

    Args:
        intervals: Whole-day intervals.
        maximum_interval: The longest interval in days.
        rng: The source of the draws.

    Returns:
        Fuzzed intervals (int64).
    """
    days = np.asarray(intervals, dtype=np.int64)
    delta = np.ones(days.shape, dtype=np.float64)
    for fuzz_range in FUZZ_RANGES:
        span = np.minimum(days, fuzz_range["end"]) - fuzz_range["start"]
        delta += fuzz_range["factor"] * np.maximum(span, 0.0)
    high = np.minimum(np.round(days + delta), maximum_interval)
    low = np.minimum(np.maximum(2, np.round(days - delta)), high)
    drawn = rng.random(days.shape) * (high - low + 1) + low
    fuzzed = np.minimum(np.round(drawn), maximum_interval).astype(np.int64)
    return np.where(days < 2.5, days, fuzzed)


@dataclass(frozen=True)
class Rescheduled:
    """New due dates for many cards.

    Attributes:
        intervals: New intervals in days (0 where a card has no memory state).
        due: New due dates as ``datetime64[us]`` in UTC (``NaT`` where a card
            has no memory state and keeps its due date).
        changed: Which cards got a new due date.
    """

    intervals: np.ndarray
    due: np.ndarray
    changed: np.ndarray

    def due_datetimes(self) -> list[datetime | None]:
        """Return the due dates as aware UTC datetimes (None where unchanged)."""
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        micros = self.due.astype("datetime64[us]").astype(np.int64)
        return [
            epoch + timedelta(microseconds=int(value)) if keep else None
            for value, keep in zip(micros, self.changed, strict=True)
        ]


def _as_datetime64(values: Sequence[datetime | None] | np.ndarray) -> np.ndarray:
    if isinstance(values, np.ndarray) and np.issubdtype(values.dtype, np.datetime64):
        return values.astype("datetime64[us]")
    converted = []
    for value in values:
        if value is None:
            converted.append(np.datetime64("NaT", "us"))
            continue
        if value.utcoffset() != timedelta(0):
            raise ValueError(f"times must be timezone-aware UTC, got {value!r}")
        converted.append(np.datetime64(value.replace(tzinfo=None), "us"))
    return np.array(converted, dtype="datetime64[us]")


def reschedule(
    stabilities: np.ndarray | Sequence[float | None],
    last_reviews: np.ndarray | Sequence[datetime | None],
    *,
    desired_retention: float,
    parameters: Sequence[float] | None = None,
    decay: float | None = None,
    maximum_interval: int = MAX_INTERVAL_DAYS,
    now: datetime,
    rng: np.random.Generator | None = None,
) -> Rescheduled:
    """Recompute due dates of many cards in one vectorized pass.

    Each card with a memory state is due ``next_intervals`` days after its
    last review (an overdue card stays overdue, as in Anki). Cards without a
    stability or last review (new cards) are left unchanged.

    Args:
        stabilities: Each card's stability in days (NaN/None for none).
        last_reviews: Each card's last review, aware UTC datetimes or
            ``datetime64`` in UTC (None/NaT for none).
        desired_retention: The deck's (new) desired retention.
        parameters: The 21 parameters; only ``w[20]`` is used.
        decay: The curve's exponent ``-w[20]`` (negative), instead of
            ``parameters``.
        maximum_interval: The deck's maximum interval in days.
        now: The current time, UTC; a last review after it is an error.
        rng: If given, fuzz the intervals as reviews do.

    Returns:
        The new intervals and due dates.

    Raises:
        ValueError: For mismatched lengths, bad arguments or future reviews.
    """
    if (parameters is None) == (decay is None):
        raise ValueError("give exactly one of parameters and decay")
    if decay is None:
        decay = -_checked_parameters(parameters or (), name="parameters")[20]
    s = np.array(
        [np.nan if value is None else value for value in stabilities]
        if not isinstance(stabilities, np.ndarray)
        else stabilities,
        dtype=np.float64,
    )
    last = _as_datetime64(last_reviews)
    if s.shape != last.shape:
        raise ValueError(f"{s.shape[0]} stabilities but {last.shape[0]} last reviews")
    now64 = _as_datetime64([now])[0]
    if np.any(last > now64):
        raise ValueError("a last review is after now")
    changed = np.isfinite(s) & (s > 0) & ~np.isnat(last)
    intervals = next_intervals(
        np.where(changed, s, 1.0),
        desired_retention=desired_retention,
        decay=decay,
        maximum_interval=maximum_interval,
    )
    if rng is not None:
        intervals = fuzz_intervals(
            intervals, maximum_interval=maximum_interval, rng=rng
        )
    intervals = np.where(changed, intervals, 0)
    due = np.where(changed, last + intervals * _DAY, np.datetime64("NaT", "us"))
    return Rescheduled(intervals=intervals, due=due, changed=changed)
