"""Options, card state, reviews, fuzz, leeches, previews and retrievability."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta, timezone
from random import Random
from zoneinfo import ZoneInfo

import fsrs
import fsrs.scheduler
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flashcards.scheduling import (
    CardState,
    DeckOptions,
    LeechAction,
    Rating,
    ReviewOrder,
    SchedulingOptionsError,
    State,
    format_interval,
    fuzz_bounds,
    leech_action,
    preview,
    retrievability,
    retrievability_many,
    review,
)

NOW = datetime(2024, 5, 10, 9, 30, tzinfo=UTC)
NO_FUZZ = DeckOptions(enable_fuzz=False)


def _review_card(
    stability: float, *, difficulty: float = 5.0, days_ago: int = 10, lapses: int = 0
) -> CardState:
    last = NOW - timedelta(days=days_ago)
    return CardState(
        state=State.REVIEW,
        due=last + timedelta(days=days_ago),
        stability=stability,
        difficulty=difficulty,
        last_review=last,
        reps=5,
        lapses=lapses,
    )


class _FixedRandom(Random):
    """A Random whose random() always returns the same value."""

    def __init__(self, value: float) -> None:
        super().__init__(0)
        self.value = value

    def random(self) -> float:
        return self.value


# --- options --------------------------------------------------------------


def test_default_options_use_the_librarys_defaults() -> None:
    options = DeckOptions()
    assert options.parameters == tuple(fsrs.scheduler.DEFAULT_PARAMETERS)
    assert options.learning_deltas == (timedelta(minutes=1), timedelta(minutes=10))
    assert options.relearning_deltas == (timedelta(minutes=10),)
    assert options.decay == -fsrs.scheduler.DEFAULT_PARAMETERS[20]
    assert options.leech_threshold == 8
    assert options.review_order is ReviewOrder.RETRIEVABILITY


def test_options_round_trip_through_a_dict() -> None:
    options = DeckOptions(
        desired_retention=0.85,
        learning_steps=("1m", "1h", "1d"),
        leech_action=LeechAction.SUSPEND,
        review_order=ReviewOrder.DUE,
        bury_siblings=True,
    )
    data = options.to_dict()
    assert data["leech_action"] == "suspend"
    assert data["learning_steps"] == ["1m", "1h", "1d"]
    assert DeckOptions.from_dict(data) == options
    assert hash(DeckOptions.from_dict(data)) == hash(options)


def test_from_dict_takes_defaults_and_anki_style_step_strings() -> None:
    options = DeckOptions.from_dict({"learning_steps": "1m 10m 1h"})
    assert options.learning_steps == ("1m", "10m", "1h")
    assert options.new_per_day == DeckOptions().new_per_day


def test_from_dict_reports_every_problem_together() -> None:
    with pytest.raises(SchedulingOptionsError) as caught:
        DeckOptions.from_dict(
            {
                "desired_retention": 1.5,
                "learning_steps": ["-5m"],
                "relearning_steps": ["abc", "0m"],
                "parameters": [0.5] * 19,
                "new_per_day": -1,
                "leech_action": "delete",
                "colour": "blue",
            }
        )
    errors = caught.value.errors
    assert set(errors) == {
        "desired_retention",
        "learning_steps",
        "relearning_steps",
        "parameters",
        "new_per_day",
        "leech_action",
        "colour",
    }
    assert "unknown option" in errors["colour"]
    assert "expected 21 parameters, got 19" in errors["parameters"]
    assert "'abc'" in errors["relearning_steps"]
    assert "'0m'" in errors["relearning_steps"]
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("desired_retention", 0.5),
        ("desired_retention", True),
        ("learning_steps", ["10"]),
        ("learning_steps", ["1.5m"]),
        ("learning_steps", [10]),
        ("maximum_interval", 0),
        ("maximum_interval", 36501),
        ("reviews_per_day", 10000),
        ("enable_fuzz", "yes"),
        ("bury_siblings", 1),
        ("review_order", "random"),
        ("leech_threshold", 0),
    ],
)
def test_from_dict_names_the_bad_field(field: str, value: object) -> None:
    with pytest.raises(SchedulingOptionsError) as caught:
        DeckOptions.from_dict({field: value})
    assert list(caught.value.errors) == [field]


def test_parameters_must_be_finite_and_within_the_librarys_bounds() -> None:
    parameters = list(fsrs.scheduler.DEFAULT_PARAMETERS)
    parameters[3] = float("nan")
    parameters[4] = 0.2  # below the lower bound 1.0
    with pytest.raises(SchedulingOptionsError) as caught:
        DeckOptions.from_dict({"parameters": parameters})
    message = caught.value.errors["parameters"]
    assert "parameters[3]" in message
    assert "parameters[4]" in message


def test_direct_construction_is_validated_too() -> None:
    with pytest.raises(SchedulingOptionsError) as caught:
        DeckOptions(desired_retention=1.5, learning_steps=("abc",))
    assert set(caught.value.errors) == {"desired_retention", "learning_steps"}


# --- card state -------------------------------------------------------------


def test_card_state_round_trips_through_a_dict() -> None:
    state = _review_card(12.5, lapses=2)
    data = state.to_dict()
    assert data["state"] == 2
    assert data["due"] == "2024-05-10T09:30:00+00:00"
    assert CardState.from_dict(data) == state
    assert CardState.from_dict(CardState(due=NOW).to_dict()) == CardState(due=NOW)


@pytest.mark.parametrize(
    "when",
    [
        datetime(2024, 5, 10, 9, 30),
        datetime(2024, 5, 10, 9, 30, tzinfo=timezone(timedelta(hours=2))),
        datetime(2024, 1, 10, 9, 30, tzinfo=ZoneInfo("Europe/London")),
    ],
    ids=["naive", "plus-two", "london-winter"],
)
def test_naive_and_non_utc_datetimes_are_refused(when: datetime) -> None:
    with pytest.raises(ValueError, match="UTC"):
        CardState(due=when)
    with pytest.raises(ValueError, match="UTC"):
        review(CardState(due=NOW), Rating.GOOD, options=NO_FUZZ, now=when, rng=Random())


@pytest.mark.parametrize("text", ["2024-05-10T09:30:00", "2024-05-10T11:30:00+02:00"])
def test_from_dict_refuses_naive_and_offset_times(text: str) -> None:
    with pytest.raises(ValueError, match="UTC"):
        CardState.from_dict({**CardState(due=NOW).to_dict(), "last_review": text})


def test_review_card_without_memory_is_refused() -> None:
    with pytest.raises(ValueError, match="stability and difficulty"):
        CardState(state=State.REVIEW, due=NOW, last_review=NOW)
    with pytest.raises(ValueError, match="positive"):
        CardState(state=State.LEARNING, due=NOW, stability=0.0, difficulty=5.0)
    with pytest.raises(ValueError, match="negative"):
        CardState(due=NOW, lapses=-1)


def test_zoneinfo_utc_is_accepted_and_normalised() -> None:
    state = CardState(due=datetime(2024, 5, 10, tzinfo=ZoneInfo("UTC")))
    assert state.due.tzinfo is UTC


# --- reviewing ----------------------------------------------------------------


def test_review_returns_a_new_state_and_leaves_the_input_alone() -> None:
    state = _review_card(10.0)
    before = copy.deepcopy(state)
    outcome = review(state, Rating.GOOD, options=DeckOptions(), now=NOW, rng=Random(1))
    assert state == before
    assert outcome.state is not state
    assert outcome.state.reps == state.reps + 1
    assert outcome.state.last_review == NOW
    assert outcome.state.due == NOW + outcome.interval
    assert outcome.interval_days == outcome.interval / timedelta(days=1)


def test_again_on_a_review_card_is_a_lapse_and_relearns() -> None:
    outcome = review(
        _review_card(10.0), Rating.AGAIN, options=NO_FUZZ, now=NOW, rng=Random()
    )
    assert outcome.lapsed
    assert outcome.state.lapses == 1
    assert outcome.state.state is State.RELEARNING
    assert outcome.interval == timedelta(minutes=10)


def test_again_while_learning_is_not_a_lapse() -> None:
    learning = review(
        CardState(due=NOW), Rating.AGAIN, options=NO_FUZZ, now=NOW, rng=Random()
    )
    assert not learning.lapsed
    assert learning.state.lapses == 0
    assert learning.state.state is State.LEARNING
    assert learning.interval == timedelta(minutes=1)


def test_ratings_may_be_given_as_plain_ints() -> None:
    outcome = review(CardState(due=NOW), 4, options=NO_FUZZ, now=NOW, rng=Random())  # type: ignore[arg-type]
    assert outcome.rating is Rating.EASY
    assert outcome.state.state is State.REVIEW


def test_leech_is_flagged_when_a_lapse_reaches_the_threshold() -> None:
    options = DeckOptions(
        enable_fuzz=False, leech_threshold=3, leech_action=LeechAction.SUSPEND
    )
    below = review(
        _review_card(10.0, lapses=1),
        Rating.AGAIN,
        options=options,
        now=NOW,
        rng=Random(),
    )
    at = review(
        _review_card(10.0, lapses=2),
        Rating.AGAIN,
        options=options,
        now=NOW,
        rng=Random(),
    )
    beyond = review(
        _review_card(10.0, lapses=5),
        Rating.AGAIN,
        options=options,
        now=NOW,
        rng=Random(),
    )
    passed = review(
        _review_card(10.0, lapses=5),
        Rating.GOOD,
        options=options,
        now=NOW,
        rng=Random(),
    )
    assert not below.is_leech
    assert at.is_leech
    assert at.leech_action is LeechAction.SUSPEND
    assert beyond.is_leech
    assert not passed.is_leech


def test_leech_action_helper() -> None:
    options = DeckOptions()
    assert leech_action(lapsed=True, lapses=8, options=options) is LeechAction.TAG
    assert leech_action(lapsed=True, lapses=7, options=options) is None
    assert leech_action(lapsed=False, lapses=9, options=options) is None


# --- fuzz ---------------------------------------------------------------------


def test_fuzz_is_reproducible_from_the_seed() -> None:
    def dues(seed: int) -> list[datetime]:
        rng = Random(seed)
        state, now, result = CardState(due=NOW), NOW, []
        for rating in [3, 3, 3, 3, 3, 1, 3, 3, 4, 3]:
            state = review(
                state, Rating(rating), options=DeckOptions(), now=now, rng=rng
            ).state
            now = state.due
            result.append(state.due)
        return result

    assert dues(7) == dues(7)
    assert any(dues(7) != dues(seed) for seed in range(8, 12))


@pytest.mark.parametrize("draw", [0.0, 0.2, 0.5, 0.77, 0.999999])
@pytest.mark.parametrize("maximum_interval", [36500, 40])
def test_fuzz_equals_the_librarys_for_the_same_draw(
    monkeypatch: pytest.MonkeyPatch, draw: float, maximum_interval: int
) -> None:
    monkeypatch.setattr(fsrs.scheduler, "random", lambda: draw)
    options = DeckOptions(maximum_interval=maximum_interval)
    library = fsrs.Scheduler(maximum_interval=maximum_interval, enable_fuzzing=True)
    for stability in [0.5, 2.0, 3.1, 5.0, 9.0, 25.0, 80.0, 400.0, 3000.0]:
        state = _review_card(stability)
        for rating in Rating:
            ours = review(
                state, rating, options=options, now=NOW, rng=_FixedRandom(draw)
            )
            card = fsrs.Card(
                card_id=1,
                state=fsrs.State.Review,
                stability=stability,
                difficulty=5.0,
                due=state.due,
                last_review=state.last_review,
            )
            theirs, _ = library.review_card(card, fsrs.Rating(int(rating)), NOW)
            assert ours.state.due == theirs.due


@settings(max_examples=150, derandomize=True, database=None, deadline=None)
@given(
    stability=st.floats(min_value=0.1, max_value=5000.0),
    seed=st.integers(min_value=0, max_value=2**32),
    rating=st.sampled_from([Rating.HARD, Rating.GOOD, Rating.EASY]),
)
def test_fuzzed_interval_stays_in_the_librarys_range(
    stability: float, seed: int, rating: Rating
) -> None:
    state = _review_card(stability)
    unfuzzed = preview(state, options=DeckOptions(), now=NOW)[rating].days
    fuzzed = review(state, rating, options=DeckOptions(), now=NOW, rng=Random(seed))
    low, high = fuzz_bounds(unfuzzed, maximum_interval=36500)
    assert low <= fuzzed.interval.days <= high
    assert fuzzed.interval == timedelta(days=fuzzed.interval.days)


def test_fuzz_bounds_follow_the_librarys_ranges() -> None:
    assert fuzz_bounds(2, maximum_interval=36500) == (2, 2)
    assert fuzz_bounds(3, maximum_interval=36500) == (2, 5)  # delta 1.075
    assert fuzz_bounds(100, maximum_interval=36500) == (93, 108)  # delta 6.975
    assert fuzz_bounds(100, maximum_interval=101) == (93, 101)


def test_learning_steps_are_never_fuzzed() -> None:
    for seed in range(20):
        outcome = review(
            CardState(due=NOW),
            Rating.GOOD,
            options=DeckOptions(),
            now=NOW,
            rng=Random(seed),
        )
        assert outcome.interval == timedelta(minutes=10)


# --- preview and format -----------------------------------------------------------


def test_preview_gives_each_buttons_interval_without_changing_anything() -> None:
    state = CardState(due=NOW)
    intervals = preview(state, options=DeckOptions(), now=NOW)
    assert intervals[Rating.AGAIN] == timedelta(minutes=1)
    assert intervals[Rating.HARD] == timedelta(minutes=5, seconds=30)
    assert intervals[Rating.GOOD] == timedelta(minutes=10)
    assert intervals[Rating.EASY] == timedelta(days=8)
    assert state == CardState(due=NOW)


def test_preview_matches_review_without_fuzz() -> None:
    state = _review_card(30.0)
    intervals = preview(state, options=DeckOptions(), now=NOW)
    for rating in Rating:
        outcome = review(state, rating, options=NO_FUZZ, now=NOW, rng=Random())
        assert intervals[rating] == outcome.interval


@pytest.mark.parametrize(
    ("interval", "label"),
    [
        (timedelta(seconds=0), "<1m"),
        (timedelta(seconds=59), "<1m"),
        (timedelta(minutes=1), "1m"),
        (timedelta(minutes=5, seconds=30), "6m"),
        (timedelta(minutes=10), "10m"),
        (timedelta(minutes=59, seconds=50), "1h"),
        (timedelta(hours=1), "1h"),
        (timedelta(hours=23), "23h"),
        (timedelta(days=1), "1d"),
        (timedelta(days=3), "3d"),
        (timedelta(days=29), "29d"),
        (timedelta(days=30), "1mo"),
        (timedelta(days=63), "2.1mo"),
        (timedelta(days=360), "1y"),
        (timedelta(days=475), "1.3y"),
    ],
)
def test_format_interval_like_anki(interval: timedelta, label: str) -> None:
    assert format_interval(interval) == label


def test_format_interval_refuses_negative() -> None:
    with pytest.raises(ValueError, match="negative"):
        format_interval(timedelta(seconds=-1))


# --- retrievability -------------------------------------------------------------


def test_retrievability_is_the_librarys() -> None:
    state = _review_card(10.0, days_ago=10)
    library = fsrs.Scheduler()
    card = fsrs.Card(
        card_id=1,
        state=fsrs.State.Review,
        stability=10.0,
        difficulty=5.0,
        due=state.due,
        last_review=state.last_review,
    )
    expected = library.get_card_retrievability(card, NOW)
    assert retrievability(state, NOW, DeckOptions()) == expected
    assert retrievability(state, NOW, DeckOptions()) == pytest.approx(0.9)
    assert retrievability(CardState(due=NOW), NOW, DeckOptions()) == 0.0


def test_retrievability_many_equals_per_card_retrievability() -> None:
    rng = Random(3)
    options = DeckOptions()
    states = [
        _review_card(rng.uniform(0.1, 500.0), days_ago=rng.randint(0, 400))
        for _ in range(200)
    ]
    stabilities = np.array([state.stability for state in states])
    elapsed = np.array([(NOW - state.last_review).days for state in states])  # type: ignore[operator]
    many = retrievability_many(stabilities, elapsed, options.decay)
    single = [retrievability(state, NOW, options) for state in states]
    np.testing.assert_allclose(many, single, rtol=1e-12, atol=0)


def test_retrievability_many_handles_new_cards_and_bad_decay() -> None:
    result = retrievability_many(np.array([np.nan, 5.0]), np.array([3.0, -1.0]), -0.5)
    assert result.tolist() == [0.0, 1.0]
    with pytest.raises(ValueError, match="negative"):
        retrievability_many(np.array([1.0]), np.array([1.0]), 0.1542)
