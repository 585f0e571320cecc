"""Models of the workers app: demo runs, scheduler fits and simulations."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from studysite.jobs.models import BackgroundJob


class DemoRun(BackgroundJob):
    """A request to run one demo with one set of parameters, and its outcome.

    A `BackgroundJob` (status, progress, error, times, task id, attempts;
    see `studysite.jobs`): the row is the source of truth for the web page and
    the API, the Celery task only carries the id.

    A run is its requester's (and staff's): `studysite.permissions` says so.
    Its owner may share it on purpose by link: ``share_token`` is a random
    UUID while it is shared, null otherwise. A result reused from another
    user's run is a copy of its own (``reused_from``), so no one is shown
    another user's run id.
    """

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
    backend = models.CharField(max_length=16, blank=True, default="")
    device = models.CharField(max_length=32, blank=True, default="")
    device_label = models.CharField(
        max_length=200,
        blank=True,
        default="",
        help_text='The device in words, e.g. "NVIDIA H200, torch 2.9, CUDA 12.8".',
    )
    result = models.JSONField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="demo_runs",
    )
    estimated_seconds = models.FloatField(
        null=True,
        blank=True,
        help_text="What the run was estimated to take before it was queued.",
    )
    share_token = models.UUIDField(
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text="Set while the owner shares the run by link (/demos/shared/…).",
    )
    reused_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The run whose result this one copies (reused within 24 h).",
    )

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
            # Runs in flight per user (WORKERS_DEMO_MAX_IN_FLIGHT).
            models.Index(
                fields=("requested_by", "status"), name="workers_demorun_inflight"
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


class SchedulerFit(BackgroundJob):
    """One fit of the 21 FSRS-6 parameters to a learner's review history.

    **Scope.** ``scope`` is ``"all"`` (every review of the learner: the main
    case, the parameters used for every deck) or ``"deck:<id>"`` with ``deck``
    set. Anki fits per *deck option preset*, a named set of options shared by
    several decks; this service has no named presets (each deck carries its
    own options), so the preset scope is one deck: its reviews only, and its
    parameters are used for that deck before the learner's ``"all"`` ones.

    **Current parameters.** The learner's parameters for a scope are the
    ``new_parameters`` of the latest *succeeded and accepted* fit of that
    scope (`workers.selectors.learner_parameters`); a fit that is not better
    on the held-out reviews, or that failed, changes nothing.

    ``last_review_id`` is the newest review (``ReviewLog.id``) there was when
    the fit was asked for: the weekly job fits again only learners with enough
    reviews after it.
    """

    class Trigger(models.TextChoices):
        ON_DEMAND = "on_demand", "On demand"
        WEEKLY = "weekly", "Weekly"
        COMMAND = "command", "Command (optimize_scheduler --apply)"

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    scope = models.CharField(max_length=32, default="all")
    deck = models.ForeignKey(
        "flashcards.Deck",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    trigger = models.CharField(
        max_length=16, choices=Trigger.choices, default=Trigger.ON_DEMAND
    )
    reschedule = models.BooleanField(
        default=False, help_text="Recompute due dates if the new parameters win."
    )
    last_review_id = models.BigIntegerField(default=0)
    review_count = models.PositiveIntegerField(default=0)
    card_count = models.PositiveIntegerField(default=0)
    train_reviews = models.PositiveIntegerField(default=0)
    holdout_reviews = models.PositiveIntegerField(default=0)
    holdout_from = models.DateTimeField(null=True, blank=True)
    reviews_needed = models.PositiveIntegerField(default=0)
    reviews_available = models.PositiveIntegerField(null=True, blank=True)
    old_parameters = models.JSONField(null=True, blank=True)
    new_parameters = models.JSONField(null=True, blank=True)
    old_metrics = models.JSONField(null=True, blank=True)
    new_metrics = models.JSONField(null=True, blank=True)
    accepted = models.BooleanField(default=False)
    changes = models.JSONField(default=list, blank=True)
    rescheduled_cards = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(
                fields=("learner", "scope", "finished_at"),
                name="workers_fit_current",
                condition=models.Q(status="succeeded", accepted=True),
            ),
            models.Index(
                fields=("learner", "scope", "created_at"), name="workers_fit_recent"
            ),
        ]
        constraints = [
            # One fit at a time per learner and scope; a second request gets it.
            models.UniqueConstraint(
                fields=("learner", "scope"),
                condition=models.Q(status__in=("queued", "running")),
                name="workers_fit_one_unfinished",
            ),
            models.CheckConstraint(
                condition=models.Q(progress__gte=0.0, progress__lte=1.0),
                name="workers_fit_progress_0_1",
            ),
        ]

    def __str__(self) -> str:
        return f"fit #{self.pk} of {self.learner_id} ({self.scope}, {self.status})"

    @property
    def is_current_candidate(self) -> bool:
        return self.status == self.Status.SUCCEEDED and self.accepted


class SchedulerSimulation(BackgroundJob):
    """A "help me decide" run: a simulated year for several desired retentions.

    ``params`` holds the validated inputs (``desired_retentions``, ``days``,
    ``deck_size``, ``learn_per_day``, ``review_limit``, ``seconds_per_review``)
    and ``parameters`` the FSRS parameters simulated (the learner's own);
    ``result`` is `flashcards.fitting.workload_to_dict` plus a summary.
    """

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    params = models.JSONField()
    parameters = models.JSONField()
    parameters_source = models.CharField(max_length=16, default="default")
    seed = models.BigIntegerField(default=0)
    result = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=("learner", "created_at"), name="workers_sim_recent")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__gte=0.0, progress__lte=1.0),
                name="workers_sim_progress_0_1",
            ),
        ]

    def __str__(self) -> str:
        return f"simulation #{self.pk} of {self.learner_id} ({self.status})"
