"""Subscriptions: a learner studies a public deck (and stops), with its public
subdecks; lesson decks go to every learner."""

from __future__ import annotations

from django.db import transaction

from flashcards.models import (
    Deck,
    DeckSubscription,
    Visibility,
)
from flashcards.selectors import deck_descendants
from studysite import errors
from studysite.models import User


@transaction.atomic
def deck_subscribe(
    *, learner: User, deck: Deck, origin: str = DeckSubscription.Origin.CATALOG
) -> tuple[DeckSubscription, bool]:
    """Study a public deck; again after unsubscribing, memory resumes as it was.

    Returns the subscription and whether it is new. Raises `Invalid` for a
    deck that is not public or is the learner's own (the caller has checked
    that the learner may see it at all: a deck they may not see is a 404).
    """
    if deck.owner_id == learner.pk:
        raise errors.Invalid({"deck": "This is your own deck; you study it already."})
    if deck.visibility != Visibility.PUBLIC:
        raise errors.Invalid(
            {
                "deck": "Only catalog (public) decks take subscriptions; a class "
                "deck is studied while you are enrolled in its class."
            }
        )
    for sub in deck_descendants(deck):
        if sub.visibility == Visibility.PUBLIC and sub.owner_id != learner.pk:
            DeckSubscription.objects.get_or_create(
                learner=learner, deck=sub, defaults={"origin": origin}
            )
    return DeckSubscription.objects.get_or_create(
        learner=learner, deck=deck, defaults={"origin": origin}
    )


@transaction.atomic
def deck_unsubscribe(*, learner: User, deck: Deck) -> bool:
    """Stop studying a subscribed deck: no new cards, out of "Study all due".

    Memory states and review logs stay, so subscribing again resumes. Returns
    whether there was a subscription.
    """
    deleted, _ = DeckSubscription.objects.filter(learner=learner, deck=deck).delete()
    if deleted:
        DeckSubscription.objects.filter(
            learner=learner, deck__in=deck_descendants(deck)
        ).delete()
    return bool(deleted)


def subscribe_to_lesson_decks(*, learner: User) -> int:
    """A new learner studies every lesson deck of the course (one click undoes
    it). Returns how many subscriptions were made."""
    decks = Deck.objects.filter(is_system=True, visibility=Visibility.PUBLIC)
    made = DeckSubscription.objects.bulk_create(
        [
            DeckSubscription(
                learner=learner, deck=deck, origin=DeckSubscription.Origin.DEFAULT
            )
            for deck in decks
        ],
        ignore_conflicts=True,
    )
    return len(made)


def subscribe_everyone(*, deck: Deck) -> int:
    """A new lesson deck goes to every active learner, as at sign-up."""
    learners = User.objects.filter(is_active=True).values_list("pk", flat=True)
    rows = [
        DeckSubscription(
            learner_id=pk, deck=deck, origin=DeckSubscription.Origin.DEFAULT
        )
        for pk in learners.iterator()
    ]
    DeckSubscription.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    return len(rows)
