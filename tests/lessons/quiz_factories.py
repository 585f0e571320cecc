"""Factories for the quiz tests: a published lesson and a teacher's quiz."""

from __future__ import annotations

import factory

from lessons.models import Course, Lesson, Phase, Quiz
from tests.factories import TeacherFactory


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course
        django_get_or_create = ("slug",)

    slug = "large-models"
    title = "How large models are trained"


class PhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Phase
        django_get_or_create = ("course", "number")

    course = factory.SubFactory(CourseFactory)
    number = 1
    slug = "foundations"
    title = "Foundations"


class LessonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lesson
        django_get_or_create = ("slug",)

    phase = factory.SubFactory(PhaseFactory)
    slug = "why-precision-matters"
    title = "Why precision matters: quantization and mixed precision"
    order = 1
    published = True


class QuizFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quiz

    teacher = factory.SubFactory(TeacherFactory)
    lesson = factory.SubFactory(LessonFactory)
    title = "Memory quiz"
    items = factory.LazyFunction(
        lambda: [
            {"template": "training-memory-mixed", "count": 1, "limits": {}},
            {"template": "zero-per-gpu", "count": 2, "limits": {}},
        ]
    )
    attempts_allowed = 2
    base_seed = factory.Sequence(lambda n: 1000 + n)
