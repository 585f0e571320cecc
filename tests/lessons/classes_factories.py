"""Factories for classes: a teacher's class, enrollments and assignments."""

from __future__ import annotations

import factory
from django.utils import timezone

from flashcards.services import deck_share_with_class
from lessons.classes.services import assignment_create
from lessons.models import Assignment, Enrollment, SchoolClass
from tests.factories import TeacherFactory


class SchoolClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchoolClass

    teacher = factory.SubFactory(TeacherFactory)
    name = factory.Sequence(lambda n: f"Class {n}")


def enroll(school_class, *learners, left: bool = False):
    now = timezone.now()
    return [
        Enrollment.objects.create(
            school_class=school_class,
            learner=learner,
            joined_at=now,
            left_at=now if left else None,
        )
        for learner in learners
    ]


def assign(school_class, *, deck=None, quiz=None, due_at=None) -> Assignment:
    """An assignment row, with what assigning does to a deck: a private deck
    becomes a class deck (`lessons.classes.services.assignment_create`)."""
    assignment = Assignment.objects.create(
        school_class=school_class, deck=deck, quiz=quiz, due_at=due_at
    )
    if deck is not None:
        deck_share_with_class(deck=deck)
    return assignment


def class_with(teacher, *learners, deck=None, quiz=None) -> SchoolClass:
    """A class of ``teacher``'s with ``learners`` enrolled now, and ``deck``
    and/or ``quiz`` (the teacher's own) assigned to it the way the teacher
    does it, through `assignment_create` (a private deck becomes a class deck).
    """
    school_class = SchoolClassFactory(teacher=teacher)
    enroll(school_class, *learners)
    if deck is not None:
        assignment_create(school_class=school_class, deck_id=deck.pk)
        deck.refresh_from_db()
    if quiz is not None:
        assignment_create(school_class=school_class, quiz_id=quiz.pk)
    return school_class
