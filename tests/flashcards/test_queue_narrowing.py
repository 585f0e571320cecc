"""The study queue's narrowed reads give the queue of the whole deck.

The study queue narrows a deck's due reviews to its remaining daily limit
before building card states, counts learning cards in the database, and reads
only enough new cards for its limit (`flashcards.selectors.new_cards`); the
cards it shows, their order and the counts must be the ones the full build
over every card (`build_queue`) gives.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from random import Random

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flashcards import selectors, services
from flashcards.models import Card, CardMemory, Deck, ReviewLog
from flashcards.scheduling import (
    CardState,
    DeckOptions,
    QueueCard,
    State,
    build_queue,
    retrievability,
)
from studysite.models import User
from tests.flashcards.conftest import add_basic

pytestmark = pytest.mark.django_db
NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)


def _reviews(learner, deck, count, seed=3):
    rng = Random(seed)
    cards = [add_basic(deck, front=f"q{i}").cards.get() for i in range(count)]
    for card in cards:
        last = NOW - timedelta(days=rng.uniform(1, 60))
        CardMemory.objects.create(
            learner=learner,
            card=card,
            deck=deck,
            state=State.REVIEW,
            stability=rng.uniform(0.5, 40),
            difficulty=5.0,
            last_review=last,
            due=last + timedelta(days=1),
            reps=3,
        )
    return cards


@pytest.mark.parametrize("order", ["retrievability", "due"])
def test_the_kept_reviews_are_the_ones_the_order_puts_first(learner, deck, order):
    services.deck_update(
        deck=deck, options={"reviews_per_day": 7, "review_order": order}
    )
    _reviews(learner, deck, 40)
    queue = selectors.study_queue(learner=learner, deck=deck, now=NOW, limit=50)
    options = DeckOptions.from_dict({"review_order": order})
    memories = list(CardMemory.objects.filter(learner=learner))
    if order == "due":
        expected = sorted(memories, key=lambda m: (m.due, m.card_id))
    else:
        expected = sorted(
            memories,
            key=lambda m: (retrievability(m.card_state(), NOW, options), m.card_id),
        )
    assert queue.review_count == 7
    assert set(queue.card_ids[:7]) == {m.card_id for m in expected[:7]}


def test_all_due_reviews_are_kept_when_they_fit_the_limit(learner, deck):
    services.deck_update(deck=deck, options={"reviews_per_day": 100})
    cards = _reviews(learner, deck, 12)
    queue = selectors.study_queue(learner=learner, deck=deck, now=NOW, limit=50)
    assert set(queue.card_ids) == {c.pk for c in cards}


# --- every narrowing against the whole deck ------------------------------------------

_KINDS = {"basic": 1, "basic_reversed": 2, "cloze": 3}
_ROWS = (
    "none",
    "none",
    "new",
    "buried",
    "suspended",
    "learning",
    "learning_later",
    "learning_interday",
    "review",
    "review",
    "review_later",
)


def _note(deck, kind, cards, objective):
    if kind == "cloze":
        text = " ".join(f"{{{{c{i}::x{i}}}}}" for i in range(1, cards + 1))
        fields = {"text": text}
    else:
        fields = {"front": "q", "back": "a"}
    return services.note_create(
        deck=deck, type=kind, fields=fields, objective_key=objective
    )


def _memory(learner, card, kind, rank):
    """A row of the given kind; ``rank`` makes due times and retrievabilities
    distinct, so that no tie is left to the random source."""
    if kind == "none":
        return
    row = {"learner": learner, "card": card, "deck_id": card.deck_id, "due": NOW}
    if kind in ("new", "buried", "suspended"):
        row["state"] = State.NEW
        row["suspended"] = kind == "suspended"
        row["buried_until"] = NOW + timedelta(hours=3) if kind == "buried" else None
    elif kind.startswith("learning"):
        due = {
            "learning": NOW - timedelta(minutes=rank + 1),
            "learning_later": NOW + timedelta(minutes=rank + 1),
            "learning_interday": NOW + timedelta(hours=1, minutes=rank),
        }[kind]
        step = (
            timedelta(days=1) if kind == "learning_interday" else timedelta(minutes=10)
        )
        row.update(
            state=State.LEARNING,
            due=due,
            stability=1.0,
            difficulty=5.0,
            last_review=due - step,
        )
    else:
        stability = 2.0 + rank * 0.731
        ratio = 0.2 + rank * 0.113
        last = NOW - timedelta(days=ratio * stability)
        due = (
            NOW + timedelta(days=3)
            if kind == "review_later"
            else last + timedelta(hours=1 + rank)
        )
        row.update(
            state=State.REVIEW,
            due=due,
            stability=stability,
            difficulty=5.0,
            last_review=last,
            reps=3,
        )
    CardMemory.objects.create(**row)


def _log(learner, card, *, undone: bool):
    ReviewLog.objects.create(
        learner=learner,
        card=card,
        deck_id=card.deck_id,
        rating=3,
        reviewed_at=NOW - timedelta(hours=2),
        review_state=State.REVIEW,
        state_before={},
        state_after={},
        interval_days=1.0,
        undone_at=NOW - timedelta(hours=1) if undone else None,
    )


def _brute(learner, decks, options_of, rng_seed=0):
    """Every card of every deck through `build_queue`, merged as the queue is."""
    start, end = selectors.study_day(learner=learner, now=NOW)
    done = selectors.done_today(learner=learner, now=NOW)
    answered = set(
        ReviewLog.objects.filter(
            learner=learner, reviewed_at__gte=start, reviewed_at__lt=end, undone_at=None
        ).values_list("card__note_id", flat=True)
    )
    rows = {m.card_id: m for m in CardMemory.objects.filter(learner=learner)}
    learning, reviews, new, counts = [], [], [], [0, 0, 0]
    for deck in decks:
        cards = []
        for card in Card.objects.filter(deck=deck).select_related("note"):
            row = rows.get(card.pk)
            state = row.card_state() if row else CardState(due=card.created_at)
            cards.append(
                QueueCard(
                    card.pk,
                    card.note_id,
                    state,
                    suspended=bool(row and row.suspended),
                    buried_until=row.buried_until if row else None,
                    kind=card.note.type,
                    topic=card.note.objective_key or deck.objective_key,
                )
            )
        options = options_of[deck.pk]
        built = build_queue(
            cards,
            options=options,
            now=NOW,
            tz=learner.time_zone,
            day_start_hour=learner.day_start_hour,
            new_done_today=min(done[deck.pk].new, options.new_per_day),
            reviews_done_today=min(done[deck.pk].review, options.reviews_per_day),
            rng=Random(rng_seed),
            answered_notes=answered,
        )
        ids = list(built.card_ids)
        nl, nr = built.learning_count, built.review_count
        due_of = {c.card_id: c.state.due for c in cards}
        learning += [(due_of[i], i) for i in ids[:nl]]
        reviews += ids[nl : nl + nr]
        new += ids[nl + nr :]
        counts = [counts[0] + built.new_count, counts[1] + nl, counts[2] + nr]
    return [i for _, i in sorted(learning)] + reviews + new, tuple(counts)


_deck_shape = st.lists(
    st.tuples(
        st.sampled_from(sorted(_KINDS)),
        st.integers(min_value=1, max_value=3),
        st.sampled_from(["", "a", "b"]),
        st.lists(st.sampled_from(_ROWS), min_size=3, max_size=3),
        st.sampled_from(["no", "no", "today", "undone"]),
    ),
    min_size=1,
    max_size=10,
)
_options = st.fixed_dictionaries(
    {
        "new_per_day": st.integers(min_value=0, max_value=6),
        "reviews_per_day": st.integers(min_value=0, max_value=4),
        "bury_siblings": st.booleans(),
        "bury_new_siblings": st.booleans(),
        "new_order": st.sampled_from(["mixed", "added"]),
        "review_order": st.sampled_from(["retrievability", "due"]),
    }
)


def _build_deck(owner, learner, shape, objective, options, title):
    deck = services.deck_create(owner=owner, title=title, options=options)
    if objective:
        Deck.objects.filter(pk=deck.pk).update(objective_key=objective)
        deck.refresh_from_db()
    rank = 0
    for kind, count, note_objective, row_kinds, logged in shape:
        note = _note(
            deck, kind, count if kind == "cloze" else _KINDS[kind], note_objective
        )
        cards = list(note.cards.order_by("id"))
        for card, row_kind in zip(cards, row_kinds, strict=False):
            _memory(learner, card, row_kind, rank)
            rank += 1
        if logged != "no":
            _log(learner, cards[-1], undone=logged == "undone")
    return deck


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    shape=_deck_shape,
    options=_options,
    objective=st.sampled_from(["", "a"]),
    batch=st.sampled_from([1, 2, 500]),
    floor_at=st.floats(min_value=0, max_value=1),
)
def test_the_narrowed_queue_is_the_queue_of_every_card(
    shape, options, objective, batch, floor_at, monkeypatch
):
    from flashcards.selectors import new_cards

    learner = User.objects.create_user(username=f"p{User.objects.count()}")
    deck = _build_deck(learner, learner, shape, objective, options, "Deck")
    monkeypatch.setattr(new_cards, "_BATCH", batch)
    # Any floor at or below the first card without a row is a true hint.
    unseen = Card.objects.filter(deck=deck).exclude(memories__learner=learner)
    first = unseen.order_by("id").values_list("id", flat=True).first()
    floor = int((first or deck.cards.count() + 10**6) * floor_at)
    cache.set(new_cards._floor_key(learner=learner, deck=deck), floor)
    queue = selectors.study_queue(learner=learner, deck=deck, now=NOW, limit=50)
    options_of = {deck.pk: deck.scheduling_options}
    ids, counts = _brute(learner, [deck], options_of)
    assert queue.card_ids == ids
    assert (queue.new_count, queue.learning_count, queue.review_count) == counts
    assert [c.card.pk for c in queue.cards] == ids[:50]


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    shapes=st.tuples(_deck_shape, _deck_shape), options=st.tuples(_options, _options)
)
def test_the_narrowed_queue_over_all_decks_is_the_queue_of_every_card(shapes, options):
    learner = User.objects.create_user(username=f"m{User.objects.count()}")
    decks = [
        _build_deck(learner, learner, shape, "", opts, f"Deck {i}")
        for i, (shape, opts) in enumerate(zip(shapes, options, strict=True))
    ]
    queue = selectors.study_queue(learner=learner, now=NOW, limit=50)
    ids, counts = _brute(learner, decks, {d.pk: d.scheduling_options for d in decks})
    assert queue.card_ids == ids
    assert (queue.new_count, queue.learning_count, queue.review_count) == counts
