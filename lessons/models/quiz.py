"""Generated problems, quizzes and attempts.

A :class:`GeneratedProblem` stores only what regenerates it: template key,
seed and teacher limits (``lessons.problems.generate`` is pure), plus a copy of
its parameters for analytics. A :class:`Quiz` lists templates and counts; each
learner's variants are problems whose seeds are an HMAC of the server's secret
over the quiz, its base seed, the learner, the attempt number and the position
(``lessons.quizzes.services.variant_seed``: a re-attempt gets new variants, and
nothing a learner sees predicts them). Variant seeds lie in ``[2^62, 2^63)``,
a space the problems API and practice never produce; variants made before
that rule keep the seeds they were stored with.
Answers are saved one part at a time (:class:`AttemptAnswer`), graded when
saved and shown once the attempt is submitted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q

from studysite.jobs.models import BackgroundJob

if TYPE_CHECKING:
    from lessons.problems import Problem

__all__ = [
    "AttemptAnswer",
    "AttemptItem",
    "GeneratedProblem",
    "GenerationJob",
    "Quiz",
    "QuizAttempt",
]


class Quiz(models.Model):
    """A teacher's quiz: templates and counts, time limit, attempts and dates.

    ``items`` is a list of ``{"template": key, "count": n, "limits": {...}}``.
    Until classes exist, a quiz is available to every learner.
    """

    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quizzes"
    )
    lesson = models.ForeignKey(
        "lessons.Lesson", on_delete=models.PROTECT, related_name="quizzes"
    )
    title = models.CharField(max_length=200)
    items = models.JSONField(default=list)
    time_limit_minutes = models.PositiveIntegerField(null=True, blank=True)
    attempts_allowed = models.PositiveSmallIntegerField(default=1)
    opens_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    base_seed = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(attempts_allowed__gte=1), name="quiz_attempts_positive"
            ),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True)
                | Q(due_at__isnull=True)
                | Q(due_at__gt=models.F("opens_at")),
                name="quiz_due_after_open",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def question_count(self) -> int:
        return sum(int(item["count"]) for item in self.items)


class GeneratedProblem(models.Model):
    """One problem, regenerable from (template_key, seed, limits).

    Quiz variants carry (quiz, owner, attempt_number, position), unique, so
    generating them twice (a retried task, a learner starting at the same
    time) finds the same rows.
    """

    template_key = models.CharField(max_length=64)
    seed = models.BigIntegerField()
    limits = models.JSONField(default=dict, blank=True)
    params = models.JSONField(default=dict)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="generated_problems",
    )
    quiz = models.ForeignKey(
        Quiz, on_delete=models.CASCADE, null=True, blank=True, related_name="variants"
    )
    attempt_number = models.PositiveSmallIntegerField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("pk",)
        constraints = [
            models.UniqueConstraint(
                fields=("quiz", "owner", "attempt_number", "position"),
                condition=Q(quiz__isnull=False),
                name="variant_unique",
            ),
            models.CheckConstraint(
                condition=Q(seed__gte=0), name="generated_problem_seed_nonnegative"
            ),
        ]
        indexes = [models.Index(fields=("template_key",))]

    def __str__(self) -> str:
        return f"{self.template_key}#{self.seed}"

    def problem(self) -> Problem:
        from lessons.problems import generate

        return generate(self.template_key, self.seed, limits=self.limits or None)


class QuizAttempt(models.Model):
    """A learner's attempt at a quiz, or a practice session (quiz is null)."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    quiz = models.ForeignKey(
        Quiz, on_delete=models.CASCADE, null=True, blank=True, related_name="attempts"
    )
    number = models.PositiveSmallIntegerField(default=1)
    started_at = models.DateTimeField(auto_now_add=True)
    deadline = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    correct_parts = models.PositiveIntegerField(default=0)
    total_parts = models.PositiveIntegerField(default=0)
    score = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ("-started_at", "-pk")
        constraints = [
            models.UniqueConstraint(
                fields=("learner", "quiz", "number"),
                condition=Q(quiz__isnull=False),
                name="attempt_number_unique",
            ),
        ]

    def __str__(self) -> str:
        what = self.quiz.title if self.quiz_id else "practice"
        return f"{self.learner} · {what} #{self.number}"

    @property
    def is_practice(self) -> bool:
        return self.quiz_id is None

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class AttemptItem(models.Model):
    """One question of an attempt: a generated problem at a position."""

    attempt = models.ForeignKey(
        QuizAttempt, on_delete=models.CASCADE, related_name="items"
    )
    position = models.PositiveSmallIntegerField()
    problem = models.ForeignKey(
        GeneratedProblem, on_delete=models.PROTECT, related_name="attempt_items"
    )

    class Meta:
        ordering = ("attempt", "position")
        constraints = [
            models.UniqueConstraint(
                fields=("attempt", "position"), name="attempt_item_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}:{self.position}"


class AttemptAnswer(models.Model):
    """A part's answer as typed, saved as the learner goes, with its grade."""

    class Status(models.TextChoices):
        CORRECT = "correct"
        WRONG = "wrong"
        UNREADABLE = "unreadable"
        UNANSWERED = "unanswered"

    item = models.ForeignKey(
        AttemptItem, on_delete=models.CASCADE, related_name="answers"
    )
    part_key = models.CharField(max_length=64)
    text = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=12, choices=Status, default=Status.UNANSWERED)
    value_correct = models.BooleanField(default=False)
    unit_correct = models.BooleanField(null=True)
    misconception = models.CharField(max_length=64, blank=True)
    feedback = models.TextField(blank=True)
    saved_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("item", "part_key")
        constraints = [
            models.UniqueConstraint(
                fields=("item", "part_key"), name="answer_part_unique"
            ),
        ]
        indexes = [models.Index(fields=("part_key", "status"))]

    def __str__(self) -> str:
        return f"{self.item_id}:{self.part_key}={self.text!r}"


class GenerationJob(BackgroundJob):
    """Progress of generating a quiz's variants for a list of learners.

    A `BackgroundJob` (status, progress, error, times, task id, attempts;
    see `studysite.jobs`). Its stored statuses were published before it moved
    there (``"pending"`` and ``"done"``, the API's ``state``), so ``Status``
    is redeclared with those values under the lifecycle's member names.
    ``total``, ``done`` and ``created`` count learners and variants.
    """

    class Status(models.TextChoices):
        QUEUED = "pending", "Pending"
        RUNNING = "running", "Running"
        SUCCEEDED = "done", "Done"
        FAILED = "failed", "Failed"

    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    quiz = models.ForeignKey(
        Quiz, on_delete=models.CASCADE, related_name="generation_jobs"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    learner_ids = models.JSONField(default=list)
    base_seed = models.BigIntegerField()
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return f"job {self.pk} for quiz {self.quiz_id}: {self.status} {self.done}/{self.total}"
