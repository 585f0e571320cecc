"""Classes, enrollments and assignments.

A teacher opens a :class:`SchoolClass` and shares its join code; a learner
who types the code gets an :class:`Enrollment`. Leaving marks the enrollment
``left_at`` (joining again clears it), so a class keeps its history. An
:class:`Assignment` gives the class one deck or one quiz, with an optional
due date; a teacher sees a learner's progress only on what was assigned.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

__all__ = ["Assignment", "Enrollment", "SchoolClass", "JOIN_CODE_ALPHABET"]

# No 0/O, 1/I/L, 5/S, 2/Z: easy to read aloud and to copy from a board.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRTUVWXY346789"
JOIN_CODE_LENGTH = 7


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


class SchoolClass(models.Model):
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="classes_taught",
    )
    name = models.CharField(max_length=200)
    join_code = models.CharField(max_length=16, unique=True, default=new_join_code)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name", "pk")
        verbose_name_plural = "school classes"

    def __str__(self) -> str:
        return self.name


class Enrollment(models.Model):
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="enrollments"
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments"
    )
    joined_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("school_class", "joined_at", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=("school_class", "learner"), name="enrollment_unique"
            ),
        ]
        indexes = [
            models.Index(
                fields=("learner", "school_class"),
                name="enrollment_active",
                condition=Q(left_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.learner} in {self.school_class}"

    @property
    def is_active(self) -> bool:
        return self.left_at is None


class Assignment(models.Model):
    """One deck or one quiz given to a class, due by ``due_at`` (optional)."""

    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="assignments"
    )
    deck = models.ForeignKey(
        "flashcards.Deck",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="assignments",
    )
    quiz = models.ForeignKey(
        "lessons.Quiz",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="assignments",
    )
    due_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("due_at", "pk")
        constraints = [
            models.CheckConstraint(
                condition=(Q(deck__isnull=False) & Q(quiz__isnull=True))
                | (Q(deck__isnull=True) & Q(quiz__isnull=False)),
                name="assignment_deck_xor_quiz",
            ),
            models.UniqueConstraint(
                fields=("school_class", "deck"),
                condition=Q(deck__isnull=False),
                name="assignment_deck_unique",
            ),
            models.UniqueConstraint(
                fields=("school_class", "quiz"),
                condition=Q(quiz__isnull=False),
                name="assignment_quiz_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school_class}: {self.deck or self.quiz}"

    @property
    def kind(self) -> str:
        return "deck" if self.deck_id else "quiz"

    @property
    def title(self) -> str:
        return self.deck.title if self.deck_id else self.quiz.title
