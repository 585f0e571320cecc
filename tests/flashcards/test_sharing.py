"""Deck sharing: private by default, shared by assignment, public by choice.

What a learner studies is exactly their own decks, their subscriptions and
their classes' decks (`studysite.permissions`); every change of sharing keeps
their memory and history.
"""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from flashcards import selectors, services
from flashcards.models import CardMemory, DeckSubscription, ReviewLog, Visibility
from lessons.classes import services as classes
from tests.factories import TeacherFactory, UserFactory
from tests.flashcards.conftest import add_basic, new_id


def _study_all(learner) -> set[int]:
    return {d.pk for d in selectors.decks_studied(learner=learner)}


def _review(learner, card) -> None:
    services.card_review(
        learner=learner, card_id=card.pk, rating=3, client_review_id=new_id()
    )


@pytest.fixture
def school(db):
    """Two teachers, one class of the first's with `member`, and `outsider`."""
    teacher, other_teacher = TeacherFactory(), TeacherFactory()
    member, outsider = UserFactory(), UserFactory()
    school_class = classes.class_create(teacher=teacher, name="7b")
    classes.class_join(learner=member, code=school_class.join_code)
    return {
        "teacher": teacher,
        "other_teacher": other_teacher,
        "member": member,
        "outsider": outsider,
        "class": school_class,
    }


def test_a_new_deck_is_private_and_studied_by_its_owner_alone(school):
    deck = services.deck_create(owner=school["teacher"], title="Fractions")
    add_basic(deck)
    assert deck.visibility == Visibility.PRIVATE
    assert deck.pk in _study_all(school["teacher"])
    for who in ("other_teacher", "member", "outsider"):
        assert deck.pk not in _study_all(school[who])
        assert not selectors.decks_readable(user=school[who]).filter(pk=deck.pk)


def test_assigning_a_deck_shares_it_with_the_class_only(school):
    deck = services.deck_create(owner=school["teacher"], title="Fractions")
    classes.assignment_create(school_class=school["class"], deck_id=deck.pk)
    deck.refresh_from_db()
    assert deck.visibility == Visibility.CLASS
    assert deck.pk in _study_all(school["member"])
    assert deck.pk not in _study_all(school["outsider"])
    assert deck.pk not in _study_all(school["other_teacher"])
    queue = selectors.study_queue(learner=school["outsider"])
    assert queue.deck_count == 0


def test_nobody_studies_another_teachers_decks_unasked(school):
    """The bug this model fixes: every teacher's deck in everyone's review."""
    for owner in ("teacher", "other_teacher"):
        deck = services.deck_create(owner=school[owner], title=f"{owner}'s")
        for i in range(5):
            add_basic(deck, front=f"q{i}")
    queue = selectors.study_queue(learner=school["outsider"])
    assert queue.new_count == 0
    other = selectors.study_queue(learner=school["other_teacher"])
    assert other.deck_count == 1  # their own deck only


def test_leaving_the_class_stops_new_cards_and_keeps_history(school):
    member = school["member"]
    deck = services.deck_create(owner=school["teacher"], title="Fractions")
    first, second = add_basic(deck, front="a"), add_basic(deck, front="b")
    classes.assignment_create(school_class=school["class"], deck_id=deck.pk)
    _review(member, first.cards.get())
    classes.class_leave(learner=member, school_class=school["class"])

    assert deck.pk not in _study_all(member)
    assert selectors.study_queue(learner=member).new_count == 0
    assert CardMemory.objects.filter(learner=member, deck=deck).count() == 1
    assert ReviewLog.objects.filter(learner=member, deck=deck).count() == 1

    classes.class_join(learner=member, code=school["class"].join_code)
    queue = selectors.study_queue(learner=member, limit=5)
    assert [c.card.pk for c in queue.cards] == [second.cards.get().pk]


def test_removing_an_assignment_stops_the_deck_and_keeps_its_visibility(school):
    deck = services.deck_create(owner=school["teacher"], title="Fractions")
    assignment = classes.assignment_create(
        school_class=school["class"], deck_id=deck.pk
    )
    classes.assignment_delete(assignment=assignment)
    deck.refresh_from_db()
    assert deck.visibility == Visibility.CLASS
    assert deck.pk not in _study_all(school["member"])


def test_a_public_deck_is_read_by_all_and_studied_by_subscribers(school):
    deck = services.deck_create(
        owner=school["other_teacher"], title="Units", visibility="public"
    )
    card = add_basic(deck).cards.get()
    outsider = school["outsider"]
    assert selectors.decks_readable(user=outsider).filter(pk=deck.pk).exists()
    assert deck.pk not in _study_all(outsider)

    subscription, created = services.deck_subscribe(learner=outsider, deck=deck)
    assert created and subscription.origin == DeckSubscription.Origin.CATALOG
    assert deck.pk in _study_all(outsider)
    _review(outsider, card)

    assert services.deck_unsubscribe(learner=outsider, deck=deck)
    assert deck.pk not in _study_all(outsider)
    assert CardMemory.objects.filter(learner=outsider, card=card).exists()
    services.deck_subscribe(learner=outsider, deck=deck)
    memory = CardMemory.objects.get(learner=outsider, card=card)
    assert memory.reps == 1  # resumed, not restarted


def test_making_a_public_deck_private_takes_it_from_subscribers(school):
    deck = services.deck_create(
        owner=school["teacher"], title="Units", visibility="public"
    )
    services.deck_subscribe(learner=school["outsider"], deck=deck)
    services.deck_update(deck=deck, visibility="private")
    assert deck.pk not in _study_all(school["outsider"])
    assert not selectors.decks_readable(user=school["outsider"]).filter(pk=deck.pk)


def test_a_kept_subscription_still_grants_a_private_deck(school):
    deck = services.deck_create(owner=school["teacher"], title="Old")
    DeckSubscription.objects.create(
        learner=school["outsider"], deck=deck, origin=DeckSubscription.Origin.KEPT
    )
    assert deck.pk in _study_all(school["outsider"])
    services.deck_unsubscribe(learner=school["outsider"], deck=deck)
    assert not selectors.decks_readable(user=school["outsider"]).filter(pk=deck.pk)


def test_a_new_user_studies_the_lesson_decks_and_can_unsubscribe(db):
    from flashcards.lesson_cards import system_user

    lesson_deck = services.deck_create(
        owner=system_user(), title="Lesson: precision", visibility="public"
    )
    lesson_deck.is_system = True
    lesson_deck.save()
    newcomer = UserFactory()
    assert lesson_deck.pk in _study_all(newcomer)
    row = DeckSubscription.objects.get(learner=newcomer, deck=lesson_deck)
    assert row.origin == DeckSubscription.Origin.DEFAULT
    services.deck_unsubscribe(learner=newcomer, deck=lesson_deck)
    assert lesson_deck.pk not in _study_all(newcomer)


def test_an_inactive_user_is_not_subscribed(db):
    from flashcards.lesson_cards import system_user

    deck = services.deck_create(owner=system_user(), title="L", visibility="public")
    Deck = type(deck)
    Deck.objects.filter(pk=deck.pk).update(is_system=True)
    dormant = UserFactory(is_active=False)
    assert not DeckSubscription.objects.filter(learner=dormant).exists()


# --- bad input changes nothing ------------------------------------------------------


def test_an_unknown_visibility_is_refused_naming_the_field(school):
    from studysite import errors

    deck = services.deck_create(owner=school["teacher"], title="Fractions")
    with pytest.raises(errors.Invalid) as info:
        services.deck_update(deck=deck, visibility="everyone")
    assert "visibility" in info.value.fields
    deck.refresh_from_db()
    assert deck.visibility == Visibility.PRIVATE


def test_an_assigned_deck_cannot_be_made_private(school):
    from studysite import errors

    deck = services.deck_create(owner=school["teacher"], title="Fractions")
    classes.assignment_create(school_class=school["class"], deck_id=deck.pk)
    with pytest.raises(errors.Invalid) as info:
        services.deck_update(deck=deck, visibility="private")
    assert "7b" in str(info.value.fields["visibility"])
    deck.refresh_from_db()
    assert deck.visibility == Visibility.CLASS
    assert deck.pk in _study_all(school["member"])


def test_only_public_decks_take_subscriptions(school):
    from studysite import errors

    deck = services.deck_create(owner=school["teacher"], title="Fractions")
    classes.assignment_create(school_class=school["class"], deck_id=deck.pk)
    deck.refresh_from_db()
    with pytest.raises(errors.Invalid):
        services.deck_subscribe(learner=school["member"], deck=deck)
    with pytest.raises(errors.Invalid):
        services.deck_subscribe(learner=school["teacher"], deck=deck)
    assert not DeckSubscription.objects.exists()


# --- the API ------------------------------------------------------------------------


def _api(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_api_creates_private_decks_and_shows_visibility(school):
    client = _api(school["teacher"])
    made = client.post(
        "/api/v1/decks/", {"title": "T"}, content_type="application/json"
    )
    assert made.status_code == 201
    assert made.json()["visibility"] == "private"
    bad = client.patch(
        f"/api/v1/decks/{made.json()['id']}/",
        {"visibility": "world"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert "visibility" in bad.json()["error"]["fields"]
    shared = client.patch(
        f"/api/v1/decks/{made.json()['id']}/",
        {"visibility": "public"},
        content_type="application/json",
    )
    assert shared.json()["visibility"] == "public"
    detail = client.get(f"/api/v1/decks/{made.json()['id']}/").json()
    assert detail["sharing"] == {"classes": [], "subscribers": 0}


def test_the_api_subscribes_and_unsubscribes(school):
    deck = services.deck_create(owner=school["teacher"], title="U", visibility="public")
    client = _api(school["outsider"])
    url = f"/api/v1/decks/{deck.pk}/subscription/"
    assert client.post(url).status_code == 201
    assert client.post(url).status_code == 200
    listed = client.get("/api/v1/decks/").json()["results"]
    assert [(d["id"], d["studied_via"]) for d in listed] == [(deck.pk, "subscribed")]
    catalog = client.get("/api/v1/catalog/").json()["results"]
    assert [(d["id"], d["subscribed"]) for d in catalog] == [(deck.pk, True)]
    assert client.delete(url).status_code == 204
    assert client.delete(url).status_code == 404


def test_subscribing_to_a_deck_one_may_not_see_is_404_and_changes_nothing(school):
    deck = services.deck_create(owner=school["teacher"], title="Secret")
    response = _api(school["outsider"]).post(f"/api/v1/decks/{deck.pk}/subscription/")
    assert response.status_code == 404
    assert not DeckSubscription.objects.exists()


def test_the_deck_list_says_why_each_deck_is_studied(school):
    own = services.deck_create(owner=school["member"], title="A mine")
    assigned = services.deck_create(owner=school["teacher"], title="B class")
    classes.assignment_create(school_class=school["class"], deck_id=assigned.pk)
    public = services.deck_create(
        owner=school["other_teacher"], title="C public", visibility="public"
    )
    services.deck_subscribe(learner=school["member"], deck=public)
    listed = _api(school["member"]).get("/api/v1/decks/").json()["results"]
    assert [(d["id"], d["studied_via"], d["classes"]) for d in listed] == [
        (own.pk, "own", []),
        (assigned.pk, "class", ["7b"]),
        (public.pk, "subscribed", []),
    ]


def test_assigning_another_teachers_deck_is_404_and_changes_nothing(school):
    deck = services.deck_create(owner=school["other_teacher"], title="Theirs")
    client = _api(school["teacher"])
    response = client.post(
        f"/api/v1/classes/{school['class'].pk}/assignments/",
        {"deck": deck.pk},
        content_type="application/json",
    )
    assert response.status_code == 404
    deck.refresh_from_db()
    assert deck.visibility == Visibility.PRIVATE
    assert not deck.assignments.exists()


# --- pages --------------------------------------------------------------------------


def test_the_catalog_page_subscribes_and_unsubscribes(school):
    deck = services.deck_create(
        owner=school["other_teacher"], title="Units of memory", visibility="public"
    )
    client = _api(school["outsider"])
    page = client.get("/decks/catalog/")
    assert b"Units of memory" in page.content and b"Subscribe" in page.content
    done = client.post(
        f"/decks/{deck.pk}/subscribe/", {"next": "/decks/catalog/"}, follow=True
    )
    assert done.redirect_chain[-1][0] == "/decks/catalog/"
    assert b"in your daily review" in done.content
    assert deck.pk in _study_all(school["outsider"])
    gone = client.post(f"/decks/{deck.pk}/unsubscribe/", follow=True)
    assert b"Your progress on it is kept" in gone.content
    assert deck.pk not in _study_all(school["outsider"])


def test_the_subscribe_page_refuses_a_class_deck_with_a_message(school):
    deck = services.deck_create(owner=school["teacher"], title="Fractions")
    classes.assignment_create(school_class=school["class"], deck_id=deck.pk)
    done = _api(school["member"]).post(f"/decks/{deck.pk}/subscribe/", follow=True)
    assert b"comes with your class" in done.content or b"class deck" in done.content
    assert not DeckSubscription.objects.exists()


def test_a_catalog_deck_not_studied_leads_to_its_page(school):
    deck = services.deck_create(owner=school["teacher"], title="U", visibility="public")
    client = _api(school["outsider"])
    response = client.get(f"/study/deck/{deck.pk}/", follow=True)
    assert response.redirect_chain[-1][0] == f"/decks/{deck.pk}/"
    assert b"Subscribe to study it" in response.content


def test_the_owner_sets_visibility_on_the_deck_page(school):
    deck = services.deck_create(owner=school["teacher"], title="Fractions")
    classes.assignment_create(school_class=school["class"], deck_id=deck.pk)
    client = _api(school["teacher"])
    page = client.get(f"/decks/{deck.pk}/")
    assert b"Who sees this deck" in page.content
    assert b"7b</a> (1 learner)" in page.content
    refused = client.post(f"/decks/{deck.pk}/visibility/", {"visibility": "private"})
    assert refused.status_code == 400
    assert b"remove the assignment" in refused.content
    bad = client.post(f"/decks/{deck.pk}/visibility/", {"visibility": "world"})
    assert bad.status_code == 400
    ok = client.post(f"/decks/{deck.pk}/visibility/", {"visibility": "public"})
    assert ok.status_code == 302
    deck.refresh_from_db()
    assert deck.visibility == Visibility.PUBLIC


def test_a_reader_cannot_change_visibility(school):
    deck = services.deck_create(owner=school["teacher"], title="U", visibility="public")
    response = _api(school["outsider"]).post(
        f"/decks/{deck.pk}/visibility/", {"visibility": "private"}
    )
    assert response.status_code == 403
    deck.refresh_from_db()
    assert deck.visibility == Visibility.PUBLIC


# --- the rule holds for every combination ---------------------------------------------


class TestStudiedIsExactlyOwnSubscribedOrAssigned(TestCase):
    """For any visibility, enrollment, assignment and subscription, a learner
    studies a deck exactly when the module docstring says so, and reads it
    when they study it or it is public."""

    @settings(max_examples=60, deadline=None)
    @given(
        visibility=st.sampled_from(Visibility.values),
        enrolled=st.sampled_from(["never", "now", "left"]),
        assigned=st.booleans(),
        subscribed=st.sampled_from([None, "catalog", "kept"]),
    )
    def test_rule(self, visibility, enrolled, assigned, subscribed):
        teacher, learner = TeacherFactory(), UserFactory()
        school_class = classes.class_create(teacher=teacher, name="c")
        deck = services.deck_create(owner=teacher, title="d", visibility="private")
        if assigned:
            classes.assignment_create(school_class=school_class, deck_id=deck.pk)
        type(deck).objects.filter(pk=deck.pk).update(visibility=visibility)
        if enrolled != "never":
            classes.class_join(learner=learner, code=school_class.join_code)
        if enrolled == "left":
            classes.class_leave(learner=learner, school_class=school_class)
        if subscribed:
            DeckSubscription.objects.create(
                learner=learner, deck=deck, origin=subscribed
            )
        by_class = assigned and enrolled == "now" and visibility != "private"
        by_subscription = subscribed == "kept" or (
            subscribed == "catalog" and visibility == "public"
        )
        studied = by_class or by_subscription
        assert (deck.pk in _study_all(learner)) == studied
        readable = selectors.decks_readable(user=learner).filter(pk=deck.pk).exists()
        assert readable == (studied or visibility == "public")


def test_a_deck_made_on_the_page_without_a_visibility_is_private(school):
    client = _api(school["teacher"])
    response = client.post("/decks/", {"title": "Scripted"})
    assert response.status_code == 302
    deck = selectors.decks_studied(learner=school["teacher"]).get(title="Scripted")
    assert deck.visibility == Visibility.PRIVATE


def test_an_unknown_visibility_on_the_page_is_a_form_error(school):
    response = _api(school["teacher"]).post(
        "/decks/", {"title": "Bad", "visibility": "everyone"}
    )
    assert response.status_code == 400
    assert b"Select a valid choice" in response.content
    assert not selectors.decks_studied(learner=school["teacher"]).filter(title="Bad")
