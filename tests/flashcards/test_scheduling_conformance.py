"""With fuzz off, `scheduling.review` must schedule exactly as py-fsrs does.

Each sequence starts from a new card and applies ratings at chosen times, both
through our adapter and through `fsrs.Scheduler.review_card` directly; every
step must give the same state, step, stability, difficulty, due and interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from random import Random

import fsrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flashcards.scheduling import CardState, DeckOptions, Rating, State, review

HYPOTHESIS_SEQUENCES = 1000  # examples hypothesis generates, default options
SEEDED_SEQUENCES_PER_OPTIONS = 1000  # per option set below: 5,000 sequences
MAX_SEQUENCE_LENGTH = 20
T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
DAY_SECONDS = 86400

OPTION_SETS = {
    "defaults": DeckOptions(enable_fuzz=False),
    "one_step_low_retention": DeckOptions(
        enable_fuzz=False,
        desired_retention=0.8,
        learning_steps=("10m",),
        relearning_steps=("5m", "1h"),
    ),
    "no_steps": DeckOptions(enable_fuzz=False, learning_steps=(), relearning_steps=()),
    "day_steps_short_max": DeckOptions(
        enable_fuzz=False,
        desired_retention=0.95,
        learning_steps=("30m", "1d", "3d"),
        maximum_interval=60,
    ),
    "custom_parameters": DeckOptions(
        enable_fuzz=False,
        desired_retention=0.85,
        parameters=(
            *(0.4, 0.9, 3.0, 10.0, 7.0, 0.6, 2.0, 0.01, 1.5, 0.2, 1.0, 1.8),
            *(0.1, 0.3, 1.2, 0.5, 2.5, 0.6, 0.2, 0.1, 0.3),
        ),
    ),
}

# (rating, seconds after the card's due time; negative means an early review)
Step = tuple[int, int]


def _library_scheduler(options: DeckOptions) -> fsrs.Scheduler:
    return fsrs.Scheduler(
        parameters=options.parameters,
        desired_retention=options.desired_retention,
        learning_steps=options.learning_deltas,
        relearning_steps=options.relearning_deltas,
        maximum_interval=options.maximum_interval,
        enable_fuzzing=False,
    )


def _assert_same(ours: CardState, theirs: fsrs.Card) -> None:
    assert int(ours.state) == int(theirs.state)
    assert ours.step == (theirs.step or 0)
    assert ours.stability == theirs.stability
    assert ours.difficulty == theirs.difficulty
    assert ours.due == theirs.due
    assert ours.last_review == theirs.last_review


def _run_both(steps: Sequence[Step], *, options: DeckOptions) -> int:
    scheduler = _library_scheduler(options)
    ours = CardState(due=T0)
    theirs = fsrs.Card(card_id=1, due=T0)
    now = T0
    for rating, offset in steps:
        now = max(theirs.due + timedelta(seconds=offset), now)
        outcome = review(ours, Rating(rating), options=options, now=now, rng=Random(0))
        theirs, _ = scheduler.review_card(
            theirs, fsrs.Rating(rating), review_datetime=now
        )
        _assert_same(outcome.state, theirs)
        assert outcome.interval == theirs.due - now
        assert outcome.state.reps == ours.reps + 1
        ours = outcome.state
    return len(steps)


def _random_steps(rng: Random, *, at_due: bool) -> list[Step]:
    length = rng.randint(1, MAX_SEQUENCE_LENGTH)
    ratings = rng.choices([1, 2, 3, 4], weights=[2, 2, 5, 1], k=length)
    if at_due:
        return [(rating, 0) for rating in ratings]
    offsets = [rng.randint(-2 * DAY_SECONDS, 60 * DAY_SECONDS) for _ in ratings]
    return list(zip(ratings, offsets, strict=True))


_offsets = st.one_of(
    st.just(0),
    st.integers(min_value=-3600, max_value=3600),
    st.integers(min_value=-5 * DAY_SECONDS, max_value=400 * DAY_SECONDS),
)
_steps = st.lists(
    st.tuples(st.integers(min_value=1, max_value=4), _offsets),
    min_size=1,
    max_size=MAX_SEQUENCE_LENGTH,
)


@settings(
    max_examples=HYPOTHESIS_SEQUENCES, derandomize=True, database=None, deadline=None
)
@given(steps=_steps)
def test_review_matches_py_fsrs_for_generated_sequences(steps: list[Step]) -> None:
    _run_both(steps, options=OPTION_SETS["defaults"])


@pytest.mark.parametrize("name", OPTION_SETS)
def test_review_matches_py_fsrs_for_seeded_sequences(name: str) -> None:
    rng = Random(f"conformance-{name}")
    reviews = sum(
        _run_both(_random_steps(rng, at_due=index % 2 == 0), options=OPTION_SETS[name])
        for index in range(SEEDED_SEQUENCES_PER_OPTIONS)
    )
    assert reviews >= SEEDED_SEQUENCES_PER_OPTIONS


def test_review_matches_py_fsrs_when_reviewed_at_due_for_a_year() -> None:
    options = OPTION_SETS["defaults"]
    steps = [(3, 0)] * 12
    assert _run_both(steps, options=options) == 12


def test_new_card_is_the_librarys_fresh_learning_card() -> None:
    outcome = review(
        CardState(due=T0),
        Rating.GOOD,
        options=OPTION_SETS["defaults"],
        now=T0,
        rng=Random(0),
    )
    assert outcome.state.state is State.LEARNING
    assert outcome.state.step == 1
    assert outcome.interval == timedelta(minutes=10)
