"""The study day and the due queue.

The due queue is built from bounded, index-backed queries: the learner's
learning and review rows due before the end of their study day (only the
columns the scheduler needs, through the partial ``(learner, due)`` and
``(learner, deck, due)`` indexes), plus new cards up to each deck's remaining
new-card limit (cards with no memory row yet, or one still ``NEW``). It never
loads all of a learner's memory states.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from random import Random, SystemRandom

import numpy as np
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from flashcards.models import (
    Card,
    CardMemory,
    Deck,
    ReviewLog,
)
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
from flashcards.selectors.decks import decks_studied
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

    @property
    def total(self) -> int:
        return self.new + self.review + self.learning


def done_today(
    *, learner: User, now: datetime, deck_ids: Iterable[int] | None = None
) -> dict[int, DoneToday]:
    """Cards answered this study day, per deck (undone reviews do not count).

    ``new`` counts first answers of new cards and ``review`` answers of review
    cards: what the daily limits are measured against.
    """
    start, end = study_day(learner=learner, now=now)
    rows = ReviewLog.objects.filter(
        learner=learner, reviewed_at__gte=start, reviewed_at__lt=end, undone_at=None
    )
    if deck_ids is not None:
        rows = rows.filter(deck_id__in=list(deck_ids))
    done: dict[int, DoneToday] = defaultdict(DoneToday)
    for deck_id, state, count in rows.values_list("deck_id", "review_state").annotate(
        n=Count("id")
    ):
        if state == State.NEW:
            done[deck_id].new += count
        elif state == State.REVIEW:
            done[deck_id].review += count
        else:
            done[deck_id].learning += count
    return done


# --- the due queue ----------------------------------------------------------------

_MEMORY_COLUMNS = (
    "card_id",
    "card__note_id",
    "deck_id",
    "state",
    "due",
    "stability",
    "difficulty",
    "step",
    "last_review",
    "reps",
    "lapses",
    "version",
)


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


def _due_memories(
    *, learner: User, deck_ids: list[int] | None, now: datetime, day_end: datetime
) -> QuerySet:
    rows = CardMemory.objects.filter(
        learner=learner, suspended=False, state__gt=0, due__lt=day_end
    ).filter(Q(buried_until__isnull=True) | Q(buried_until__lte=now))
    if deck_ids is not None and len(deck_ids) == 1:
        rows = rows.filter(deck_id=deck_ids[0])
    return rows


# Slack over a deck's remaining review limit when picking its reviews, so that
# sibling burying still has enough cards to choose from.
_SIBLING_SLACK = 3


def _due_rows(
    *,
    learner: User,
    deck_ids: list[int] | None,
    now: datetime,
    day_end: datetime,
    review_room: dict[int, tuple[int, DeckOptions]],
) -> list[tuple]:
    """The due rows to build the queue from.

    Learning and relearning rows come whole (there are few). Review rows of a
    deck with more due than it may still show today are narrowed first, from
    three light columns, to the ones the deck's order would show: a learner
    with 100k cards does not pay for building 15k card states to show 200.
    """
    due = _due_memories(learner=learner, deck_ids=deck_ids, now=now, day_end=day_end)
    rows = list(due.exclude(state=State.REVIEW).values_list(*_MEMORY_COLUMNS))
    light = due.filter(state=State.REVIEW).values_list(
        "card_id", "deck_id", "due", "last_review", "stability"
    )
    by_deck: dict[int, list[tuple]] = defaultdict(list)
    for row in light:
        by_deck[row[1]].append(row)
    chosen: list[int] = []
    for deck_id, deck_rows in by_deck.items():
        room, options = review_room.get(deck_id, (len(deck_rows), None))
        keep = room * (_SIBLING_SLACK if options and options.bury_siblings else 1)
        chosen += _first_reviews(deck_rows, keep=keep, options=options, now=now)
    for start in range(0, len(chosen), 5000):  # stay under SQLite's variable limit
        batch = chosen[start : start + 5000]
        rows += list(
            CardMemory.objects.filter(learner=learner, card_id__in=batch).values_list(
                *_MEMORY_COLUMNS
            )
        )
    return rows


def _first_reviews(
    rows: list[tuple], *, keep: int, options: DeckOptions | None, now: datetime
) -> list[int]:
    if len(rows) <= keep or options is None:
        return [row[0] for row in rows]
    if keep <= 0:
        return []
    if options.review_order is ReviewOrder.DUE:
        return [row[0] for row in sorted(rows, key=lambda r: (r[2], r[0]))[:keep]]
    # Lowest retrievability first: R falls as elapsed time / stability grows
    # (the forgetting curve is monotone for one deck's decay).
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    elapsed = np.fromiter(
        ((now - (r[3] or now)).total_seconds() for r in rows), float, len(rows)
    )
    stability = np.fromiter((r[4] or 0.0 for r in rows), float, len(rows))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(stability > 0, elapsed / np.maximum(stability, 1e-9), np.inf)
    order = np.lexsort((ids, -ratio))[:keep]
    return ids[order].tolist()


def _new_cards(
    *, learner: User, deck: Deck, now: datetime, limit: int
) -> list[tuple[int, int, datetime, int]]:
    if limit <= 0:
        return []
    mine = CardMemory.objects.filter(learner=learner, card=OuterRef("pk"))
    started = mine.filter(Q(state__gt=0) | Q(suspended=True) | Q(buried_until__gt=now))
    return list(
        Card.objects.filter(deck=deck)
        .exclude(Exists(started))
        .annotate(version=Coalesce(Subquery(mine.values("version")[:1]), 0))
        .order_by("id")
        .values_list("id", "note_id", "created_at", "version")[:limit]
    )


def _queue_card(row: tuple) -> tuple[int, QueueCard, int]:
    (card_id, note_id, deck_id, state, due, stability, difficulty, step) = row[:8]
    last_review, reps, lapses, version = row[8:]
    card_state = CardState(
        state=State(state),
        due=due,
        stability=stability,
        difficulty=difficulty,
        step=step,
        last_review=last_review,
        reps=reps,
        lapses=lapses,
    )
    return deck_id, QueueCard(card_id, note_id, card_state), version


def _deck_cards(
    *,
    learner: User,
    by_id: dict[int, Deck],
    options_of: dict[int, DeckOptions],
    done: dict[int, DoneToday],
    now: datetime,
    day_end: datetime,
) -> tuple[dict[int, list[QueueCard]], dict[int, int]]:
    """Each deck's due and new cards, and each card's memory-row version."""
    per_deck: dict[int, list[QueueCard]] = defaultdict(list)
    versions: dict[int, int] = {}
    review_room = {
        deck_id: (
            max(0, options_of[deck_id].reviews_per_day - done[deck_id].review),
            options_of[deck_id],
        )
        for deck_id in by_id
    }
    for row in _due_rows(
        learner=learner,
        deck_ids=list(by_id),
        now=now,
        day_end=day_end,
        review_room=review_room,
    ):
        deck_id, queue_card, version = _queue_card(row)
        if deck_id in by_id:
            per_deck[deck_id].append(queue_card)
            versions[queue_card.card_id] = version
    for deck_id, current in by_id.items():
        options = options_of[deck_id]
        new_limit = options.new_per_day - done[deck_id].new
        if options.bury_siblings:  # some new cards may be held back as siblings
            new_limit += len(per_deck[deck_id])
        for card_id, note_id, created, version in _new_cards(
            learner=learner, deck=current, now=now, limit=new_limit
        ):
            versions[card_id] = version
            fresh = CardState(state=State.NEW, due=created)
            per_deck[deck_id].append(QueueCard(card_id, note_id, fresh))
    return per_deck, versions


def _merge_decks(
    queue: StudyQueue,
    *,
    per_deck: dict[int, list[QueueCard]],
    options_of: dict[int, DeckOptions],
    done: dict[int, DoneToday],
    learner: User,
    now: datetime,
    rng: Random,
) -> tuple[dict[int, CardState], dict[int, int]]:
    """Build each deck's queue and merge them into ``queue``'s counts and order.

    Learning cards come first by due time, then each deck's reviews, then each
    deck's new cards. Returns each queued card's state and deck.
    """
    states: dict[int, CardState] = {}
    card_deck: dict[int, int] = {}
    learning: list[tuple[datetime, int]] = []
    reviews: list[int] = []
    new: list[int] = []
    for deck_id, cards in per_deck.items():
        if not cards:
            continue
        options = options_of[deck_id]
        built = build_queue(
            cards,
            options=options,
            now=now,
            tz=learner.time_zone,
            day_start_hour=learner.day_start_hour,
            new_done_today=min(done[deck_id].new, options.new_per_day),
            reviews_done_today=min(done[deck_id].review, options.reviews_per_day),
            rng=rng,
        )
        by_card = {card.card_id: card for card in cards}
        ids = list(built.card_ids)
        for card_id in ids:
            states[card_id] = by_card[card_id].state
            card_deck[card_id] = deck_id
        nl = built.learning_count
        nr = built.review_count
        learning += [(by_card[i].state.due, i) for i in ids[:nl]]
        reviews += ids[nl : nl + nr]
        new += ids[nl + nr :]
        queue.new_count += built.new_count
        queue.learning_count += built.learning_count
        queue.review_count += built.review_count
        if built.next_learning_due is not None and (
            queue.next_learning_due is None
            or built.next_learning_due < queue.next_learning_due
        ):
            queue.next_learning_due = built.next_learning_due
    queue.card_ids = [i for _, i in sorted(learning)] + reviews + new
    return states, card_deck


def _queue_head(
    card_ids: list[int],
    *,
    by_id: dict[int, Deck],
    options_of: dict[int, DeckOptions],
    states: dict[int, CardState],
    card_deck: dict[int, int],
    versions: dict[int, int],
    now: datetime,
) -> list[QueuedCard]:
    """Load the given head of the queue, each card with its interval preview."""
    if not card_ids:
        return []
    loaded = Card.objects.select_related("note").in_bulk(card_ids)
    head: list[QueuedCard] = []
    for card_id in card_ids:
        card = loaded[card_id]
        card.deck = by_id[card_deck[card_id]]
        state = states[card_id]
        head.append(
            QueuedCard(
                card=card,
                state=state,
                version=versions.get(card_id, 0),
                intervals=preview(
                    state, options=options_of[card_deck[card_id]], now=now
                ),
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
    """The learner's queue now, over one deck or all visible decks.

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
    rng = rng or fresh_rng()
    decks = [deck] if deck is not None else list(decks_studied(learner=learner))
    by_id = {d.pk: d for d in decks}
    options_of = deck_options_map(learner=learner, decks=decks)
    _, day_end = study_day(learner=learner, now=now)
    done = done_today(
        learner=learner, now=now, deck_ids=list(by_id) if deck is not None else None
    )
    per_deck, versions = _deck_cards(
        learner=learner,
        by_id=by_id,
        options_of=options_of,
        done=done,
        now=now,
        day_end=day_end,
    )
    queue = StudyQueue(deck_count=len(by_id))
    states, card_deck = _merge_decks(
        queue,
        per_deck=per_deck,
        options_of=options_of,
        done=done,
        learner=learner,
        now=now,
        rng=rng,
    )
    for counts in done.values():
        queue.done.new += counts.new
        queue.done.review += counts.review
        queue.done.learning += counts.learning
    queue.cards = _queue_head(
        queue.card_ids[: max(0, min(limit, MAX_QUEUE_LIMIT))],
        by_id=by_id,
        options_of=options_of,
        states=states,
        card_deck=card_deck,
        versions=versions,
        now=now,
    )
    return queue


def review_order_label(options: DeckOptions) -> str:
    if options.review_order is ReviewOrder.DUE:
        return "by due date"
    return "lowest retrievability first"
