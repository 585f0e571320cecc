"""Factories for classes: a teacher's class, enrollments and assignments."""

from __future__ import annotations

import factory
from django.utils import timezone

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
    return Assignment.objects.create(
        school_class=school_class, deck=deck, quiz=quiz, due_at=due_at
    )
