"""Tests for `flashcards.fitting`: rescheduling and workload simulation."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import fsrs
import numpy as np
import pytest

from flashcards.fitting import (
    DEFAULT_PARAMETERS,
    fuzz_intervals,
    next_intervals,
    reschedule,
    simulate_workload,
    workload_to_dict,
)
from flashcards.scheduling import fuzz_bounds
from tests.bench.fitting import TRUE_PARAMETERS

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)


# --- rescheduling ------------------------------------------------------------------


@pytest.mark.parametrize("parameters", [DEFAULT_PARAMETERS, TRUE_PARAMETERS])
@pytest.mark.parametrize("retention", [0.7, 0.85, 0.9, 0.97])
def test_intervals_equal_the_fsrs_library(parameters, retention) -> None:
    stabilities = np.random.default_rng(5).lognormal(2.0, 2.0, size=200)
    scheduler = fsrs.Scheduler(
        parameters=parameters, desired_retention=retention, maximum_interval=3650
    )
    expected = [scheduler._next_interval(stability=s) for s in stabilities]
    ours = next_intervals(
        stabilities,
        desired_retention=retention,
        decay=-parameters[20],
        maximum_interval=3650,
    )
    assert ours.tolist() == expected


def test_reschedule_equals_per_card_computation() -> None:
    rng = np.random.default_rng(11)
    stabilities = rng.lognormal(2.0, 1.5, size=300)
    last = [NOW - timedelta(days=float(d)) for d in rng.uniform(0, 400, size=300)]
    result = reschedule(
        stabilities,
        last,
        desired_retention=0.85,
        parameters=TRUE_PARAMETERS,
        maximum_interval=1000,
        now=NOW,
    )
    scheduler = fsrs.Scheduler(
        parameters=TRUE_PARAMETERS, desired_retention=0.85, maximum_interval=1000
    )
    for stability, last_review, due, interval in zip(
        stabilities, last, result.due_datetimes(), result.intervals, strict=True
    ):
        days = scheduler._next_interval(stability=float(stability))
        assert interval == days
        assert due == last_review + timedelta(days=days)
    assert result.changed.all()


def test_reschedule_leaves_cards_without_memory_alone() -> None:
    result = reschedule(
        [None, math.nan, 0.0, 5.0],
        [NOW, NOW, NOW, None],
        desired_retention=0.9,
        decay=-0.1542,
        now=NOW,
    )
    assert result.changed.tolist() == [False] * 4
    assert result.due_datetimes() == [None] * 4
    assert result.intervals.tolist() == [0] * 4


def test_reschedule_accepts_datetime64_and_checks_input() -> None:
    last = np.array(["2025-05-01T08:00"], dtype="datetime64[us]")
    result = reschedule(
        np.array([10.0]), last, desired_retention=0.9, decay=-0.5, now=NOW
    )
    assert result.due_datetimes() == [
        datetime(2025, 5, 1, 8, tzinfo=UTC) + timedelta(days=10)
    ]
    with pytest.raises(ValueError, match="after now"):
        reschedule(
            [1.0],
            [NOW + timedelta(seconds=1)],
            desired_retention=0.9,
            decay=-0.5,
            now=NOW,
        )
    with pytest.raises(ValueError, match="exactly one"):
        reschedule([1.0], [NOW], desired_retention=0.9, now=NOW)
    with pytest.raises(ValueError, match="last reviews"):
        reschedule([1.0, 2.0], [NOW], desired_retention=0.9, decay=-0.5, now=NOW)
    with pytest.raises(ValueError, match="desired_retention"):
        reschedule([1.0], [NOW], desired_retention=0.5, decay=-0.5, now=NOW)


def test_fuzzed_intervals_stay_in_the_schedulers_range() -> None:
    intervals = np.arange(1, 400)
    fuzzed = fuzz_intervals(
        np.repeat(intervals, 20), maximum_interval=365, rng=np.random.default_rng(2)
    ).reshape(-1, 20)
    for interval, draws in zip(intervals, fuzzed, strict=True):
        low, high = fuzz_bounds(int(interval), maximum_interval=365)
        assert low <= draws.min() and draws.max() <= high
    assert (fuzzed[:2] == intervals[:2, None]).all()  # 1 and 2 days: no fuzz
    assert len(set(fuzzed[100].tolist())) > 1


# --- simulation ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def year():
    calls = []
    series = simulate_workload(
        DEFAULT_PARAMETERS,
        desired_retentions=[0.8, 0.9, 0.95],
        days=200,
        deck_size=600,
        learn_per_day=10,
        seed=42,
        progress=lambda done, total: calls.append((done, total)),
    )
    return series, calls


def test_simulation_returns_a_series_per_retention(year) -> None:
    series, calls = year
    assert calls == [(1, 3), (2, 3), (3, 3)]
    assert [item.desired_retention for item in series] == [0.8, 0.9, 0.95]
    for item in series:
        assert len(item.reviews_per_day) == len(item.minutes_per_day) == 200
        assert sum(item.new_per_day) == 600  # the whole deck gets learned
        assert all(minutes >= 0 for minutes in item.minutes_per_day)
        assert 0 < item.final_memorized <= 600


def test_higher_retention_costs_more_reviews_and_keeps_more(year) -> None:
    low, mid, high = year[0]
    assert low.average_reviews < mid.average_reviews < high.average_reviews
    assert low.average_minutes < mid.average_minutes < high.average_minutes
    assert low.final_memorized < high.final_memorized
    observed = [float(np.nanmean(item.retention_per_day[50:])) for item in year[0]]
    assert observed == sorted(observed)
    assert abs(observed[1] - 0.9) < 0.05


def test_simulation_is_json_safe_and_reproducible(year) -> None:
    data = json.loads(json.dumps(workload_to_dict(year[0])))
    assert data["retentions"] == [0.8, 0.9, 0.95]
    assert len(data["series"][0]["reviews_per_day"]) == 200
    again = simulate_workload(
        DEFAULT_PARAMETERS,
        desired_retentions=[0.8],
        days=200,
        deck_size=600,
        learn_per_day=10,
        seed=42,
    )
    assert again[0].to_dict() == year[0][0].to_dict()  # NaN != NaN


def test_seconds_per_review_scales_the_minutes() -> None:
    def run(seconds: float):
        return simulate_workload(
            DEFAULT_PARAMETERS,
            desired_retentions=[0.9],
            days=60,
            deck_size=200,
            learn_per_day=10,
            seconds_per_review=seconds,
            seed=1,
        )[0]

    short, long = run(5.0), run(10.0)
    assert short.reviews_per_day == long.reviews_per_day
    assert long.total_minutes == pytest.approx(2 * short.total_minutes)


def test_simulation_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="desired_retentions"):
        simulate_workload(
            DEFAULT_PARAMETERS,
            desired_retentions=[0.5],
            deck_size=10,
            learn_per_day=1,
            seed=0,
        )
    with pytest.raises(ValueError, match="deck_size"):
        simulate_workload(
            DEFAULT_PARAMETERS,
            desired_retentions=[0.9],
            deck_size=0,
            learn_per_day=1,
            seed=0,
        )
