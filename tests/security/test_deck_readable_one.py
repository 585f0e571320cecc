"""The checks of one deck (`permissions.deck_readable_one` and
`deck_studied_one`, the answer path's and the queue's) agree with the rules
(`permissions.deck_readable`, `deck_studied`) in every combination of a
deck's sharing and a learner's ties to it, the odd ones included (a private
deck still assigned, a subscription kept, a class left)."""

from __future__ import annotations

import itertools

import pytest
from django.utils import timezone

from flashcards import services
from flashcards.models import Deck, DeckSubscription
from lessons.models import Assignment, Enrollment, SchoolClass
from studysite import permissions
from tests.factories import TeacherFactory, UserFactory

VISIBILITIES = ("private", "class", "public")
ENROLLMENTS = ("none", "active", "left")
SUBSCRIPTIONS = ("none", "catalog", "kept")


def _by_rule(rule, user, deck) -> bool:
    return Deck.objects.filter(rule(user), pk=deck.pk).exists()


@pytest.mark.django_db
def test_one_deck_is_readable_exactly_as_the_rule_says_in_every_state():
    teacher, learner = TeacherFactory(), UserFactory()
    deck = services.deck_create(owner=teacher, title="Shared")
    school_class = SchoolClass.objects.create(teacher=teacher, name="7b")
    other_class = SchoolClass.objects.create(teacher=teacher, name="7c")
    wrong = []
    for visibility, assigned_to, enrolled, subscribed in itertools.product(
        VISIBILITIES, (None, school_class, other_class), ENROLLMENTS, SUBSCRIPTIONS
    ):
        Deck.objects.filter(pk=deck.pk).update(visibility=visibility)
        deck.refresh_from_db()
        Assignment.objects.filter(deck=deck).delete()
        if assigned_to is not None:
            Assignment.objects.create(school_class=assigned_to, deck=deck)
        Enrollment.objects.filter(learner=learner).delete()
        if enrolled != "none":
            Enrollment.objects.create(
                school_class=school_class,
                learner=learner,
                joined_at=timezone.now(),
                left_at=timezone.now() if enrolled == "left" else None,
            )
        DeckSubscription.objects.filter(learner=learner).delete()
        if subscribed != "none":
            DeckSubscription.objects.create(
                learner=learner, deck=deck, origin=subscribed
            )
        state = (visibility, assigned_to and assigned_to.name, enrolled, subscribed)
        for user in (learner, teacher):
            for rule, one in (
                (permissions.deck_readable, permissions.deck_readable_one),
                (permissions.deck_studied, permissions.deck_studied_one),
            ):
                expected = _by_rule(rule, user, deck)
                if one(user, deck) != expected:
                    wrong.append(f"{one.__name__} {state}: the rule says {expected}")
    assert wrong == []


@pytest.mark.django_db
def test_no_one_signed_out_reads_a_deck_by_the_one_deck_check():
    from django.contrib.auth.models import AnonymousUser

    deck = services.deck_create(owner=TeacherFactory(), title="Public")
    Deck.objects.filter(pk=deck.pk).update(visibility="public")
    deck.refresh_from_db()
    assert permissions.deck_readable_one(AnonymousUser(), deck) is False
    assert permissions.deck_studied_one(AnonymousUser(), deck) is False
