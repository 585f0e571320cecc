"""Factories for the lessons app's course models."""

from __future__ import annotations

import factory

from lessons.models import Course, LearningObjective, Lesson, LessonSection, Phase


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"course-{n}")
    title = factory.Sequence(lambda n: f"Course {n}")


class PhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Phase

    course = factory.SubFactory(CourseFactory)
    number = factory.Sequence(lambda n: n + 1)
    slug = factory.Sequence(lambda n: f"phase-{n}")
    title = factory.Sequence(lambda n: f"Phase {n}")


class LessonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lesson

    phase = factory.SubFactory(PhaseFactory)
    slug = factory.Sequence(lambda n: f"lesson-{n}")
    title = factory.Sequence(lambda n: f"Lesson {n}")
    order = factory.Sequence(lambda n: n + 1)
    published = True
    summary = "A short lesson."
    difficulty = Lesson.Difficulty.STANDARD
    read_minutes = 1
    practice_minutes = 1
    word_count = 120
    html = '<h2 id="intro">Intro</h2><p>Text with <span class="math inline">\\(x\\)</span>.</p>'
    toc = factory.LazyFunction(lambda: [{"level": 2, "id": "intro", "title": "Intro"}])


class LearningObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LearningObjective

    lesson = factory.SubFactory(LessonFactory)
    key = factory.Sequence(lambda n: f"objective-{n}")
    text = factory.Sequence(lambda n: f"Do thing {n}")
    order = factory.Sequence(lambda n: n)


class LessonSectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LessonSection

    lesson = factory.SubFactory(LessonFactory)
    anchor = "intro"
    title = "Intro"
    html = '<h2 id="intro">Intro</h2><p>Text.</p>'
    word_count = 1
