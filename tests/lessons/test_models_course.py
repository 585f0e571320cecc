"""The course models: keys that stay unique, URLs, outline order."""

from __future__ import annotations

import pytest
from django.db import IntegrityError

from lessons.models import Lesson
from tests.lessons.factories import (
    LearningObjectiveFactory,
    LessonFactory,
    PhaseFactory,
)

pytestmark = pytest.mark.django_db


def test_lesson_url_is_its_slug():
    lesson = LessonFactory(slug="some-lesson")
    assert lesson.get_absolute_url() == "/lessons/some-lesson/"


def test_objective_keys_are_unique_per_lesson():
    objective = LearningObjectiveFactory(key="fp-representation")
    LearningObjectiveFactory(key="fp-representation")  # another lesson: fine
    with pytest.raises(IntegrityError):
        LearningObjectiveFactory(lesson=objective.lesson, key="fp-representation")


def test_lesson_order_is_unique_within_a_phase():
    phase = PhaseFactory()
    LessonFactory(phase=phase, order=1)
    with pytest.raises(IntegrityError):
        LessonFactory(phase=phase, order=1)


def test_lessons_are_ordered_by_phase_then_order():
    late = LessonFactory(phase=PhaseFactory(number=9), order=1)
    second = LessonFactory(phase=PhaseFactory(number=2), order=2)
    first = LessonFactory(phase=second.phase, order=1)
    assert list(Lesson.objects.all()) == [first, second, late]
