"""Courses, phases, lessons and their learning objectives.

The text lives in markdown files under ``lessons/content/``; ``manage.py
load_lessons`` renders it (``lessons.lessonfiles``) and stores the result here,
so a page view reads one row and never renders markdown. Rows are matched by
slug (course, phase, lesson), by key (objective) and by anchor (section), so a
reload updates the text and keeps every id that other apps link to.
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse

__all__ = [
    "Course",
    "LearningObjective",
    "Lesson",
    "LessonSection",
    "Phase",
    "Prerequisite",
]


class Course(models.Model):
    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("title",)

    def __str__(self) -> str:
        return self.title


class Phase(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="phases")
    number = models.PositiveSmallIntegerField()
    slug = models.SlugField(max_length=100)
    title = models.CharField(max_length=200)

    class Meta:
        ordering = ("course", "number")
        constraints = [
            models.UniqueConstraint(
                fields=("course", "number"), name="phase_number_unique"
            ),
            models.UniqueConstraint(
                fields=("course", "slug"), name="phase_slug_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"Phase {self.number}: {self.title}"


class Lesson(models.Model):
    """A lesson of a phase; only a published one has a page.

    An unpublished lesson is a title in the outline ("coming soon"): it has no
    text, and its URL answers 404, so there are no empty pages.
    """

    class Difficulty(models.TextChoices):
        INTRODUCTORY = "introductory", "Introductory"
        STANDARD = "standard", "Standard"
        ADVANCED = "advanced", "Advanced"

    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="lessons")
    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=300)
    order = models.PositiveSmallIntegerField()
    published = models.BooleanField(default=False)
    phase_closer = models.BooleanField(default=False)
    summary = models.TextField(blank=True)
    difficulty = models.CharField(max_length=20, choices=Difficulty, blank=True)
    # Read time computed from the rendered text (prose words / 200, reading
    # sections only); the figure stated in lesson.toml is kept for comparison.
    read_minutes = models.PositiveSmallIntegerField(default=0)
    read_minutes_stated = models.PositiveSmallIntegerField(default=0)
    practice_minutes = models.PositiveSmallIntegerField(default=0)
    word_count = models.PositiveIntegerField(default=0)
    math_count = models.PositiveIntegerField(default=0)
    prerequisites_summary = models.TextField(blank=True)
    html = models.TextField(blank=True)
    # [{"level": 2, "id": "...", "title": "..."}], from the renderer.
    toc = models.JSONField(default=list, blank=True)
    # The "check yourself" cards written in the text, as the renderer gives
    # them (key, type, objective, front, back, text, section).
    cards = models.JSONField(default=list, blank=True)
    source_hash = models.CharField(max_length=64, blank=True)
    loaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("phase__number", "order")
        constraints = [
            models.UniqueConstraint(
                fields=("phase", "order"), name="lesson_order_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("lessons:detail", kwargs={"slug": self.slug})


class LearningObjective(models.Model):
    """An objective with a key that is stable across reloads.

    Cards, problems and demos link to (lesson, key). An objective dropped from
    the text is retired rather than deleted, so nothing linked to it is lost.
    """

    lesson = models.ForeignKey(
        Lesson, on_delete=models.CASCADE, related_name="objectives"
    )
    key = models.SlugField(max_length=100)
    text = models.TextField()
    order = models.PositiveSmallIntegerField(default=0)
    retired = models.BooleanField(default=False)

    class Meta:
        ordering = ("lesson", "order")
        constraints = [
            models.UniqueConstraint(
                fields=("lesson", "key"), name="objective_key_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lesson.slug}:{self.key}"


class Prerequisite(models.Model):
    """A lesson to read before this one (its title is the text shown)."""

    lesson = models.ForeignKey(
        Lesson, on_delete=models.CASCADE, related_name="prerequisites"
    )
    required = models.ForeignKey(
        Lesson, on_delete=models.CASCADE, related_name="required_by"
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("lesson", "order")
        constraints = [
            models.UniqueConstraint(
                fields=("lesson", "required"), name="prerequisite_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lesson.slug} needs {self.required.slug}"


class LessonSection(models.Model):
    """One section file of a lesson, rendered; its anchor is its heading id."""

    class Kind(models.TextChoices):
        READING = "reading", "Reading"
        PRACTICE = "practice", "Practice"

    lesson = models.ForeignKey(
        Lesson, on_delete=models.CASCADE, related_name="sections"
    )
    anchor = models.SlugField(max_length=100)
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.READING)
    order = models.PositiveSmallIntegerField(default=0)
    html = models.TextField(blank=True)
    word_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("lesson", "order")
        constraints = [
            models.UniqueConstraint(
                fields=("lesson", "anchor"), name="section_anchor_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lesson.slug}#{self.anchor}"
