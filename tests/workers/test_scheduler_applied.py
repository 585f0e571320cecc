"""An accepted fit's parameters are the ones reviews and the queue use."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from flashcards import selectors, services
from flashcards.models import Deck
from flashcards.scheduling import DeckOptions, Rating
from workers.models import SchedulerFit
from workers.scheduler_services import scheduler_fit_apply

pytestmark = pytest.mark.django_db


@pytest.fixture
def deck(learner):
    deck = Deck.objects.create(owner=learner, title="Formats")
    services.note_create(
        deck=deck, type="basic", fields={"front": "fp16 max?", "back": "65504"}, tags=[]
    )
    return deck


def _fit(learner, parameters):
    fit = SchedulerFit.objects.create(
        learner=learner,
        scope="all",
        status=SchedulerFit.Status.SUCCEEDED,
        accepted=True,
        new_parameters=list(parameters),
        finished_at=timezone.now(),
    )
    scheduler_fit_apply(fit)
    return fit


def test_reviews_use_the_learners_accepted_parameters(learner, deck):
    default = DeckOptions().parameters
    fitted = list(default)
    fitted[3] = default[3] * 3  # a much higher initial stability for Easy
    card = deck.cards.get()

    queue = selectors.study_queue(learner=learner, deck=deck)
    before = queue.cards[0].intervals[Rating.EASY]
    _fit(learner, fitted)
    after = (
        selectors.study_queue(learner=learner, deck=deck)
        .cards[0]
        .intervals[Rating.EASY]
    )
    assert after != before

    result = services.card_review(
        learner=learner,
        card_id=card.pk,
        rating=int(Rating.EASY),
        client_review_id=uuid.uuid4(),
    )
    # The interval given (fuzz at most ~15 % either way) follows the fit.
    assert result.log.interval_days == pytest.approx(after.days, rel=0.2)
    assert abs(result.log.interval_days - before.days) > abs(
        result.log.interval_days - after.days
    )
