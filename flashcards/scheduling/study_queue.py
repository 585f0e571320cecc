"""Today's study queue: which cards to study, in which order.

`build_queue` applies the daily limits, the review order (lowest
retrievability first, or by due time), the new-card order (`order_new`: mixed
over the deck's kinds of card, or as added) and sibling burying to a deck's
cards.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from random import Random

import numpy as np

from flashcards.scheduling.card_state import CardState, State, _utc
from flashcards.scheduling.forgetting_curve import retrievability_many
from flashcards.scheduling.options import DeckOptions, NewOrder, ReviewOrder
from flashcards.scheduling.study_day import DEFAULT_DAY_START_HOUR, day_bounds

_DAY = timedelta(days=1)


@dataclass(frozen=True)
class QueueCard:
    """A card as the queue sees it.

    ``kind`` (the note type) and ``topic`` (the learning objective) group new
    cards for the mixed new-card order.
    """

    card_id: int
    note_id: int
    state: CardState
    suspended: bool = False
    buried_until: datetime | None = None
    kind: str = ""
    topic: str = ""

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
    learning_notes: Iterable[int] = (),
    answered_notes: Iterable[int] = (),
) -> Queue:
    """Build the study queue for ``now``.

    Order: learning and relearning cards that are due (by due time), then review
    cards due today (lowest retrievability first, or by due time), then new
    cards (`order_new`). Suspended and buried cards are left out. New and review
    cards are capped by the daily limits less what was done today; learning
    cards are not capped. With ``bury_siblings``, at most one card per note
    appears among the new and review cards, and none for a note that has a card
    in learning today (learning cards themselves are never held back). With
    ``bury_new_siblings`` (or ``bury_siblings``), at most one new card per
    note appears, and none of a note answered today.

    Args:
        cards: The deck's cards.
        options: The deck's options.
        now: The current time, UTC.
        tz: The learner's IANA time zone name.
        day_start_hour: The local hour at which a new study day starts.
        new_done_today: New cards already studied this study day.
        reviews_done_today: Review cards already studied this study day.
        rng: Breaks ties between equally ranked review cards.
        learning_notes: Notes with a card in learning today that ``cards``
            leaves out (a caller that counts learning cards itself).
        answered_notes: Notes with a card answered this study day.

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
        _learning_notes(cards=available, day_end=day_end) | set(learning_notes)
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
        cards=order_new(
            [card for card in available if card.state.state is State.NEW],
            options=options,
            answered_notes=answered_notes,
        ),
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


def buries_new_siblings(options: DeckOptions) -> bool:
    """Whether a deck shows at most one new card per note a day."""
    return options.bury_new_siblings or options.bury_siblings


def order_new(
    cards: Iterable[QueueCard],
    *,
    options: DeckOptions,
    answered_notes: Iterable[int] = (),
) -> list[QueueCard]:
    """New cards in the order the deck introduces them.

    When the deck buries new siblings, a note answered today offers none and
    any other note only its first card (by id). ``NewOrder.ADDED`` then keeps
    card-id order. ``NewOrder.MIXED`` deals the cards out of their groups (one
    group per kind and topic, `QueueCard`) in rounds: the first card of every
    group, then the second of every group, and so on. Within a round the kinds
    take turns (one group of each kind, then a second group of each kind...),
    each turn in card-id order, so that a first session meets every kind of
    card and every topic. No randomness: the same cards give the same order.

    Args:
        cards: New cards (any order).
        options: The deck's options.
        answered_notes: Notes with a card answered this study day.

    Returns:
        The cards in study order.
    """
    ordered = sorted(cards, key=lambda card: card.card_id)
    if buries_new_siblings(options):
        answered = set(answered_notes)
        ordered = [card for card in ordered if card.note_id not in answered]
        ordered = first_of_each_note(ordered)
    if options.new_order is NewOrder.ADDED:
        return ordered
    keys = mixed_keys(ordered)
    return sorted(ordered, key=lambda card: keys[card.card_id])


def first_of_each_note(cards: Iterable[QueueCard]) -> list[QueueCard]:
    """The first card of each note, keeping the given order."""
    notes: set[int] = set()
    kept: list[QueueCard] = []
    for card in cards:
        if card.note_id not in notes:
            notes.add(card.note_id)
            kept.append(card)
    return kept


def mixed_keys(cards: Iterable[QueueCard]) -> dict[int, tuple[int, int, int]]:
    """Each card id's mixed-order key: ``(round, turn, card id)``.

    The round is the card's place in its group, the turn its group's place
    among the groups of its kind (by their first card). ``cards`` must be in
    card-id order.
    """
    in_group: defaultdict[tuple[str, str], int] = defaultdict(int)
    turns: dict[tuple[str, str], int] = {}
    groups_of_kind: defaultdict[str, int] = defaultdict(int)
    keys: dict[int, tuple[int, int, int]] = {}
    for card in cards:
        group = (card.kind, card.topic)
        if group not in turns:
            turns[group] = groups_of_kind[card.kind]
            groups_of_kind[card.kind] += 1
        keys[card.card_id] = (in_group[group], turns[group], card.card_id)
        in_group[group] += 1
    return keys
