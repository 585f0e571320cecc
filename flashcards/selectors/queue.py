"""The study day and the due queue.

The due queue is built from bounded, index-backed queries, so that a learner
with 100k cards waits about as long as one with a thousand:

* learning cards: their ids in due order, counted in full (`due_rows`);
* review cards: per deck, only the rows its review order shows first within
  its remaining daily limit (`due_rows`);
* new cards: per deck, enough of them to fill its remaining new-card limit in
  its new-card order (`new_cards`).

`flashcards.scheduling.build_queue` then orders each deck's reviews and new
cards and applies its limits and sibling burying; only the head of the queue
is loaded whole and previewed. It never loads all of a learner's memory
states.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from random import Random, SystemRandom
from typing import Any

from django.db.models import Count
from django.utils import timezone

from flashcards.models import Card, Deck, ReviewLog
from flashcards.parameters import deck_options_map
from flashcards.scheduling import (
    CardState,
    DeckOptions,
    QueueCard,
    Rating,
    ReviewOrder,
    State,
    build_queue,
    day_bounds,
    preview,
)
from flashcards.selectors.decks import deck_study_tree, decks_studied
from flashcards.selectors.due_rows import (
    Learning,
    learning_rows,
    memory_rows,
    memory_state,
    review_rows,
)
from flashcards.selectors.new_cards import NewCard, new_cards, new_rows
from studysite.models import User

MAX_QUEUE_LIMIT = 50


def fresh_rng() -> Random:
    """A new ``Random`` seeded from the system's entropy source."""
    return Random(SystemRandom().getrandbits(64))


# --- the study day --------------------------------------------------------------


def study_day(*, learner: User, now: datetime) -> tuple[datetime, datetime]:
    return day_bounds(now, tz=learner.time_zone, day_start_hour=learner.day_start_hour)


@dataclass
class DoneToday:
    new: int = 0
    review: int = 0
    learning: int = 0
    notes: set[int] = field(default_factory=set)  # notes with a card answered

    @property
    def total(self) -> int:
        return self.new + self.review + self.learning


def done_today(
    *, learner: User, now: datetime, deck_ids: Iterable[int] | None = None
) -> dict[int, DoneToday]:
    """Cards answered this study day, per deck (undone reviews do not count).

    ``new`` counts first answers of new cards and ``review`` answers of review
    cards: what the daily limits are measured against. ``notes`` are the notes
    a card of which was answered (their new siblings wait for tomorrow).
    """
    start, end = study_day(learner=learner, now=now)
    rows = ReviewLog.objects.filter(
        learner=learner, reviewed_at__gte=start, reviewed_at__lt=end, undone_at=None
    )
    if deck_ids is not None:
        rows = rows.filter(deck_id__in=list(deck_ids))
    done: dict[int, DoneToday] = defaultdict(DoneToday)
    for deck_id, state, note_id, count in rows.values_list(
        "deck_id", "review_state", "card__note_id"
    ).annotate(n=Count("id")):
        done[deck_id].notes.add(note_id)
        if state == State.NEW:
            done[deck_id].new += count
        elif state == State.REVIEW:
            done[deck_id].review += count
        else:
            done[deck_id].learning += count
    return done


# --- the due queue ----------------------------------------------------------------


@dataclass(frozen=True)
class QueuedCard:
    """A card at the head of the queue, ready to show."""

    card: Card
    state: CardState
    version: int
    intervals: dict[Rating, timedelta]


@dataclass
class StudyQueue:
    new_count: int = 0
    learning_count: int = 0
    review_count: int = 0
    card_ids: list[int] = field(default_factory=list)
    cards: list[QueuedCard] = field(default_factory=list)
    next_learning_due: datetime | None = None
    done: DoneToday = field(default_factory=DoneToday)
    deck_count: int = 0

    @property
    def remaining(self) -> int:
        return self.new_count + self.learning_count + self.review_count


# Slack over a deck's remaining review limit when picking its reviews, so that
# sibling burying still has enough cards to choose from.
_SIBLING_SLACK = 3


@dataclass
class _Known:
    """What the queue read of each card it may show: deck, state, version."""

    deck_of: dict[int, int] = field(default_factory=dict)
    states: dict[int, CardState] = field(default_factory=dict)
    versions: dict[int, int] = field(default_factory=dict)


@dataclass
class _Day:
    learner: User
    now: datetime
    day_end: datetime
    rng: Random


def _deck_queue(
    queue: StudyQueue,
    *,
    deck: Deck,
    options: DeckOptions,
    done: DoneToday,
    reviews: list[tuple[Any, ...]],
    learning: Learning,
    waiting: list[NewCard],
    answered: set[int],
    known: _Known,
    day: _Day,
) -> tuple[list[int], list[int]]:
    """One deck's reviews and new cards in study order (and their counts)."""
    cards: list[QueueCard] = []
    for row in reviews:
        card_id, note_id, deck_id, state, version = memory_state(row)
        cards.append(QueueCard(card_id, note_id, state))
        known.deck_of[card_id], known.states[card_id] = deck_id, state
        known.versions[card_id] = version
    held = learning.notes.get(deck.pk, set())
    need = max(0, options.new_per_day - done.new)
    if need and options.bury_siblings:  # some may be held back as siblings
        need += len(held) + len(cards)
    for new in new_cards(
        learner=day.learner,
        deck=deck,
        options=options,
        need=need,
        rows=waiting,
        answered=answered,
    ):
        cards.append(new.queue_card(now=day.now))
        known.deck_of[new.card_id] = deck.pk
        known.versions[new.card_id] = new.version
    if not cards:
        return [], []
    built = build_queue(
        cards,
        options=options,
        now=day.now,
        tz=day.learner.time_zone,
        day_start_hour=day.learner.day_start_hour,
        new_done_today=min(done.new, options.new_per_day),
        reviews_done_today=min(done.review, options.reviews_per_day),
        rng=day.rng,
        learning_notes=held,
    )
    queue.new_count += built.new_count
    queue.review_count += built.review_count
    ids = list(built.card_ids)
    return ids[: built.review_count], ids[built.review_count :]


def _queue_head(
    card_ids: list[int],
    *,
    by_id: dict[int, Deck],
    options_of: dict[int, DeckOptions],
    known: _Known,
    day: _Day,
) -> list[QueuedCard]:
    """Load the given head of the queue, each card with its interval preview."""
    if not card_ids:
        return []
    loaded = Card.objects.select_related("note").in_bulk(card_ids)
    unread = [i for i in card_ids if i not in known.versions]  # learning cards
    for card_id, row in memory_rows(learner=day.learner, card_ids=unread).items():
        _, _, deck_id, state, version = memory_state(row)
        known.deck_of[card_id], known.states[card_id] = deck_id, state
        known.versions[card_id] = version
    head: list[QueuedCard] = []
    for card_id in card_ids:
        card = loaded[card_id]
        card.deck = by_id[known.deck_of[card_id]]
        state = known.states.get(card_id) or CardState(
            state=State.NEW, due=card.created_at
        )
        options = options_of[known.deck_of[card_id]]
        head.append(
            QueuedCard(
                card=card,
                state=state,
                version=known.versions.get(card_id, 0),
                intervals=preview(state, options=options, now=day.now),
            )
        )
    return head


def study_queue(
    *,
    learner: User,
    deck: Deck | None = None,
    now: datetime | None = None,
    limit: int = 10,
    rng: Random | None = None,
) -> StudyQueue:
    """The learner's queue now, over one deck (with the subdecks the learner
    studies, as in Anki) or all visible decks.

    Per deck, `flashcards.scheduling.build_queue` orders the cards and applies
    that deck's daily limits (less what was done today in the learner's study
    day). Across decks: learning cards first by due time, then each deck's
    reviews, then each deck's new cards.

    Args:
        learner: Whose queue.
        deck: One deck, or None for all the decks the learner may study.
        now: The current time (default: now).
        limit: How many cards to load and preview from the head of the queue.
        rng: Breaks ties between equally ranked reviews.

    Returns:
        The counts, the ordered card ids and the first ``limit`` cards.
    """
    now = now or timezone.now()
    decks = (
        deck_study_tree(learner=learner, deck=deck)
        if deck is not None
        else list(decks_studied(learner=learner))
    )
    by_id = {d.pk: d for d in decks}
    options_of = deck_options_map(learner=learner, decks=decks)
    _, day_end = study_day(learner=learner, now=now)
    day = _Day(learner, now, day_end, rng or fresh_rng())
    done = done_today(
        learner=learner, now=now, deck_ids=list(by_id) if deck is not None else None
    )
    queue = StudyQueue(deck_count=len(by_id))
    learning = (
        learning_rows(
            learner=learner,
            deck_ids=list(by_id),
            now=now,
            day_end=day_end,
            with_notes=[i for i in by_id if options_of[i].bury_siblings],
        )
        if by_id
        else Learning()
    )
    known = _Known()
    review_ids, new_ids = _all_decks(
        queue,
        by_id=by_id,
        options_of=options_of,
        done=done,
        learning=learning,
        known=known,
        day=day,
    )
    queue.learning_count = len(learning.card_ids)
    queue.next_learning_due = learning.next_due
    queue.card_ids = learning.card_ids + review_ids + new_ids
    for counts in done.values():
        queue.done.new += counts.new
        queue.done.review += counts.review
        queue.done.learning += counts.learning
    queue.cards = _queue_head(
        queue.card_ids[: max(0, min(limit, MAX_QUEUE_LIMIT))],
        by_id=by_id,
        options_of=options_of,
        known=known,
        day=day,
    )
    return queue


def _all_decks(
    queue: StudyQueue,
    *,
    by_id: dict[int, Deck],
    options_of: dict[int, DeckOptions],
    done: dict[int, DoneToday],
    learning: Learning,
    known: _Known,
    day: _Day,
) -> tuple[list[int], list[int]]:
    """Every deck's reviews, then every deck's new cards, in study order."""
    reviews = review_rows(
        learner=day.learner,
        keep={i: (_review_room(options_of[i], done[i]), options_of[i]) for i in by_id},
        now=day.now,
        day_end=day.day_end,
    )
    waiting = new_rows(
        learner=day.learner,
        decks={
            i: d for i, d in by_id.items() if options_of[i].new_per_day > done[i].new
        },
        now=day.now,
    )
    answered: set[int] = set().union(*(counts.notes for counts in done.values()))
    review_ids: list[int] = []
    new_ids: list[int] = []
    for deck_id, current in by_id.items():
        deck_reviews, deck_new = _deck_queue(
            queue,
            deck=current,
            options=options_of[deck_id],
            done=done[deck_id],
            reviews=reviews.get(deck_id, []),
            learning=learning,
            waiting=waiting.get(deck_id, []),
            answered=answered,
            known=known,
            day=day,
        )
        review_ids += deck_reviews
        new_ids += deck_new
    return review_ids, new_ids


def _review_room(options: DeckOptions, done: DoneToday) -> int:
    room = max(0, options.reviews_per_day - done.review)
    return room * (_SIBLING_SLACK if options.bury_siblings else 1)


def review_order_label(options: DeckOptions) -> str:
    if options.review_order is ReviewOrder.DUE:
        return "by due date"
    return "lowest retrievability first"
