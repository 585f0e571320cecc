"""The answer path: few queries per answer, and new siblings buried for the day.

A note's cards give each other away ("28 GB in fp32, [...] GB in bf16" right
after "[...] GB in fp32, 14 GB in bf16"), so by default, as in Anki, once a
learner answers one card of a note its siblings they have not started wait
until their next study day (``bury_new_siblings``); ``bury_siblings`` buries
every sibling. The review response names the buried cards so a study page
holding a prefetched batch can drop them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from random import Random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from flashcards import selectors, services
from flashcards.models import CardMemory
from flashcards.scheduling import Rating, State
from studysite import errors
from tests.factories import UserFactory
from tests.flashcards.conftest import add_basic

NOW = datetime(2030, 3, 10, 12, 0, tzinfo=UTC)
CONTROL = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "ROLLBACK")


def _reversed(deck, front="28 GB in fp32", back="14 GB in bf16"):
    return services.note_create(
        deck=deck, type="basic_reversed", fields={"front": front, "back": back}
    )


def _answer(learner, card, *, rating=Rating.GOOD, now=NOW, **kwargs):
    return services.card_review(
        learner=learner,
        card_id=card.pk,
        rating=rating,
        client_review_id=uuid.uuid4(),
        now=now,
        rng=Random(1),
        **kwargs,
    )


def _queries(ctx: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(CONTROL)]


@pytest.mark.django_db
def test_answering_a_card_buries_its_new_sibling_until_tomorrow(learner, deck):
    first, second = _reversed(deck).cards.order_by("ordinal")
    result = _answer(learner, first)
    assert result.log.state_after["buried_siblings"] == [second.pk]
    memory = CardMemory.objects.get(learner=learner, card=second)
    assert memory.state == State.NEW and memory.buried_until > NOW
    queue = selectors.study_queue(learner=learner, deck=deck, now=NOW, limit=10)
    assert second.pk not in queue.card_ids
    tomorrow = selectors.study_queue(
        learner=learner, deck=deck, now=NOW + timedelta(days=1), limit=10
    )
    assert second.pk in tomorrow.card_ids


@pytest.mark.django_db
def test_a_started_sibling_is_not_buried_by_default(learner, deck):
    first, second = _reversed(deck).cards.order_by("ordinal")
    _answer(learner, second, now=NOW - timedelta(days=3))
    result = _answer(learner, first)
    assert "buried_siblings" not in result.log.state_after
    assert CardMemory.objects.get(learner=learner, card=second).buried_until is None


@pytest.mark.django_db
def test_bury_siblings_buries_started_siblings_too(learner, deck):
    services.deck_update(deck=deck, options={**deck.options, "bury_siblings": True})
    first, second = _reversed(deck).cards.order_by("ordinal")
    _answer(learner, second, now=NOW - timedelta(days=3))
    result = _answer(learner, first)
    assert result.log.state_after["buried_siblings"] == [second.pk]


@pytest.mark.django_db
def test_burying_can_be_turned_off(learner, deck):
    services.deck_update(
        deck=deck, options={**deck.options, "bury_new_siblings": False}
    )
    first, second = _reversed(deck).cards.order_by("ordinal")
    _answer(learner, first)
    assert not CardMemory.objects.filter(learner=learner, card=second).exists()


@pytest.mark.django_db
def test_undo_unburies_the_siblings_the_answer_buried(learner, deck):
    first, second = _reversed(deck).cards.order_by("ordinal")
    _answer(learner, first)
    services.review_undo(learner=learner, now=NOW)
    assert CardMemory.objects.get(learner=learner, card=second).buried_until is None


@pytest.mark.django_db
def test_a_buried_sibling_shown_in_another_tab_is_a_conflict(learner, deck):
    first, second = _reversed(deck).cards.order_by("ordinal")
    _answer(learner, first)
    with pytest.raises(errors.Conflict):
        _answer(learner, second, expected_version=0)


@pytest.mark.django_db
def test_the_review_response_names_the_buried_siblings(learner, deck):
    first, second = _reversed(deck).cards.order_by("ordinal")
    client = APIClient()
    client.force_authenticate(learner)
    body = {"card": first.pk, "rating": 3, "client_review_id": str(uuid.uuid4())}
    response = client.post("/api/v1/reviews/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["buried_siblings"] == [second.pk]
    lone = add_basic(deck).cards.get()
    body = {"card": lone.pk, "rating": 3, "client_review_id": str(uuid.uuid4())}
    assert (
        client.post("/api/v1/reviews/", body, format="json").json()["buried_siblings"]
        == []
    )


@pytest.mark.django_db
def test_an_answer_to_an_unreadable_card_is_not_found(learner, other_deck):
    hidden = add_basic(other_deck).cards.get()
    with pytest.raises(errors.NotFound):
        _answer(learner, hidden)


@pytest.mark.django_db
def test_an_answer_to_a_card_of_a_class_deck_needs_the_class(learner, teacher):
    deck = services.deck_create(owner=teacher, title="Class deck", options={})
    services.deck_update(deck=deck, visibility="class")
    card = add_basic(deck).cards.get()
    with pytest.raises(errors.NotFound):  # not assigned to a class of theirs
        _answer(learner, card)


@pytest.mark.django_db
@pytest.mark.parametrize("started", [False, True], ids=["new", "started"])
def test_an_answer_costs_three_queries(learner, deck, started):
    """The card with its siblings and the learner's rows, the memory row's
    write and the log (the deck options come from the cache); BEGIN and
    COMMIT apart."""
    card = add_basic(deck).cards.get()
    warm = add_basic(deck).cards.get()
    _answer(learner, warm)  # fills the cache of the learner's options
    if started:
        _answer(learner, card, now=NOW - timedelta(days=2))
    with CaptureQueriesContext(connection) as ctx:
        _answer(learner, card)
    assert len(_queries(ctx)) == 3, _queries(ctx)


@pytest.mark.django_db
@pytest.mark.parametrize("started", [False, True], ids=["new", "started"])
def test_an_answer_with_a_sibling_to_bury_costs_one_query_more(learner, deck, started):
    first, second = _reversed(deck).cards.order_by("ordinal")
    _answer(learner, add_basic(deck).cards.get())
    if started:  # the sibling has a row: it is buried by an update
        services.deck_update(deck=deck, options={"bury_siblings": True})
        _answer(learner, second, now=NOW - timedelta(days=2))
    with CaptureQueriesContext(connection) as ctx:
        result = _answer(learner, first)
    assert result.log.state_after["buried_siblings"] == [second.pk]
    assert len(_queries(ctx)) == 4, _queries(ctx)


@pytest.mark.django_db
def test_an_api_answer_with_its_session_costs_at_most_five_statements(deck):
    learner = deck.owner
    cards = [add_basic(deck).cards.get() for _ in range(2)]
    client = APIClient()
    client.force_login(learner)

    def post(card):
        body = {"card": card.pk, "rating": 3, "client_review_id": str(uuid.uuid4())}
        return client.post("/api/v1/reviews/", body, format="json")

    assert post(cards[0]).status_code == 201
    with CaptureQueriesContext(connection) as ctx:
        assert post(cards[1]).status_code == 201
    # session, user, the card with the learner's rows, the memory's write and
    # the log (+ options on a cold cache), BEGIN and COMMIT apart.
    assert len(_queries(ctx)) <= 5, _queries(ctx)


@pytest.mark.django_db
def test_another_learner_answering_the_same_card_buries_nothing_of_mine(deck):
    other = UserFactory()
    first, second = _reversed(deck).cards.order_by("ordinal")
    services.deck_update(deck=deck, visibility="public")
    _answer(other, first)
    assert not CardMemory.objects.filter(learner=deck.owner, card=second).exists()
