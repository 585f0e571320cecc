"""Simulating a learner's workload for a range of desired retentions.

`simulate_workload` runs ``fsrs_rs_python.simulate`` once per retention and
reports reviews, minutes and retention per day.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import fsrs_rs_python as fsrs_rs
import numpy as np

from flashcards.fitting.parameters import _checked_parameters
from flashcards.scheduling import MAX_INTERVAL_DAYS, MAX_RETENTION, MIN_RETENTION

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class WorkloadSeries:
    """One desired retention's simulated year (one value per day).

    Attributes:
        desired_retention: The retention simulated.
        reviews_per_day: Reviews of cards already learned.
        new_per_day: Cards learned.
        minutes_per_day: Time spent, in minutes.
        retention_per_day: Share of reviews recalled (NaN on a day without
            reviews).
        memorized: Expected number of cards recalled (sum of
            retrievabilities) at the end of each day: the knowledge.
    """

    desired_retention: float
    reviews_per_day: tuple[int, ...]
    new_per_day: tuple[int, ...]
    minutes_per_day: tuple[float, ...]
    retention_per_day: tuple[float, ...]
    memorized: tuple[float, ...]

    @property
    def total_minutes(self) -> float:
        """All time spent over the simulation."""
        return float(sum(self.minutes_per_day))

    @property
    def average_reviews(self) -> float:
        """Mean reviews per day."""
        return float(np.mean(self.reviews_per_day))

    @property
    def average_minutes(self) -> float:
        """Mean minutes per day."""
        return float(np.mean(self.minutes_per_day))

    @property
    def final_memorized(self) -> float:
        """Cards known at the end."""
        return self.memorized[-1]

    @property
    def memorized_per_minute(self) -> float:
        """Knowledge gained per minute studied (higher is more efficient)."""
        total = self.total_minutes
        return self.final_memorized / total if total else 0.0

    def to_dict(self) -> dict[str, Any]:
        """Return the series as a JSON-safe dict (NaN becomes None)."""
        return {
            "desired_retention": self.desired_retention,
            "reviews_per_day": list(self.reviews_per_day),
            "new_per_day": list(self.new_per_day),
            "minutes_per_day": list(self.minutes_per_day),
            "retention_per_day": [
                None if math.isnan(value) else value for value in self.retention_per_day
            ],
            "memorized": list(self.memorized),
            "average_reviews": self.average_reviews,
            "average_minutes": self.average_minutes,
            "final_memorized": self.final_memorized,
            "memorized_per_minute": self.memorized_per_minute,
        }


def simulator_config(
    *,
    days: int,
    deck_size: int,
    learn_per_day: int,
    review_limit: int,
    maximum_interval: int = MAX_INTERVAL_DAYS,
    seconds_per_review: float | None = None,
    state_rating_costs: Sequence[Sequence[float]] | None = None,
) -> fsrs_rs.SimulatorConfig:
    """Build an ``fsrs-rs`` simulator config from the library's defaults.

    Args:
        days: Days to simulate.
        deck_size: Cards in the deck (all new at the start).
        learn_per_day: New cards per day.
        review_limit: Reviews per day at most.
        maximum_interval: The longest interval in days.
        seconds_per_review: If given, every review costs this many seconds.
        state_rating_costs: Seconds per review by state (learning, review,
            relearning) and rating (Again..Easy); overrides the above.

    Returns:
        The config (daily time budget unlimited).
    """
    for name, value in (("days", days), ("deck_size", deck_size)):
        if value < 1:
            raise ValueError(f"{name} must be at least 1, got {value}")
    if min(learn_per_day, review_limit) < 0:
        raise ValueError("learn_per_day and review_limit cannot be negative")
    base = fsrs_rs.default_simulator_config()
    costs = [list(row) for row in base.state_rating_costs]
    if seconds_per_review is not None:
        if not seconds_per_review > 0:
            raise ValueError("seconds_per_review must be positive")
        costs = [[float(seconds_per_review)] * 4 for _ in range(3)]
    if state_rating_costs is not None:
        costs = [[float(value) for value in row] for row in state_rating_costs]
        if len(costs) != 3 or any(len(row) != 4 for row in costs):
            raise ValueError("state_rating_costs must be 3 rows of 4 seconds")
    return fsrs_rs.SimulatorConfig(
        deck_size=deck_size,
        learn_span=days,
        max_cost_perday=float("inf"),
        max_ivl=float(maximum_interval),
        first_rating_prob=base.first_rating_prob,
        review_rating_prob=base.review_rating_prob,
        learn_limit=learn_per_day,
        review_limit=review_limit,
        new_cards_ignore_review_limit=base.new_cards_ignore_review_limit,
        learning_step_transitions=base.learning_step_transitions,
        relearning_step_transitions=base.relearning_step_transitions,
        state_rating_costs=costs,
        learning_step_count=base.learning_step_count,
        relearning_step_count=base.relearning_step_count,
    )


def simulate_workload(
    parameters: Sequence[float],
    *,
    desired_retentions: Sequence[float],
    days: int = 365,
    deck_size: int,
    learn_per_day: int,
    review_limit: int = 9999,
    maximum_interval: int = MAX_INTERVAL_DAYS,
    seconds_per_review: float | None = None,
    state_rating_costs: Sequence[Sequence[float]] | None = None,
    seed: int,
    progress: Progress | None = None,
) -> list[WorkloadSeries]:
    """Simulate a learner's year for each desired retention ("help me decide").

    Each retention is one run of ``fsrs_rs_python.simulate`` with the same seed,
    so the runs differ only in the retention.

    Args:
        parameters: The learner's 21 FSRS-6 parameters.
        desired_retentions: The retentions to compare.
        days: Days to simulate.
        deck_size: Cards in the deck, all new at the start.
        learn_per_day: New cards per day.
        review_limit: Reviews per day at most.
        maximum_interval: The longest interval in days.
        seconds_per_review: If given, every review costs this many seconds;
            otherwise the library's default costs by state and rating.
        state_rating_costs: Seconds by state and rating (see
            `simulator_config`).
        seed: The simulation's random seed.
        progress: Called with ``(retentions done, retentions)`` after each.

    Returns:
        One series per desired retention, in the order given.
    """
    weights = _checked_parameters(parameters, name="parameters")
    retentions = [float(value) for value in desired_retentions]
    bad = [value for value in retentions if not MIN_RETENTION <= value <= MAX_RETENTION]
    if not retentions or bad:
        raise ValueError(
            f"desired_retentions must be numbers from {MIN_RETENTION} to {MAX_RETENTION}"
        )
    config = simulator_config(
        days=days,
        deck_size=deck_size,
        learn_per_day=learn_per_day,
        review_limit=review_limit,
        maximum_interval=maximum_interval,
        seconds_per_review=seconds_per_review,
        state_rating_costs=state_rating_costs,
    )
    results = []
    for done, retention in enumerate(retentions, start=1):
        run = fsrs_rs.simulate(list(weights), retention, config, seed)
        results.append(_series(retention=retention, run=run))
        if progress is not None:
            progress(done, len(retentions))
    return results


def _series(*, retention: float, run: fsrs_rs.SimulationResult) -> WorkloadSeries:
    reviews = np.asarray(run.review_cnt_per_day, dtype=np.int64)
    correct = np.asarray(run.correct_cnt_per_day, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(reviews > 0, correct / np.maximum(reviews, 1), np.nan)
    minutes = np.asarray(run.cost_per_day, dtype=np.float64) / 60
    return WorkloadSeries(
        desired_retention=retention,
        reviews_per_day=tuple(int(value) for value in reviews),
        new_per_day=tuple(int(value) for value in run.learn_cnt_per_day),
        minutes_per_day=tuple(float(value) for value in minutes),
        retention_per_day=tuple(float(value) for value in rate),
        memorized=tuple(float(value) for value in run.memorized_cnt_per_day),
    )


def workload_to_dict(series: Sequence[WorkloadSeries]) -> dict[str, Any]:
    """Return simulated series as one JSON-safe dict (for a chart).

    Args:
        series: `simulate_workload`'s result.

    Returns:
        ``{"retentions": [...], "series": [...]}``.
    """
    return {
        "retentions": [item.desired_retention for item in series],
        "series": [item.to_dict() for item in series],
    }
