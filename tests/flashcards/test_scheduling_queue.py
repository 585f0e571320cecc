"""The learner's study day, burying and the study queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flashcards.scheduling import (
    CardState,
    DeckOptions,
    NewOrder,
    Queue,
    QueueCard,
    ReviewOrder,
    SchedulingOptionsError,
    State,
    build_queue,
    bury_until,
    day_bounds,
    order_new,
)

NOW = datetime(2024, 5, 10, 9, 30, tzinfo=UTC)  # study day: 05-10 04:00 to 05-11 04:00


def _utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# --- study day ----------------------------------------------------------------


def test_day_starts_at_four_by_default() -> None:
    assert day_bounds(NOW, tz="UTC") == (_utc(2024, 5, 10, 4), _utc(2024, 5, 11, 4))


def test_before_the_day_start_hour_it_is_still_yesterday() -> None:
    start, end = day_bounds(_utc(2024, 5, 10, 3, 59), tz="UTC", day_start_hour=4)
    assert (start, end) == (_utc(2024, 5, 9, 4), _utc(2024, 5, 10, 4))
    assert day_bounds(_utc(2024, 5, 10, 4), tz="UTC", day_start_hour=4)[0] == end


def test_midnight_day_start() -> None:
    before = day_bounds(_utc(2024, 5, 10, 23, 59, 59), tz="UTC", day_start_hour=0)
    after = day_bounds(_utc(2024, 5, 11, 0, 0), tz="UTC", day_start_hour=0)
    assert before == (_utc(2024, 5, 10), _utc(2024, 5, 11))
    assert after == (_utc(2024, 5, 11), _utc(2024, 5, 12))


def test_day_follows_the_learners_time_zone() -> None:
    # 03:59 in New York (EDT, UTC-4) is still the previous study day.
    start, end = day_bounds(_utc(2024, 5, 10, 7, 59), tz="America/New_York")
    assert (start, end) == (_utc(2024, 5, 9, 8), _utc(2024, 5, 10, 8))
    # Tokyo (UTC+9): 09:30 UTC is 18:30 local.
    start, end = day_bounds(NOW, tz="Asia/Tokyo", day_start_hour=4)
    assert (start, end) == (_utc(2024, 5, 9, 19), _utc(2024, 5, 10, 19))


def test_day_is_23_hours_when_clocks_go_forward() -> None:
    # New York, 2024-03-10: 02:00 EST jumps to 03:00 EDT.
    start, end = day_bounds(_utc(2024, 3, 10, 5), tz="America/New_York")
    assert (start, end) == (_utc(2024, 3, 9, 9), _utc(2024, 3, 10, 8))
    assert end - start == timedelta(hours=23)


def test_day_is_25_hours_when_clocks_go_back() -> None:
    # New York, 2024-11-03: 02:00 EDT falls back to 01:00 EST.
    start, end = day_bounds(_utc(2024, 11, 3, 7), tz="America/New_York")
    assert (start, end) == (_utc(2024, 11, 2, 8), _utc(2024, 11, 3, 9))
    assert end - start == timedelta(hours=25)
    after = day_bounds(_utc(2024, 11, 3, 12), tz="America/New_York")
    assert after == (_utc(2024, 11, 3, 9), _utc(2024, 11, 4, 9))


def test_day_start_hour_skipped_by_dst_starts_at_the_jump() -> None:
    # 02:00 does not exist in New York on 2024-03-10; the day starts at the jump.
    start, _ = day_bounds(
        _utc(2024, 3, 10, 7, 30), tz="America/New_York", day_start_hour=2
    )
    assert start == _utc(2024, 3, 10, 7)
    _, end = day_bounds(
        _utc(2024, 3, 10, 6, 59), tz="America/New_York", day_start_hour=2
    )
    assert end == start


@settings(max_examples=200, derandomize=True, database=None, deadline=None)
@given(
    now=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31)
    ).map(lambda naive: naive.replace(tzinfo=UTC)),
    tz=st.sampled_from(
        [
            "UTC",
            "Europe/Berlin",
            "America/Sao_Paulo",
            "Australia/Lord_Howe",
            "Asia/Kathmandu",
        ]
    ),
    hour=st.integers(min_value=0, max_value=23),
)
def test_now_is_always_inside_its_day(now: datetime, tz: str, hour: int) -> None:
    start, end = day_bounds(now, tz=tz, day_start_hour=hour)
    assert start <= now < end
    assert timedelta(hours=22) <= end - start <= timedelta(hours=26)
    assert day_bounds(end, tz=tz, day_start_hour=hour)[0] == end


@pytest.mark.parametrize("tz", ["Mars/Olympus_Mons", "", "../../etc/passwd", "utc+2"])
def test_unknown_time_zone_is_refused(tz: str) -> None:
    with pytest.raises(ValueError, match="time zone"):
        day_bounds(NOW, tz=tz)


def test_bad_day_start_hour_and_naive_now_are_refused() -> None:
    with pytest.raises(ValueError, match="day_start_hour"):
        day_bounds(NOW, tz="UTC", day_start_hour=24)
    with pytest.raises(ValueError, match="UTC"):
        day_bounds(datetime(2024, 5, 10), tz="UTC")


def test_bury_until_is_the_next_day_start() -> None:
    assert bury_until(NOW, "Europe/Berlin", 4) == _utc(2024, 5, 11, 2)
    assert bury_until(NOW, tz="UTC") == _utc(2024, 5, 11, 4)


# --- queue --------------------------------------------------------------------


def _new(card_id: int, note_id: int | None = None, **extra: object) -> QueueCard:
    state = CardState(due=NOW - timedelta(days=30))
    return QueueCard(card_id, note_id or card_id, state, **extra)  # type: ignore[arg-type]


def _learning(
    card_id: int,
    due_in: timedelta,
    note_id: int | None = None,
    step: timedelta | None = None,
) -> QueueCard:
    due = NOW + due_in
    state = CardState(
        state=State.RELEARNING if card_id % 2 else State.LEARNING,
        due=due,
        stability=1.0,
        difficulty=5.0,
        step=0,
        last_review=due - (step or timedelta(minutes=10)),
    )
    return QueueCard(card_id, note_id or card_id, state)


def _review(
    card_id: int,
    *,
    stability: float,
    days_ago: float,
    due_in: timedelta = -timedelta(hours=1),
    note_id: int | None = None,
    **extra: object,
) -> QueueCard:
    state = CardState(
        state=State.REVIEW,
        due=NOW + due_in,
        stability=stability,
        difficulty=5.0,
        last_review=NOW - timedelta(days=days_ago),
    )
    return QueueCard(card_id, note_id or card_id, state, **extra)  # type: ignore[arg-type]


def _queue(cards: list[QueueCard], seed: int = 0, **options: object) -> Queue:
    done = {
        key: options.pop(key)
        for key in ("new_done_today", "reviews_done_today")
        if key in options
    }
    return build_queue(
        cards,
        options=DeckOptions(**options),  # type: ignore[arg-type]
        now=NOW,
        tz="UTC",
        day_start_hour=4,
        new_done_today=done.get("new_done_today", 0),  # type: ignore[arg-type]
        reviews_done_today=done.get("reviews_done_today", 0),  # type: ignore[arg-type]
        rng=Random(seed),
    )


def test_queue_order_learning_then_reviews_by_retrievability_then_new() -> None:
    cards = [
        _new(12),
        _new(11),
        _review(21, stability=10.0, days_ago=5),  # R ~ 0.95
        _review(22, stability=2.0, days_ago=9),  # R ~ 0.7, most at risk
        _review(23, stability=5.0, days_ago=6),
        _learning(31, -timedelta(minutes=1)),
        _learning(32, -timedelta(minutes=5)),
    ]
    queue = _queue(cards)
    assert queue.card_ids == (32, 31, 22, 23, 21, 11, 12)
    assert queue.counts == (2, 2, 3)


def test_review_order_by_due() -> None:
    cards = [
        _review(21, stability=10.0, days_ago=5, due_in=-timedelta(days=1)),
        _review(22, stability=2.0, days_ago=9, due_in=-timedelta(hours=2)),
        _review(23, stability=5.0, days_ago=6, due_in=-timedelta(days=3)),
    ]
    assert _queue(cards, review_order=ReviewOrder.DUE).card_ids == (23, 21, 22)


def test_reviews_due_later_today_are_in_but_tomorrows_are_not() -> None:
    cards = [
        _review(21, stability=10.0, days_ago=5, due_in=timedelta(hours=18)),  # 03:30
        _review(22, stability=10.0, days_ago=5, due_in=timedelta(hours=18, minutes=30)),
    ]
    assert _queue(cards).card_ids == (21,)


def test_learning_due_later_today_waits_and_is_announced() -> None:
    cards = [
        _learning(31, timedelta(minutes=8)),
        _learning(32, timedelta(hours=3)),
        _learning(33, timedelta(hours=20)),  # tomorrow
    ]
    queue = _queue(cards)
    assert queue.card_ids == ()
    assert queue.next_learning_due == NOW + timedelta(minutes=8)


def test_interday_learning_step_is_due_for_the_whole_day() -> None:
    card = _learning(31, timedelta(hours=5), step=timedelta(days=1))
    assert _queue([card]).card_ids == (31,)


def test_daily_limits_less_what_was_done_today() -> None:
    cards = [_new(card_id) for card_id in range(1, 6)] + [
        _review(card_id, stability=5.0, days_ago=5) for card_id in range(11, 16)
    ]
    queue = _queue(
        cards, new_per_day=3, new_done_today=1, reviews_per_day=4, reviews_done_today=2
    )
    assert queue.new_count == 2
    assert queue.review_count == 2
    assert queue.card_ids[-2:] == (1, 2)
    over = _queue(cards, new_per_day=3, new_done_today=9, reviews_per_day=0)
    assert over.counts == (0, 0, 0)


def test_learning_cards_are_not_limited() -> None:
    cards = [_learning(card_id, -timedelta(minutes=card_id)) for card_id in range(1, 6)]
    queue = _queue(cards, new_per_day=0, reviews_per_day=0)
    assert queue.learning_count == 5


def test_suspended_and_buried_cards_are_left_out() -> None:
    cards = [
        _new(1, suspended=True),
        _new(2, buried_until=NOW + timedelta(hours=1)),
        _new(3, buried_until=NOW),  # burial over
        _review(4, stability=5.0, days_ago=5, suspended=True),
        _review(5, stability=5.0, days_ago=5, buried_until=NOW + timedelta(hours=18)),
    ]
    assert _queue(cards).card_ids == (3,)


def test_sibling_burying_keeps_one_card_per_note() -> None:
    cards = [
        _new(1, note_id=100),
        _new(2, note_id=100),
        _review(3, stability=5.0, days_ago=5, note_id=200),
        _new(4, note_id=200),
        _review(5, stability=3.0, days_ago=9, note_id=300),
        _review(6, stability=30.0, days_ago=1, note_id=300),
        _new(7, note_id=400),
        _learning(8, -timedelta(minutes=2), note_id=400),
        _learning(9, -timedelta(minutes=1), note_id=400),
    ]
    buried = _queue(cards, bury_siblings=True)
    assert buried.card_ids == (8, 9, 5, 3, 1)
    assert buried.counts == (1, 2, 2)
    everything = _queue(cards, bury_siblings=False, bury_new_siblings=False)
    assert sorted(everything.card_ids) == list(range(1, 10))


def test_buried_siblings_do_not_use_up_the_limit() -> None:
    cards = [_new(1, note_id=100), _new(2, note_id=100), _new(3, note_id=300)]
    assert _queue(cards, bury_siblings=True, new_per_day=2).card_ids == (1, 3)


def test_ties_are_broken_by_the_rng_whatever_the_input_order() -> None:
    cards = [_review(card_id, stability=5.0, days_ago=5) for card_id in range(1, 30)]
    first = _queue(cards, seed=1).card_ids
    assert _queue(list(reversed(cards)), seed=1).card_ids == first
    assert any(_queue(cards, seed=seed).card_ids != first for seed in range(2, 6))


def test_negative_done_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        _queue([], new_done_today=-1)


def test_queue_leaves_its_input_alone() -> None:
    cards = [_new(2), _new(1), _review(3, stability=5.0, days_ago=5)]
    before = list(cards)
    _queue(cards)
    assert cards == before


# --- new cards: siblings and order ----------------------------------------------


def _kind(card_id: int, kind: str, topic: str = "", note_id: int | None = None):
    state = CardState(due=NOW - timedelta(days=30))
    return QueueCard(card_id, note_id or card_id, state, kind=kind, topic=topic)


def test_new_siblings_wait_by_default_the_first_card_of_a_note_comes() -> None:
    cards = [_new(3, note_id=100), _new(1, note_id=100), _new(2, note_id=200)]
    assert _queue(cards).card_ids == (1, 2)
    assert _queue(cards, bury_new_siblings=False).card_ids == (1, 2, 3)


def test_a_note_answered_today_offers_no_new_card() -> None:
    cards = [_new(1, note_id=100), _new(2, note_id=200), _new(3, note_id=200)]
    queue = build_queue(
        cards,
        options=DeckOptions(),
        now=NOW,
        tz="UTC",
        new_done_today=0,
        reviews_done_today=0,
        rng=Random(0),
        answered_notes={200},
    )
    assert queue.card_ids == (1,)
    kept = order_new(
        cards, options=DeckOptions(bury_new_siblings=False), answered_notes={200}
    )
    assert [card.card_id for card in kept] == [1, 2, 3]


def test_the_mixed_order_meets_each_kind_within_the_first_cards() -> None:
    cards = (
        [_kind(i, "basic") for i in range(1, 6)]
        + [_kind(i, "cloze") for i in range(6, 11)]
        + [_kind(i, "parametric") for i in range(11, 13)]
    )
    queue = _queue(cards)
    assert queue.card_ids[:4] == (1, 6, 11, 2)
    assert queue.card_ids == (1, 6, 11, 2, 7, 12, 3, 8, 4, 9, 5, 10)


def test_the_mixed_order_takes_turns_over_topics_of_each_kind() -> None:
    cards = [
        _kind(1, "basic", "a"),
        _kind(2, "basic", "a"),
        _kind(3, "basic", "b"),
        _kind(4, "cloze", "a"),
        _kind(5, "cloze", "c"),
        _kind(6, "basic", "c"),
    ]
    # Round one: a group of each kind (basic a, cloze a), then the second
    # group of each (basic b, cloze c), then basic c; round two: basic a.
    assert _queue(cards).card_ids == (1, 4, 3, 5, 6, 2)


def test_the_added_order_keeps_card_ids_whatever_the_kinds() -> None:
    cards = [_kind(3, "cloze"), _kind(1, "basic"), _kind(2, "basic")]
    assert _queue(cards, new_order="added").card_ids == (1, 2, 3)


def test_the_mixed_order_keeps_the_daily_limit_and_ignores_input_order() -> None:
    cards = [_kind(i, "basic" if i % 3 else "numeric") for i in range(1, 13)]
    queue = _queue(cards, new_per_day=4, new_done_today=1)
    assert queue.new_count == 3 and queue.card_ids == (1, 3, 2)
    assert _queue(list(reversed(cards)), new_per_day=4, new_done_today=1) == queue


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"new_order": "random"}, "new_order"),
        ({"new_order": None}, "new_order"),
        ({"bury_new_siblings": 1}, "bury_new_siblings"),
    ],
)
def test_bad_new_card_options_name_the_field(options: dict, field: str) -> None:
    with pytest.raises(SchedulingOptionsError) as raised:
        DeckOptions.from_dict(options)
    assert set(raised.value.errors) == {field}


def test_the_new_card_options_round_trip() -> None:
    options = DeckOptions.from_dict({"new_order": "added", "bury_new_siblings": False})
    assert options.new_order is NewOrder.ADDED
    assert DeckOptions.from_dict(options.to_dict()) == options
    assert DeckOptions().new_order is NewOrder.MIXED and DeckOptions().bury_new_siblings
