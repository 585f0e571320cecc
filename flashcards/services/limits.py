"""A learner's own daily limits for a deck they read: set and clear.

The deck keeps its options; the learner's ``new_per_day`` and
``reviews_per_day`` (None: the deck's) replace the deck's for them alone, in
their queue and on every answer (`flashcards.parameters.deck_options_for`).
Any deck the learner may read takes them: their own, a class's, a catalog
deck, the lesson decks (read-only to them otherwise). A deck they may not
read is `NotFound`.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from flashcards.models import Deck, LearnerDeckLimits
from flashcards.parameters import forget_learner_rows
from flashcards.scheduling import MAX_DAILY_LIMIT
from flashcards.selectors import deck_get_readable
from studysite import errors


def clean_limit(value: object, *, field: str) -> int | None:
    """A daily limit, or None for the deck's; `Invalid` naming ``field``."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.Invalid(
            {field: f"Enter a whole number from 0 to {MAX_DAILY_LIMIT}, or none."}
        )
    if not 0 <= value <= MAX_DAILY_LIMIT:
        raise errors.Invalid(
            {field: f"Enter a whole number from 0 to {MAX_DAILY_LIMIT}."}
        )
    return value


def _cleaned(new_per_day: object, reviews_per_day: object) -> dict[str, int | None]:
    values = {"new_per_day": new_per_day, "reviews_per_day": reviews_per_day}
    cleaned: dict[str, int | None] = {}
    problems: dict[str, list[str]] = {}
    for field, value in values.items():
        try:
            cleaned[field] = clean_limit(value, field=field)
        except errors.Invalid as exc:
            problems.update(exc.fields)
    if problems:
        raise errors.Invalid(problems)
    return cleaned


@transaction.atomic
def deck_limits_set(
    *, learner: Any, deck_id: int, new_per_day: object, reviews_per_day: object
) -> tuple[Deck, LearnerDeckLimits | None]:
    """Make these the learner's daily limits for the deck (None: the deck's).

    Both None is the same as `deck_limits_clear`. Returns the deck and the
    row (None when nothing is left to keep).
    """
    deck = deck_get_readable(user=learner, deck_id=deck_id)
    values = _cleaned(new_per_day, reviews_per_day)
    forget_learner_rows(learner.pk)
    if all(value is None for value in values.values()):
        LearnerDeckLimits.objects.filter(learner=learner, deck=deck).delete()
        return deck, None
    row, _ = LearnerDeckLimits.objects.update_or_create(
        learner=learner, deck=deck, defaults=values
    )
    return deck, row


@transaction.atomic
def deck_limits_clear(*, learner: Any, deck_id: int) -> tuple[Deck, bool]:
    """The deck's own daily limits again for the learner; whether there were
    limits of theirs to clear."""
    deck = deck_get_readable(user=learner, deck_id=deck_id)
    forget_learner_rows(learner.pk)
    deleted, _ = LearnerDeckLimits.objects.filter(learner=learner, deck=deck).delete()
    return deck, deleted > 0
