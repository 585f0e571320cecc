"""Models of the workers app: one row per precision-demo run."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class DemoRun(models.Model):
    """A request to run one demo with one set of parameters, and its outcome.

    The row is the source of truth for the web page and the API: the Celery
    task only carries the id. ``attempts`` counts how many times a worker has
    claimed the run; a worker writes progress and the result only while the
    attempt it claimed is still the current one, so a task delivered twice
    leaves one result.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    class DeviceKind(models.TextChoices):
        CPU = "cpu", "CPU"
        GPU = "gpu", "GPU"

    demo = models.CharField(max_length=64)
    params = models.JSONField(help_text="Validated parameters, defaults filled in.")
    params_hash = models.CharField(max_length=64, help_text="sha256 of the params.")
    device_kind = models.CharField(
        max_length=8, choices=DeviceKind.choices, default=DeviceKind.CPU
    )
    queue = models.CharField(max_length=32, default="default")
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.FloatField(
        default=0.0, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)]
    )
    progress_message = models.CharField(max_length=200, blank=True, default="")
    backend = models.CharField(max_length=16, blank=True, default="")
    device = models.CharField(max_length=32, blank=True, default="")
    device_label = models.CharField(
        max_length=200,
        blank=True,
        default="",
        help_text='The device in words, e.g. "NVIDIA H200, torch 2.9, CUDA 12.8".',
    )
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="demo_runs",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    celery_task_id = models.CharField(max_length=64, blank=True, default="")
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(
                fields=("demo", "params_hash", "device_kind", "status", "finished_at"),
                name="workers_demorun_reuse",
            ),
            models.Index(
                fields=("status", "created_at"), name="workers_demorun_status"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__gte=0.0, progress__lte=1.0),
                name="workers_demorun_progress_0_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.demo} #{self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)
