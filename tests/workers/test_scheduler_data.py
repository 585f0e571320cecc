"""Helpers for the scheduler tests: a learner's review history, fast.

`give_history` writes a synthetic FSRS learner's reviews
(`tests.bench.fitting.synthetic_log`) straight into the review log, one
basic card per card id, and a review-state memory row per card: the same rows
the review service leaves, without replaying each answer.
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

import numpy as np

from flashcards import services as fc_services
from flashcards.models import Card, CardMemory, Note, ReviewLog
from flashcards.scheduling import State
from tests.bench.fitting import synthetic_log


@lru_cache(maxsize=8)
def _log(reviews: int, seed: int) -> tuple:
    return tuple(synthetic_log(reviews, rng=np.random.default_rng(seed)))


def give_history(learner, reviews: int, *, deck=None, seed: int = 1, title="Mine"):
    """Give the learner ``reviews`` reviews in a deck; return the deck."""
    deck = deck or fc_services.deck_create(owner=learner, title=title)
    records = _log(reviews, seed)
    keys = sorted({record.card_id for record in records})
    notes = Note.objects.bulk_create(
        Note(deck=deck, type="basic", fields={"front": f"Q{key}", "back": "A"})
        for key in keys
    )
    cards = Card.objects.bulk_create(
        Card(note=note, deck=deck, ordinal=1) for note in notes
    )
    card_of = dict(zip(keys, cards, strict=True))
    ReviewLog.objects.bulk_create(
        (
            ReviewLog(
                learner=learner,
                card=card_of[record.card_id],
                deck=deck,
                rating=record.rating,
                reviewed_at=record.reviewed_at,
                duration_ms=record.duration_ms,
                review_state=State.REVIEW,
                state_before={},
                state_after={},
                interval_days=1.0,
            )
            for record in records
        ),
        batch_size=2000,
    )
    last = {}
    for record in records:
        last[record.card_id] = record.reviewed_at
    CardMemory.objects.bulk_create(
        CardMemory(
            learner=learner,
            card=card_of[key],
            deck=deck,
            state=State.REVIEW,
            stability=5.0 + index % 20,
            difficulty=5.0,
            last_review=last[key],
            due=last[key] + timedelta(days=3),
            reps=1,
        )
        for index, key in enumerate(keys)
    )
    return deck
