"""Synthetic learners and fit-time benchmarks for `flashcards.fitting`.

`synthetic_reviews` simulates a learner whose memory follows FSRS-6 with given
("true") parameters: each review's interval is what FSRS schedules for the
desired retention (with some spread), recall is drawn from the true
retrievability, and a forgotten card is relearned the same day. Pure; used by
the tests and by `bench_fit_time` (which ``bench_scheduler_fit_time`` in
`tests.bench.workers` runs for ``make bench``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TextIO

import fsrs_rs_python as fsrs_rs
import numpy as np

from flashcards.fitting import (
    DEFAULT_PARAMETERS,
    ReviewRecord,
    day_counter,
    evaluate,
    fit,
)

# A learner unlike the defaults: steeper forgetting curve, longer first
# intervals after Good/Easy, bigger gains on recall and deeper lapses.
TRUE_PARAMETERS: tuple[float, ...] = (
    *(1.0, 4.0, 10.0, 30.0),  # initial stability by first rating
    *(6.0, 0.6, 2.0, 0.01),  # difficulty
    *(2.2, 0.2, 0.9),  # stability after recall
    *(1.0, 0.1, 0.3, 1.9),  # stability after a lapse
    *(0.5, 2.0),  # hard penalty, easy bonus
    *(0.5, 0.1, 0.05),  # same-day reviews
    0.5,  # decay: a steeper forgetting curve than the default 0.1542
)
BENCH_START = datetime(2024, 1, 1, 9, tzinfo=UTC)
_FIRST_RATING = (0.2, 0.1, 0.55, 0.15)  # Again, Hard, Good, Easy
_RECALL_RATING = (0.15, 0.75, 0.10)  # Hard, Good, Easy when recalled
_REVIEWS_PER_CARD = 12  # roughly, over a year at 90% retention


def synthetic_reviews(
    parameters: Sequence[float],
    *,
    cards: int,
    days: int,
    rng: np.random.Generator,
    start: datetime = BENCH_START,
    desired_retention: float = 0.9,
) -> list[ReviewRecord]:
    """Simulate a learner whose memory follows FSRS-6 with ``parameters``.

    Cards are introduced on random days; each review happens at the FSRS
    interval for ``desired_retention`` times a random factor in [0.5, 3]
    (so the outcomes cover a range of retrievabilities); the card is recalled
    with its true retrievability. An Again is followed by a same-day Good
    ten minutes later (a relearning step). Reviews fall at ``start``'s time of
    day (plus the step), all in UTC.

    Args:
        parameters: The learner's true 21 parameters.
        cards: Cards to introduce.
        days: Days simulated; no review falls on or after day ``days``.
        rng: The only source of randomness.
        start: Day 0's first review time, UTC.
        desired_retention: The retention the learner's scheduler aims for.

    Returns:
        The reviews, ordered by time.
    """
    model = fsrs_rs.FSRS(list(parameters))
    decay = -float(parameters[20])
    factor = 0.9 ** (1 / decay) - 1
    to_interval = (desired_retention ** (1 / decay) - 1) / factor
    records: list[ReviewRecord] = []
    step = timedelta(minutes=10)

    def add(card: int, day: int, rating: int, later: bool = False) -> None:
        moment = start + timedelta(days=day) + (step if later else timedelta(0))
        duration = int(rng.integers(2_000, 20_000))
        records.append(ReviewRecord(card, moment, rating, duration))

    for card in range(1, cards + 1):
        day = int(rng.integers(0, days))
        rating = int(rng.choice(4, p=_FIRST_RATING)) + 1
        first = model.next_states(None, desired_retention, 0)
        memory = _pick(first, rating).memory
        add(card, day, rating)
        while True:
            if rating == 1:  # relearning step, same day
                memory = model.next_states(memory, desired_retention, 0).good.memory
                add(card, day, 3, later=True)
            spread = rng.uniform(0.5, 3.0)
            interval = max(1, round(memory.stability * to_interval * spread))
            day += interval
            if day >= days:
                break
            recall = (1 + factor * interval / memory.stability) ** decay
            rating = (
                int(rng.choice(3, p=_RECALL_RATING)) + 2 if rng.random() < recall else 1
            )
            memory = _pick(
                model.next_states(memory, desired_retention, interval), rating
            ).memory
            add(card, day, rating)
    records.sort(key=lambda record: (record.reviewed_at, record.card_id))
    return records


def _pick(states: fsrs_rs.NextStates, rating: int) -> fsrs_rs.ItemState:
    return (states.again, states.hard, states.good, states.easy)[rating - 1]


def synthetic_log(
    review_count: int, *, rng: np.random.Generator, days: int = 365
) -> list[ReviewRecord]:
    """Return about ``review_count`` reviews of a `TRUE_PARAMETERS` learner.

    Args:
        review_count: How many reviews to return (the earliest ones).
        rng: The source of randomness.
        days: The simulated span.

    Returns:
        Exactly ``review_count`` reviews (fewer only if the simulation fell
        short), ordered by time.
    """
    cards = max(1, review_count // _REVIEWS_PER_CARD)
    records = synthetic_reviews(TRUE_PARAMETERS, cards=cards, days=days, rng=rng)
    while len(records) < review_count:
        cards *= 2
        records = synthetic_reviews(TRUE_PARAMETERS, cards=cards, days=days, rng=rng)
    return records[:review_count]


def bench_fit_time(*, out: TextIO, quick: bool) -> dict[str, dict[str, float]]:
    """Time `fit` on synthetic logs of 10k and (unless quick) 100k reviews.

    Prints one line per size with the fit time and default-versus-fitted log
    loss and RMSE(bins) on the held-out reviews.

    Args:
        out: Where to print.
        quick: Only the 10k log.

    Returns:
        Per size (``"10k"``, ``"100k"``): seconds and the held-out figures.
    """
    sizes = (10_000,) if quick else (10_000, 100_000)
    day_of = day_counter("UTC", 4)
    results = {}
    for size in sizes:
        records = synthetic_log(size, rng=np.random.default_rng(size))
        started = time.perf_counter()
        result = fit(records, day_of=day_of)
        seconds = time.perf_counter() - started
        label = f"{size // 1000}k"
        old, new = result.old_metrics, result.new_metrics
        results[label] = {
            "seconds": seconds,
            "reviews": float(len(records)),
            "default_log_loss": old.log_loss,
            "fitted_log_loss": new.log_loss,
            "default_rmse_bins": old.rmse_bins,
            "fitted_rmse_bins": new.rmse_bins,
        }
        print(
            f"fit {label} reviews: {seconds:.2f} s; held-out log loss "
            f"{old.log_loss:.4f} default -> {new.log_loss:.4f} fitted, "
            f"RMSE(bins) {old.rmse_bins:.4f} -> {new.rmse_bins:.4f}, "
            f"{'accepted' if result.accepted else 'kept defaults'}",
            file=out,
        )
    return results


def bench_evaluate(*, out: TextIO, review_count: int = 10_000) -> dict[str, float]:
    """Print srs-benchmark figures for default and true parameters (synthetic).

    Args:
        out: Where to print.
        review_count: Size of the synthetic log.

    Returns:
        Log loss of the default and the true parameters.
    """
    records = synthetic_log(review_count, rng=np.random.default_rng(7))
    day_of = day_counter("UTC", 4)
    default = evaluate(records, day_of=day_of, parameters=DEFAULT_PARAMETERS)
    true = evaluate(records, day_of=day_of, parameters=TRUE_PARAMETERS)
    print(
        f"evaluate {review_count} synthetic reviews: log loss {default.log_loss:.4f} "
        f"default vs {true.log_loss:.4f} true parameters",
        file=out,
    )
    return {"default_log_loss": default.log_loss, "true_log_loss": true.log_loss}
