"""A learner's own daily limits for a deck: the service, the API, the page and
the queue. Success, bad input (400 naming the field, nothing changed) and who
may (the deck's readers, for themselves alone)."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from flashcards import services
from flashcards.lesson_cards import system_user
from flashcards.models import Deck, DeckSubscription, LearnerDeckLimits
from flashcards.parameters import deck_limits_for, deck_options_for
from flashcards.scheduling import MAX_DAILY_LIMIT
from flashcards.selectors import study_queue
from studysite import errors
from tests.flashcards.conftest import add_basic

pytestmark = pytest.mark.django_db


@pytest.fixture
def lesson_deck(learner):
    """A lesson deck (generated, read-only) the learner is subscribed to."""
    deck = services.deck_create(
        owner=system_user(),
        title="Floating point",
        visibility="public",
        lesson_slug="floating-point",
    )
    Deck.objects.filter(pk=deck.pk).update(is_system=True)
    deck.refresh_from_db()
    DeckSubscription.objects.create(
        learner=learner, deck=deck, origin=DeckSubscription.Origin.DEFAULT
    )
    return deck


@pytest.fixture
def public_deck(teacher, learner, other_learner):
    """A teacher's catalog deck with five new cards; both learners study it."""
    deck = services.deck_create(owner=teacher, title="Shared", visibility="public")
    for n in range(5):
        add_basic(deck, front=f"Q{n}")
    services.deck_subscribe(learner=learner, deck=deck)
    services.deck_subscribe(learner=other_learner, deck=deck)
    return deck


def _url(deck_id: int) -> str:
    return f"/api/v1/decks/{deck_id}/my-limits/"


def _committed(django_capture_on_commit_callbacks, call, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        return call(**kwargs)


# --- the service ---------------------------------------------------------------------


def test_a_learner_raises_new_cards_on_the_lesson_deck_for_themselves(
    learner, other_learner, lesson_deck, django_capture_on_commit_callbacks
):
    DeckSubscription.objects.create(learner=other_learner, deck=lesson_deck)
    _committed(
        django_capture_on_commit_callbacks,
        services.deck_limits_set,
        learner=learner,
        deck_id=lesson_deck.pk,
        new_per_day=60,
        reviews_per_day=None,
    )
    mine = deck_options_for(learner=learner, deck=lesson_deck)
    assert (mine.new_per_day, mine.reviews_per_day) == (60, 200)
    theirs = deck_options_for(learner=other_learner, deck=lesson_deck)
    assert theirs.new_per_day == 20
    lesson_deck.refresh_from_db()
    assert lesson_deck.scheduling_options.new_per_day == 20


def test_setting_both_limits_to_none_keeps_no_row(learner, deck):
    services.deck_limits_set(
        learner=learner, deck_id=deck.pk, new_per_day=5, reviews_per_day=50
    )
    _, row = services.deck_limits_set(
        learner=learner, deck_id=deck.pk, new_per_day=None, reviews_per_day=None
    )
    assert row is None
    assert not LearnerDeckLimits.objects.filter(learner=learner).exists()


def test_clearing_gives_the_decks_limits_back(learner, deck):
    services.deck_limits_set(
        learner=learner, deck_id=deck.pk, new_per_day=5, reviews_per_day=50
    )
    _, cleared = services.deck_limits_clear(learner=learner, deck_id=deck.pk)
    assert cleared is True
    limits = deck_limits_for(learner=learner, deck=deck)
    assert (limits.effective_new_per_day, limits.effective_reviews_per_day) == (
        20,
        200,
    )
    assert services.deck_limits_clear(learner=learner, deck_id=deck.pk)[1] is False


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("new_per_day", -1),
        ("new_per_day", MAX_DAILY_LIMIT + 1),
        ("reviews_per_day", "10"),
        ("reviews_per_day", 2.5),
        ("new_per_day", True),
    ],
)
def test_a_bad_limit_is_refused_naming_the_field(learner, deck, field, value):
    values = {"new_per_day": 1, "reviews_per_day": 1, field: value}
    with pytest.raises(errors.Invalid) as info:
        services.deck_limits_set(learner=learner, deck_id=deck.pk, **values)
    assert list(info.value.fields) == [field]
    assert not LearnerDeckLimits.objects.exists()


def test_the_limits_at_the_bounds_are_taken(learner, deck):
    _, row = services.deck_limits_set(
        learner=learner, deck_id=deck.pk, new_per_day=0, reviews_per_day=MAX_DAILY_LIMIT
    )
    assert (row.new_per_day, row.reviews_per_day) == (0, MAX_DAILY_LIMIT)


def test_a_deck_the_learner_cannot_read_is_not_found(learner, other_deck):
    with pytest.raises(errors.NotFound):
        services.deck_limits_set(
            learner=learner, deck_id=other_deck.pk, new_per_day=1, reviews_per_day=1
        )
    with pytest.raises(errors.NotFound):
        services.deck_limits_clear(learner=learner, deck_id=other_deck.pk)
    assert not LearnerDeckLimits.objects.exists()


# --- the queue ---------------------------------------------------------------------


def test_the_queue_of_the_learner_follows_their_limit_and_no_one_elses(
    learner, other_learner, public_deck, django_capture_on_commit_callbacks
):
    assert study_queue(learner=learner, deck=public_deck).new_count == 5
    _committed(
        django_capture_on_commit_callbacks,
        services.deck_limits_set,
        learner=learner,
        deck_id=public_deck.pk,
        new_per_day=2,
        reviews_per_day=None,
    )
    assert study_queue(learner=learner, deck=public_deck).new_count == 2
    assert study_queue(learner=learner).new_count == 2  # every deck at once
    assert study_queue(learner=other_learner, deck=public_deck).new_count == 5


# --- the API -------------------------------------------------------------------------


def test_get_gives_the_decks_limits_yours_and_the_effective_ones(
    learner_api, learner, lesson_deck
):
    body = learner_api.get(_url(lesson_deck.pk)).json()
    assert body["deck"] == lesson_deck.pk
    assert body["deck_limits"] == {"new_per_day": 20, "reviews_per_day": 200}
    assert body["yours"] == {
        "new_per_day": None,
        "reviews_per_day": None,
        "updated_at": None,
    }
    assert body["effective"] == {"new_per_day": 20, "reviews_per_day": 200}


def test_put_sets_and_delete_clears_your_limits(learner_api, learner, lesson_deck):
    response = learner_api.put(
        _url(lesson_deck.pk),
        {"new_per_day": 40, "reviews_per_day": None},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["yours"]["new_per_day"] == 40
    assert body["yours"]["updated_at"]
    assert body["effective"] == {"new_per_day": 40, "reviews_per_day": 200}
    assert (
        learner_api.get(_url(lesson_deck.pk)).json()["effective"]["new_per_day"] == 40
    )

    assert learner_api.delete(_url(lesson_deck.pk)).status_code == 204
    body = learner_api.get(_url(lesson_deck.pk)).json()
    assert body["yours"]["new_per_day"] is None
    assert body["effective"]["new_per_day"] == 20


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"new_per_day": -1, "reviews_per_day": None}, "new_per_day"),
        ({"new_per_day": None, "reviews_per_day": 10_000}, "reviews_per_day"),
        ({"new_per_day": "many", "reviews_per_day": None}, "new_per_day"),
        ({"new_per_day": 1.5, "reviews_per_day": None}, "new_per_day"),
        ({"new_per_day": True, "reviews_per_day": None}, "new_per_day"),
        ({"reviews_per_day": 5}, "new_per_day"),
        ({"new_per_day": 5, "reviews_per_day": 5, "leech": 3}, "leech"),
    ],
)
def test_put_with_a_bad_value_is_400_naming_the_field(
    learner_api, learner, deck, body, field
):
    response = learner_api.put(_url(deck.pk), body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not LearnerDeckLimits.objects.exists()


def test_a_deck_you_cannot_read_is_404_even_with_bad_input(learner_api, other_deck):
    url = _url(other_deck.pk)
    assert learner_api.get(url).status_code == 404
    good = {"new_per_day": 1, "reviews_per_day": 1}
    assert learner_api.put(url, good, format="json").status_code == 404
    bad = {"new_per_day": -1}
    assert learner_api.put(url, bad, format="json").status_code == 404
    assert learner_api.delete(url).status_code == 404
    assert learner_api.get(_url(999_999)).status_code == 404
    assert not LearnerDeckLimits.objects.exists()


def test_anonymous_callers_are_refused(api, deck):
    assert api.get(_url(deck.pk)).status_code in (401, 403)
    body = {"new_per_day": 1, "reviews_per_day": 1}
    assert api.put(_url(deck.pk), body, format="json").status_code in (401, 403)
    assert api.delete(_url(deck.pk)).status_code in (401, 403)
    assert not LearnerDeckLimits.objects.exists()


def test_a_reader_who_does_not_study_a_catalog_deck_may_set_theirs(
    teacher, other_learner, public_deck
):
    from rest_framework.test import APIClient

    from tests.factories import UserFactory

    reader = UserFactory()
    client = APIClient()
    client.force_authenticate(reader)
    body = {"new_per_day": 3, "reviews_per_day": 30}
    assert client.put(_url(public_deck.pk), body, format="json").status_code == 200
    assert deck_options_for(learner=other_learner, deck=public_deck).new_per_day == 20


# --- the page ------------------------------------------------------------------------


def _page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page_url(deck_id: int) -> str:
    return f"/decks/{deck_id}/my-limits/"


def test_the_lesson_deck_page_has_the_form_with_the_decks_values(learner, lesson_deck):
    html = _page_client(learner).get(f"/decks/{lesson_deck.pk}/").content.decode()
    assert "Your daily limits" in html
    assert 'for="id_limits-new_per_day"' in html
    assert 'for="id_limits-reviews_per_day"' in html
    assert "Empty: the deck's, 20." in html
    assert 'aria-describedby="id_limits-new_per_day_helptext"' in html
    assert f'action="{_page_url(lesson_deck.pk)}"' in html


def test_a_catalog_deck_not_studied_shows_no_form(teacher, learner):
    deck = services.deck_create(owner=teacher, title="Catalog", visibility="public")
    html = _page_client(learner).get(f"/decks/{deck.pk}/").content.decode()
    assert "id_limits-new_per_day" not in html


def test_saving_the_form_goes_back_to_the_deck_with_a_message(learner, lesson_deck):
    client = _page_client(learner)
    response = client.post(
        _page_url(lesson_deck.pk),
        {"limits-new_per_day": "45", "limits-reviews_per_day": "", "action": "save"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/decks/{lesson_deck.pk}/"
    message = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("45 new cards" in m for m in message)
    row = LearnerDeckLimits.objects.get(learner=learner, deck=lesson_deck)
    assert (row.new_per_day, row.reviews_per_day) == (45, None)
    html = client.get(f"/decks/{lesson_deck.pk}/").content.decode()
    assert 'value="45"' in html
    assert "Use the deck's limits" in html


def test_use_the_decks_resets_from_the_page(learner, lesson_deck):
    services.deck_limits_set(
        learner=learner, deck_id=lesson_deck.pk, new_per_day=9, reviews_per_day=9
    )
    response = _page_client(learner).post(
        _page_url(lesson_deck.pk), {"limits-new_per_day": "9", "action": "reset"}
    )
    assert response.status_code == 302
    assert not LearnerDeckLimits.objects.exists()


@pytest.mark.parametrize("value", ["-3", "10000", "lots", "2.5"])
def test_a_bad_value_on_the_page_is_shown_on_its_field(learner, lesson_deck, value):
    response = _page_client(learner).post(
        _page_url(lesson_deck.pk),
        {"limits-new_per_day": value, "limits-reviews_per_day": "100"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_limits-new_per_day_error"' in html
    assert 'aria-invalid="true"' in html
    assert "id_limits-new_per_day_error" in html.split('name="limits-new_per_day"')[1]
    assert not LearnerDeckLimits.objects.exists()


def test_the_page_is_404_for_a_deck_you_cannot_read_and_asks_anonymous_to_log_in(
    learner, other_deck
):
    client = _page_client(learner)
    assert client.get(_page_url(other_deck.pk)).status_code == 404
    response = client.post(_page_url(other_deck.pk), {"limits-new_per_day": "1"})
    assert response.status_code == 404
    anonymous = Client().post(_page_url(other_deck.pk), {"limits-new_per_day": "1"})
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]
    assert not LearnerDeckLimits.objects.exists()


def test_the_deck_list_links_each_decks_limits(learner, lesson_deck):
    html = _page_client(learner).get("/decks/").content.decode()
    assert f'href="{_page_url(lesson_deck.pk)}"' in html
