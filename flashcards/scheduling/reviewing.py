"""Reviewing a card: the next state, fuzz, leeches and answer-button previews.

`review` asks the library for the unfuzzed next state (its scheduler always
runs with fuzzing off) and then applies the library's own ``FUZZ_RANGES`` and
formula, drawing from the caller's ``random.Random``. With the same draw the
result equals the library's (including its rounding, which can reach one day
past the upper end of the range). It also counts reps and lapses (a lapse is a
``REVIEW`` card rated ``AGAIN``) and says when a card becomes a leech.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from random import Random

import fsrs
from fsrs.scheduler import FUZZ_RANGES

from flashcards.scheduling.card_state import (
    CardState,
    Rating,
    State,
    _from_fsrs_card,
    _to_fsrs_card,
    _utc,
)
from flashcards.scheduling.options import DeckOptions, LeechAction, _scheduler

_DAY = timedelta(days=1)


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
