"""A deck with more due reviews than it may show picks the same ones either way.

The study queue narrows a deck's due reviews to its remaining daily limit
before building card states; the cards it keeps must be the ones the full
ordering (lowest retrievability, or due date) would have shown.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from random import Random

import pytest

from flashcards import selectors, services
from flashcards.models import CardMemory
from flashcards.scheduling import DeckOptions, State, retrievability
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
