"""Writes for the learner's scheduler: fits, rescheduling, simulations.

Fits
----
`scheduler_fit_request` (web process, or the weekly fan-out) checks that the
learner has enough usable history, reuses a fit of the same scope still in
flight, else stores a queued `SchedulerFit` and enqueues it.
`scheduler_fit_execute` (worker) fits with `flashcards.fitting.fit` on the
time-ordered history (the latest 20 % held out) and stores both parameter
sets, both held-out figures and what changed. The new parameters become the
learner's only if ``accepted`` (lower held-out log loss); a fit that fails, or
whose optimizer returns non-finite or invalid parameters, is marked failed and
changes nothing. Like demo runs, a fit is claimed per attempt and only the
newest attempt writes, so a task delivered twice stores one result.

Too little history is refused before anything is queued with a 409
(`NotEnoughHistoryError`, code ``not_enough_history``) whose message says how
many usable reviews are needed and how many there are; a fit that still finds
too few (reviews undone meanwhile) fails with the same sentence.

Rescheduling
------------
`memories_reschedule` recomputes the due dates of all the learner's review
cards (per deck's desired retention and maximum interval, the learner's
forgetting curve) in one vectorized pass per options group with
`flashcards.fitting.reschedule`, and writes them with one bulk update; rows are
locked and their ``version`` bumped, so an answer racing it gets a 409 instead
of a stale schedule. Optional, as in Anki: a checkbox on the fit, a button on
the settings page, an API call.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Avg
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from flashcards import fitting
from flashcards.models import CardMemory, Deck
from flashcards.scheduling import MAX_RETENTION, MIN_RETENTION, State
from studysite.api_errors import Conflict, FieldError, ServiceUnavailable
from workers import selectors
from workers.models import SchedulerFit, SchedulerSimulation

logger = logging.getLogger(__name__)

Status = SchedulerFit.Status

BROKER_DOWN_ERROR = "Could not be queued: the task broker (Redis) did not answer."
BROKER_DOWN_MESSAGE = (
    "The background queue is unavailable right now, so nothing was started; "
    "try again in a minute."
)
DEFAULT_RETENTIONS = (0.75, 0.8, 0.85, 0.9, 0.95)
MAX_RETENTIONS = 10
# workers.tasks.SCHEDULER_TIME_LIMIT plus a minute: a row running longer lost
# its worker.
SCHEDULER_STALE_SECONDS = 660 + 60
SIMULATION_LIMITS = {
    "days": (1, 3650, 365),
    "deck_size": (1, 20_000, 1000),
    "learn_per_day": (0, 1000, 20),
    "review_limit": (1, 9999, 9999),
}


class NotEnoughHistoryError(Conflict):
    """409: the learner has too few usable reviews to fit."""

    default_code = "not_enough_history"


def not_enough_message(*, needed: int, available: int) -> str:
    return (
        f"Not enough review history to fit your scheduler yet: it needs at least "
        f"{needed} reviews made on a later day than the card's previous review, "
        f"and you have {available}. Review {needed - available} more and try again."
    )


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


# --- enqueue, claim, progress, finish (fits and simulations alike) -----------------


def _enqueue(row: SchedulerFit | SchedulerSimulation, task: Any) -> None:
    try:
        task.apply_async(
            args=[row.pk],
            task_id=row.celery_task_id,
            ignore_result=True,
            retry=True,
            retry_policy={
                "max_retries": 2,
                "interval_start": 0,
                "interval_step": 0.2,
                "interval_max": 0.5,
            },
        )
    except (KombuOperationalError, ConnectionError, OSError) as exc:
        logger.warning("%s not queued: %s", row, exc)
        type(row).objects.filter(pk=row.pk, status=Status.QUEUED).update(
            status=Status.FAILED,
            error=BROKER_DOWN_ERROR,
            progress_message="",
            finished_at=timezone.now(),
        )
        raise ServiceUnavailable(BROKER_DOWN_MESSAGE) from exc


def _claim(model: type, row_id: int) -> tuple[Any, int] | None:
    with transaction.atomic():
        row = model.objects.select_for_update().filter(pk=row_id).first()
        if row is None or row.is_finished:
            return None
        if row.status == Status.RUNNING and row.attempts >= 3:
            row.status, row.finished_at = Status.FAILED, timezone.now()
            row.error = "The worker stopped 3 times before it finished."
            row.save(update_fields=["status", "finished_at", "error"])
            return None
        row.status = Status.RUNNING
        row.attempts += 1
        row.started_at = timezone.now()
        row.progress, row.progress_message = 0.0, "starting"
        row.save(
            update_fields=[
                "status",
                "attempts",
                "started_at",
                "progress",
                "progress_message",
            ]
        )
        return row, row.attempts


class Superseded(Exception):
    """A newer attempt claimed the row; this one stops and writes nothing."""


def _progress(model: type, row_id: int, attempt: int, fraction: float, text: str):
    updated = model.objects.filter(
        pk=row_id, attempts=attempt, status=Status.RUNNING
    ).update(progress=min(max(fraction, 0.0), 1.0), progress_message=text[:200])
    if not updated:
        raise Superseded(row_id)


def _finish(model: type, row_id: int, attempt: int, **fields: Any) -> bool:
    fields.setdefault("finished_at", timezone.now())
    return bool(
        model.objects.filter(pk=row_id, attempts=attempt, status=Status.RUNNING).update(
            **fields
        )
    )


def _mark_failed(model: type, row_id: int, error: str) -> bool:
    return bool(
        model.objects.filter(
            pk=row_id, status__in=(Status.QUEUED, Status.RUNNING)
        ).update(status=Status.FAILED, error=error, finished_at=timezone.now())
    )


def _expire_stale(row: Any) -> Any:
    """Fail a row no worker will finish (lost worker, no worker at all)."""
    now = timezone.now()
    limit = SCHEDULER_STALE_SECONDS
    wait = int(_setting("WORKERS_DEMO_QUEUE_TIMEOUT", 15 * 60))
    if row.status == Status.RUNNING and row.started_at:
        if row.started_at < now - timedelta(seconds=limit):
            _mark_failed(
                type(row), row.pk, "The worker stopped before it finished; try again."
            )
            row.refresh_from_db()
    elif row.status == Status.QUEUED and row.created_at < now - timedelta(seconds=wait):
        _mark_failed(
            type(row),
            row.pk,
            f"No worker picked this up within {wait // 60} minutes; try again later.",
        )
        row.refresh_from_db()
    return row


def scheduler_fit_expire_stale(*, fit: SchedulerFit) -> SchedulerFit:
    return _expire_stale(fit)


def scheduler_simulation_expire_stale(
    *, sim: SchedulerSimulation
) -> SchedulerSimulation:
    return _expire_stale(sim)


def scheduler_fit_mark_failed(*, fit_id: int, error: str) -> bool:
    return _mark_failed(SchedulerFit, fit_id, error)


def scheduler_simulation_mark_failed(*, simulation_id: int, error: str) -> bool:
    return _mark_failed(SchedulerSimulation, simulation_id, error)


# --- fits -------------------------------------------------------------------------


def scheduler_fit_create(
    *,
    learner: Any,
    deck: Deck | None = None,
    trigger: str = SchedulerFit.Trigger.ON_DEMAND,
    reschedule: bool = False,
) -> tuple[SchedulerFit, bool]:
    """Store a queued fit, or return the one of this scope still in flight.

    Raises:
        NotEnoughHistoryError: Too few usable reviews (409, with the numbers).

    Returns:
        ``(fit, created)``.
    """
    scope = selectors.scope_of(deck)
    running = selectors.scheduler_fit_unfinished(learner=learner, scope=scope)
    if running is not None:
        running = _expire_stale(running)
        if not running.is_finished:
            return running, False
    counts = selectors.history_counts(learner=learner, deck=deck)
    if not counts.enough:
        raise NotEnoughHistoryError(
            not_enough_message(needed=counts.needed, available=counts.usable)
        )
    try:
        with transaction.atomic():
            fit = SchedulerFit.objects.create(
                learner=learner,
                scope=scope,
                deck=deck,
                trigger=trigger,
                reschedule=reschedule,
                last_review_id=counts.last_review_id,
                review_count=counts.reviews,
                reviews_needed=counts.needed,
                reviews_available=counts.usable,
                celery_task_id=str(uuid.uuid4()),
                progress_message="waiting for a worker",
            )
    except IntegrityError:  # another request queued one a moment ago
        running = selectors.scheduler_fit_unfinished(learner=learner, scope=scope)
        if running is None:
            raise
        return running, False
    return fit, True


def scheduler_fit_request(
    *,
    learner: Any,
    deck: Deck | None = None,
    trigger: str = SchedulerFit.Trigger.ON_DEMAND,
    reschedule: bool = False,
) -> tuple[SchedulerFit, bool]:
    """Start a fit of the learner's parameters (or return the one in flight).

    Raises:
        NotEnoughHistoryError: 409 with how many reviews are needed.
        ServiceUnavailable: 503, the broker did not take the task (the fit is
            kept, marked failed).
    """
    from workers import tasks

    fit, created = scheduler_fit_create(
        learner=learner, deck=deck, trigger=trigger, reschedule=reschedule
    )
    if created:
        _enqueue(fit, tasks.scheduler_fit)
        fit.refresh_from_db()
    return fit, created


def _fit_fields(result: fitting.FitResult) -> dict[str, Any]:
    return {
        "review_count": result.review_count,
        "card_count": result.card_count,
        "train_reviews": result.train_reviews,
        "holdout_reviews": result.holdout_reviews,
        "holdout_from": result.holdout_from,
        "reviews_available": result.train_reviews + result.holdout_reviews,
        "old_parameters": list(result.old_parameters),
        "new_parameters": list(result.new_parameters),
        "old_metrics": _json_metrics(result.old_metrics),
        "new_metrics": _json_metrics(result.new_metrics),
        "accepted": result.accepted,
        "changes": [change.to_dict() for change in result.changes],
    }


def _json_metrics(metrics: fitting.Metrics) -> dict[str, Any]:
    return metrics.to_dict()


def scheduler_fit_compute(*, learner: Any, deck: Deck | None = None) -> Any:
    """Fit now, in this process; store nothing (``optimize_scheduler``).

    Returns:
        The `flashcards.fitting.FitResult` against the learner's current
        parameters for the scope.

    Raises:
        fitting.NotEnoughHistory, fitting.FitFailed.
    """
    current = selectors.learner_parameters_current(learner=learner, deck=deck)
    return fitting.fit(
        selectors.review_records(learner=learner, deck=deck),
        day_of=selectors.learner_day_of(learner),
        current_parameters=current.parameters,
    )


def scheduler_fit_execute(fit_id: int) -> str:
    """Run a queued fit and store its outcome; safe to call more than once.

    Returns:
        ``"accepted"``, ``"kept"`` (old parameters were better), ``"failed"``,
        ``"skipped"`` (finished or gone) or ``"superseded"``.
    """
    claim = _claim(SchedulerFit, fit_id)
    if claim is None:
        return "skipped"
    fit, attempt = claim
    try:
        _progress(SchedulerFit, fit.pk, attempt, 0.1, "reading your review history")
        records = selectors.review_records(learner=fit.learner, deck=fit.deck)
        _progress(SchedulerFit, fit.pk, attempt, 0.3, f"fitting {len(records)} reviews")
        current = selectors.learner_parameters_current(
            learner=fit.learner, deck=fit.deck
        )
        result = fitting.fit(
            records,
            day_of=selectors.learner_day_of(fit.learner),
            current_parameters=current.parameters,
        )
    except Superseded:
        return "superseded"
    except fitting.NotEnoughHistory as exc:
        stored = _finish(
            SchedulerFit,
            fit.pk,
            attempt,
            status=Status.FAILED,
            reviews_needed=exc.needed,
            reviews_available=exc.available,
            error=not_enough_message(needed=exc.needed, available=exc.available),
        )
        return "failed" if stored else "superseded"
    except Exception as exc:  # noqa: BLE001 - FitFailed and anything else: no change
        if not isinstance(exc, fitting.FitFailed):
            logger.exception("fit %s failed", fit.pk)
        stored = _finish(
            SchedulerFit,
            fit.pk,
            attempt,
            status=Status.FAILED,
            error=f"The fit failed and your parameters were kept: {exc}"[:1000],
        )
        return "failed" if stored else "superseded"
    stored = _finish(
        SchedulerFit,
        fit.pk,
        attempt,
        status=Status.SUCCEEDED,
        progress=1.0,
        progress_message="done",
        error="",
        **_fit_fields(result),
    )
    if not stored:
        return "superseded"
    if result.accepted and fit.reschedule:
        count = memories_reschedule(learner=fit.learner, deck=fit.deck)
        SchedulerFit.objects.filter(pk=fit.pk).update(rescheduled_cards=count)
    return "accepted" if result.accepted else "kept"


def scheduler_fits_request_weekly() -> dict[str, int]:
    """Queue a fit for every learner with enough new reviews since their last.

    "Enough" is ``WORKERS_SCHEDULER_WEEKLY_MIN_NEW_REVIEWS`` (default
    `flashcards.fitting.MIN_REVIEWS_FOR_FIT`). Learners whose history is still
    too short, or with a fit in flight, are skipped.
    """
    from studysite.models import User

    minimum = int(
        _setting(
            "WORKERS_SCHEDULER_WEEKLY_MIN_NEW_REVIEWS", fitting.MIN_REVIEWS_FOR_FIT
        )
    )
    counts = {"queued": 0, "skipped": 0, "failed": 0}
    ids = selectors.learners_for_weekly_fit(min_new_reviews=minimum)
    for learner in User.objects.filter(pk__in=ids).order_by("pk"):
        try:
            _, created = scheduler_fit_request(
                learner=learner, trigger=SchedulerFit.Trigger.WEEKLY
            )
        except NotEnoughHistoryError:
            counts["skipped"] += 1
            continue
        except ServiceUnavailable:
            counts["failed"] += 1
            break  # the broker is down; next week
        counts["queued" if created else "skipped"] += 1
    return counts


# --- rescheduling ------------------------------------------------------------------


@transaction.atomic
def memories_reschedule(
    *,
    learner: Any,
    deck: Deck | None = None,
    now: datetime | None = None,
    rng: np.random.Generator | None = None,
) -> int:
    """Recompute the due dates of the learner's review cards; return how many.

    Each card is due where its stability meets its deck's desired retention
    under the learner's current parameters (``w[20]``, the forgetting curve),
    counted from its last review; learning cards and new cards keep theirs.
    Fuzz is applied where the deck enables it, as reviews do.
    """
    now = now or timezone.now()
    rng = rng or np.random.default_rng()
    rows = CardMemory.objects.select_for_update().filter(
        learner=learner, state=State.REVIEW, stability__isnull=False
    )
    if deck is not None:
        rows = rows.filter(deck=deck)
    memories = list(
        rows.select_related("deck").only(
            "id", "deck", "due", "stability", "last_review", "version"
        )
    )
    keys: dict[int, tuple] = {}
    groups: dict[tuple, list[CardMemory]] = defaultdict(list)
    for memory in memories:
        if memory.deck_id not in keys:
            options = memory.deck.scheduling_options
            current = selectors.learner_parameters_current(
                learner=learner, deck=memory.deck
            )
            keys[memory.deck_id] = (
                options.desired_retention,
                options.maximum_interval,
                options.enable_fuzz,
                -current.parameters[20],
            )
        groups[keys[memory.deck_id]].append(memory)
    changed: list[CardMemory] = []
    stamp = timezone.now()
    for (retention, maximum, fuzz, decay), group in groups.items():
        result = fitting.reschedule(
            np.array([m.stability for m in group], dtype=np.float64),
            [m.last_review for m in group],
            desired_retention=retention,
            decay=decay,
            maximum_interval=maximum,
            # A review stamped a moment ahead (clock skew) must not stop it.
            now=max([now, *(m.last_review for m in group if m.last_review)]),
            rng=rng if fuzz else None,
        )
        for memory, due in zip(group, result.due_datetimes(), strict=True):
            if due is None or due == memory.due:
                continue
            memory.due, memory.version, memory.updated_at = (
                due,
                memory.version + 1,
                stamp,
            )
            changed.append(memory)
    CardMemory.objects.bulk_update(
        changed, ["due", "version", "updated_at"], batch_size=1000
    )
    return len(changed)


# --- simulations -------------------------------------------------------------------


def _number(data: Mapping[str, Any], name: str, errors: dict, *, kind: type) -> Any:
    low, high, default = SIMULATION_LIMITS[name]
    value = data.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        errors[name] = "Must be a number."
        return default
    if kind is int and float(value) != int(value):
        errors[name] = "Must be a whole number."
        return default
    if not low <= value <= high:
        errors[name] = f"Must be from {low} to {high}."
        return default
    return kind(value)


def _retentions(value: Any, errors: dict) -> list[float]:
    if value is None:
        return list(DEFAULT_RETENTIONS)
    if not isinstance(value, list | tuple) or not value:
        errors["desired_retentions"] = "Must be a non-empty list of numbers."
        return []
    if len(value) > MAX_RETENTIONS:
        errors["desired_retentions"] = f"At most {MAX_RETENTIONS} values."
        return []
    good = []
    for item in value:
        if (
            isinstance(item, bool)
            or not isinstance(item, int | float)
            or not MIN_RETENTION <= item <= MAX_RETENTION
        ):
            errors["desired_retentions"] = (
                f"Each must be a number from {MIN_RETENTION} to {MAX_RETENTION}."
            )
            return []
        good.append(round(float(item), 4))
    return sorted(set(good))


def learner_seconds_per_review(*, learner: Any) -> float | None:
    """The learner's mean answer time (last 1000 timed reviews), if known."""
    rows = (
        selectors._reviews(learner=learner)
        .filter(duration_ms__gt=0)
        .order_by("-id")
        .values_list("id", flat=True)[:1000]
    )
    ids = list(rows)
    if len(ids) < 20:
        return None
    from flashcards.models import ReviewLog

    mean = ReviewLog.objects.filter(pk__in=ids).aggregate(m=Avg("duration_ms"))["m"]
    return None if not mean else round(min(max(mean / 1000, 1.0), 600.0), 1)


def simulation_params_clean(*, learner: Any, data: Mapping[str, Any]) -> dict:
    """Validate the simulator's inputs; missing ones take their defaults.

    Raises:
        FieldError: Naming every bad field at once.
    """
    errors: dict[str, str] = {}
    params: dict[str, Any] = {
        "desired_retentions": _retentions(data.get("desired_retentions"), errors)
    }
    for name in SIMULATION_LIMITS:
        params[name] = _number(data, name, errors, kind=int)
    seconds = data.get("seconds_per_review")
    if seconds is None:
        seconds = learner_seconds_per_review(learner=learner)
    elif (
        isinstance(seconds, bool)
        or not isinstance(seconds, int | float)
        or not 1 <= seconds <= 600
    ):
        errors["seconds_per_review"] = "Must be a number of seconds from 1 to 600."
    params["seconds_per_review"] = None if seconds is None else float(seconds)
    if errors:
        raise FieldError(errors)
    return params


def scheduler_simulation_request(
    *, learner: Any, data: Mapping[str, Any], seed: int | None = None
) -> SchedulerSimulation:
    """Queue a "help me decide" simulation with the learner's parameters.

    Raises:
        FieldError: Bad inputs (400 naming them).
        ServiceUnavailable: The broker did not take the task (503).
    """
    from workers import tasks

    params = simulation_params_clean(learner=learner, data=data)
    current = selectors.learner_parameters_current(learner=learner)
    sim = SchedulerSimulation.objects.create(
        learner=learner,
        params=params,
        parameters=list(current.parameters),
        parameters_source=current.source,
        seed=seed if seed is not None else int(np.random.default_rng().integers(2**31)),
        celery_task_id=str(uuid.uuid4()),
        progress_message="waiting for a worker",
    )
    _enqueue(sim, tasks.scheduler_simulation)
    sim.refresh_from_db()
    return sim


def _summary(series: list[fitting.WorkloadSeries]) -> list[dict[str, Any]]:
    rows = []
    for item in series:
        reviews = np.asarray(item.reviews_per_day, dtype=np.float64)
        rate = np.asarray(item.retention_per_day, dtype=np.float64)
        seen = np.isfinite(rate) & (reviews > 0)
        recalled = float(np.sum(rate[seen] * reviews[seen]))
        rows.append(
            {
                "desired_retention": item.desired_retention,
                "average_reviews": item.average_reviews,
                "average_minutes": item.average_minutes,
                "retention": recalled / float(np.sum(reviews[seen]))
                if seen.any()
                else None,
                "final_memorized": item.final_memorized,
                "memorized_per_minute": item.memorized_per_minute,
            }
        )
    return rows


def scheduler_simulation_execute(simulation_id: int) -> str:
    """Run a queued simulation, reporting progress per retention."""
    claim = _claim(SchedulerSimulation, simulation_id)
    if claim is None:
        return "skipped"
    sim, attempt = claim
    params = sim.params

    def progress(done: int, total: int) -> None:
        _progress(
            SchedulerSimulation,
            sim.pk,
            attempt,
            done / total,
            f"simulated {done} of {total} retentions",
        )

    try:
        series = fitting.simulate_workload(
            sim.parameters,
            desired_retentions=params["desired_retentions"],
            days=params["days"],
            deck_size=params["deck_size"],
            learn_per_day=params["learn_per_day"],
            review_limit=params["review_limit"],
            seconds_per_review=params.get("seconds_per_review"),
            seed=sim.seed,
            progress=progress,
        )
    except Superseded:
        return "superseded"
    except Exception as exc:  # noqa: BLE001 - stored for the learner
        logger.exception("simulation %s failed", sim.pk)
        stored = _finish(
            SchedulerSimulation,
            sim.pk,
            attempt,
            status=Status.FAILED,
            error=f"The simulation failed: {type(exc).__name__}: {exc}"[:1000],
        )
        return "failed" if stored else "superseded"
    result = {**fitting.workload_to_dict(series), "summary": _summary(series)}
    stored = _finish(
        SchedulerSimulation,
        sim.pk,
        attempt,
        status=Status.SUCCEEDED,
        progress=1.0,
        progress_message="done",
        result=result,
    )
    return "succeeded" if stored else "superseded"


def _mark_fit_failed(fit_id: int, error: str) -> bool:
    return scheduler_fit_mark_failed(fit_id=fit_id, error=error)


def _mark_simulation_failed(simulation_id: int, error: str) -> bool:
    return scheduler_simulation_mark_failed(simulation_id=simulation_id, error=error)
