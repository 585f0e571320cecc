"""A deck's new cards for the study queue, read without walking the whole deck.

A card is new to a learner while they have no memory row for it, or a row
that is still ``NEW`` and neither suspended nor buried. The queue needs only
the first few in the deck's new-card order (`flashcards.scheduling.order_new`):
per kind of card (note type and objective) the first ``need`` of distinct
notes, by card id.

Two facts keep this bounded for a learner who has seen most of a big deck:

* Rows are never deleted while their card exists, so once every card of a
  deck below some id has a row of the learner, that stays true. That id (the
  learner's *floor* in the deck) is kept in the cache as a hint: the search for
  cards without a row starts there instead of at the deck's first card. The
  key holds the deck's ``updated_at``; a cache miss only costs one longer walk.
* Rows that are still ``NEW`` (buried or suspended siblings, undone answers)
  are few; a partial index (``fc_memory_new``) finds them directly.

The cards without a row are read in card-id order, ``_BATCH`` at a time. When
a deck has more than that, the mixed order also asks each kind of card that
the batch did not fill for its own first cards.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import caches
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q

from flashcards.models import Card, CardMemory, Deck, Note
from flashcards.scheduling import (
    CardState,
    DeckOptions,
    NewOrder,
    QueueCard,
    State,
    buries_new_siblings,
)
from studysite.models import User

logger = logging.getLogger(__name__)

# Cards without a row read per query; a deck with fewer is read whole.
_BATCH = 500
# How long a floor hint is trusted (seconds).
FLOOR_TTL = 60 * 60


@dataclass(frozen=True)
class NewCard:
    """A new card as the queue needs it: id, note, kind, topic, row version."""

    card_id: int
    note_id: int
    group: tuple[str, str]  # (note type, objective)
    version: int

    def queue_card(self, *, now: datetime) -> QueueCard:
        # The due date of a new card plays no part in the order; the head
        # shows the card's own creation time (`selectors.queue`).
        state = CardState(state=State.NEW, due=now)
        kind, topic = self.group
        return QueueCard(self.card_id, self.note_id, state, kind=kind, topic=topic)


def group_key(*, note_type: str, objective: str, deck: Deck) -> tuple[str, str]:
    """The group the mixed order deals from: note type and objective (the
    note's, or else its deck's)."""
    return note_type, objective or deck.objective_key


def new_cards(
    *,
    learner: User,
    deck: Deck,
    options: DeckOptions,
    need: int,
    rows: list[NewCard],
    answered: set[int],
) -> list[NewCard]:
    """Enough of the deck's new cards to fill ``need`` places in its order.

    The result holds, for each kind of card, at least its first ``need``
    candidates of distinct notes in card-id order (all of them when there are
    fewer), so `order_new` over it gives the same head as over every new card.
    With new-sibling burying, cards of notes answered today are left out.

    Args:
        rows: The deck's rows that are still new (`new_rows`).
        answered: The notes the learner answered a card of this study day.
    """
    if need <= 0:
        return []
    skip = answered if buries_new_siblings(options) else set()
    floor = _floor(learner=learner, deck=deck)
    # The added order needs only its first notes; the mixed one every kind's.
    added = options.new_order is NewOrder.ADDED
    first = min(_BATCH, 2 * need + 10) if added else _BATCH
    unseen, complete = _unseen(learner=learner, deck=deck, start=floor, limit=first)
    _keep_floor(learner=learner, deck=deck, old=floor, unseen=unseen)
    found = _merge(rows, unseen, skip=skip)
    if complete:
        return found
    walk = _Walk(learner=learner, deck=deck, need=need, skip=skip)
    if added:
        return walk.fill_added(found, last=unseen[-1].card_id)
    return walk.fill_groups(found, last=unseen[-1].card_id)


def _candidate_values(prefix: str = "") -> tuple[str, ...]:
    return (
        f"{prefix}id" if prefix else "id",
        f"{prefix}note_id",
        f"{prefix}note__type",
        f"{prefix}note__objective_key",
    )


def new_rows(
    *, learner: User, decks: dict[int, Deck], now: datetime
) -> dict[int, list[NewCard]]:
    """Per deck, the learner's rows that are still new and may be shown."""
    if not decks:
        return {}
    rows = CardMemory.objects.filter(
        learner=learner, state=State.NEW, suspended=False
    ).filter(Q(buried_until__isnull=True) | Q(buried_until__lte=now))
    if len(decks) == 1:
        rows = rows.filter(deck_id=next(iter(decks)))
    else:
        rows = rows.filter(deck_id__in=list(decks))
    found: dict[int, list[NewCard]] = defaultdict(list)
    for deck_id, card_id, note_id, t, o, version in rows.values_list(
        "deck_id", *_candidate_values("card__"), "version"
    ):
        group = group_key(note_type=t, objective=o, deck=decks[deck_id])
        found[deck_id].append(NewCard(card_id, note_id, group, version))
    return found


def _unseen(
    *, learner: User, deck: Deck, start: int, limit: int, group: Q | None = None
) -> tuple[list[NewCard], bool]:
    """Cards of the deck from id ``start`` on without a row of the learner.

    Returns up to ``limit`` of them in id order, and whether that was all.
    """
    mine = CardMemory.objects.filter(learner=learner, card=OuterRef("pk"))
    cards = Card.objects.filter(deck=deck, id__gte=start).exclude(Exists(mine))
    if group is not None:
        cards = cards.filter(group)
    values = cards.order_by("id").values_list(*_candidate_values())[: limit + 1]
    found = [
        NewCard(card_id, note_id, group_key(note_type=t, objective=o, deck=deck), 0)
        for card_id, note_id, t, o in values
    ]
    return found[:limit], len(found) <= limit


def _merge(*parts: Iterable[NewCard], skip: set[int]) -> list[NewCard]:
    by_id = {
        card.card_id: card
        for part in parts
        for card in part
        if card.note_id not in skip
    }
    return [by_id[card_id] for card_id in sorted(by_id)]


@dataclass(frozen=True)
class _Walk:
    """Reads on past a first batch until every kind of card is covered."""

    learner: User
    deck: Deck
    need: int
    skip: set[int]

    def _more(self, start: int, group: Q | None = None) -> tuple[list[NewCard], bool]:
        return _unseen(
            learner=self.learner, deck=self.deck, start=start, limit=_BATCH, group=group
        )

    def fill_added(self, found: list[NewCard], *, last: int) -> list[NewCard]:
        """Read on in id order until ``need`` notes are covered up to ``last``."""
        while True:
            head = [card for card in found if card.card_id <= last]
            if len({card.note_id for card in head}) >= self.need:
                return head
            more, complete = self._more(last + 1)
            found = _merge(found, more, skip=self.skip)
            if complete:
                return found
            last = more[-1].card_id

    def fill_groups(self, found: list[NewCard], *, last: int) -> list[NewCard]:
        """Complete each kind of card that the first batch left short."""
        groups: dict[tuple[str, str], tuple[str, set[str]]] = {}
        for note_type, objective in deck_kinds(deck=self.deck):
            key = group_key(note_type=note_type, objective=objective, deck=self.deck)
            groups.setdefault(key, (note_type, set()))[1].add(objective)
        for key, (note_type, objectives) in sorted(groups.items()):
            kind = Q(note__type=note_type, note__objective_key__in=objectives)
            upto = last
            while _notes_in(found, group=key, upto=upto) < self.need:
                more, complete = self._more(upto + 1, kind)
                found = _merge(found, more, skip=self.skip)
                if complete:
                    break
                upto = more[-1].card_id
        return found


def deck_kinds(*, deck: Deck) -> list[tuple[str, str]]:
    """The deck's distinct ``(note type, objective)`` pairs, in order.

    Read by skipping through the ``fc_note_kind`` index (a few indexed reads
    per pair), not by reading every note: decks have few kinds.
    """
    notes = Note.objects.filter(deck=deck).order_by("type", "objective_key")
    pairs = notes.values_list("type", "objective_key")
    found: list[tuple[str, str]] = []
    current = pairs.first()
    while current is not None:
        found.append(current)
        note_type, objective = current
        current = (
            pairs.filter(type=note_type, objective_key__gt=objective).first()
            or pairs.filter(type__gt=note_type).first()
        )
    return found


def _notes_in(cards: Iterable[NewCard], *, group: tuple[str, str], upto: int) -> int:
    return len({c.note_id for c in cards if c.group == group and c.card_id <= upto})


# --- the floor hint -----------------------------------------------------------------


def _floor_key(*, learner: User, deck: Deck) -> str:
    stamp = int(deck.updated_at.timestamp() * 1_000_000) if deck.updated_at else 0
    born = int(deck.created_at.timestamp() * 1_000_000) if deck.created_at else 0
    return f"flashcards:new-floor:v1:{learner.pk}:{deck.pk}:{born}:{stamp}"


def _floor(*, learner: User, deck: Deck) -> int:
    """Every card of the deck below this id has a row of the learner (a hint)."""
    try:
        value = caches["default"].get(_floor_key(learner=learner, deck=deck))
    except Exception as exc:  # a cache that fails is a miss, never an error
        logger.warning("new-card floor: cache read failed (%s)", exc)
        return 0
    return value if isinstance(value, int) else 0


def _keep_floor(*, learner: User, deck: Deck, old: int, unseen: list[NewCard]) -> None:
    """Remember the first card without a row (after this transaction commits:
    a row written by a transaction that rolls back must not move the floor).

    With no card left without a row, the floor goes past the deck's last card
    (one indexed read).
    """
    if unseen:
        floor = unseen[0].card_id
    else:
        top = Card.objects.filter(deck=deck).aggregate(top=Max("id"))["top"]
        floor = (top or 0) + 1
    if floor <= old:
        return
    key = _floor_key(learner=learner, deck=deck)

    def store() -> None:
        try:
            caches["default"].set(key, floor, FLOOR_TTL)
        except Exception as exc:
            logger.warning("new-card floor: cache write failed (%s)", exc)

    transaction.on_commit(store)
