"""`BackgroundJob`: the abstract model of every background job's row."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class BackgroundJob(models.Model):
    """A unit of background work and its outcome; the row is the truth.

    The web process creates the row and enqueues its task
    (`studysite.jobs.services.enqueue`); the Celery task carries only the id.
    ``attempts`` counts the deliveries a worker claimed
    (`studysite.jobs.services.claim`); a worker writes progress and the
    outcome only while its attempt is the current one, so a task delivered
    twice leaves one outcome.

    ``Status`` names four members, ``QUEUED``, ``RUNNING``, ``SUCCEEDED`` and
    ``FAILED``, which the lifecycle uses. A kind whose stored values were
    published under other names before it moved here (an import's
    ``"pending"`` and ``"done"``) redeclares ``Status`` with those values and
    its ``status`` field, so its API and pages say what they always said.
    """

    Status = JobStatus

    status = models.CharField(
        max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    progress = models.FloatField(
        default=0.0, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)]
    )
    progress_message = models.CharField(max_length=200, blank=True, default="")
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True, default="")
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def is_unfinished(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
