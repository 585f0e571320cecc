"""Writes for "help me decide" simulations: a simulated year of reviews for
several desired retentions, with the learner's own parameters.

`scheduler_simulation_request` (web process) validates the inputs, stores a
queued `SchedulerSimulation` and enqueues it; `scheduler_simulation_execute`
(worker) runs `flashcards.fitting.simulate_workload`, reporting progress per
retention. The lifecycle is `studysite.jobs.services`'.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import Any

import numpy as np
from django.db.models import Avg

from flashcards import fitting
from flashcards.scheduling import MAX_RETENTION, MIN_RETENTION
from studysite.errors import Invalid
from studysite.jobs import services as jobs
from workers import selectors
from workers.models import SchedulerSimulation
from workers.scheduler_services import expire_stale, scheduler_job_enqueue

logger = logging.getLogger(__name__)

DEFAULT_RETENTIONS = (0.75, 0.8, 0.85, 0.9, 0.95)
MAX_RETENTIONS = 10
SIMULATION_LIMITS = {
    "days": (1, 3650, 365),
    "deck_size": (1, 20_000, 1000),
    "learn_per_day": (0, 1000, 20),
    "review_limit": (1, 9999, 9999),
}


def scheduler_simulation_expire_stale(
    *, sim: SchedulerSimulation
) -> SchedulerSimulation:
    return expire_stale(sim)


def scheduler_simulation_mark_failed(*, simulation_id: int, error: str) -> bool:
    return jobs.mark_failed(SchedulerSimulation, simulation_id, error)


def _number(
    data: Mapping[str, Any], name: str, errors: dict[str, str], *, kind: type
) -> Any:
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


def _retentions(value: Any, errors: dict[str, str]) -> list[float]:
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


def simulation_params_clean(*, learner: Any, data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate the simulator's inputs; missing ones take their defaults.

    Raises:
        Invalid: Naming every bad field at once.
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
        raise Invalid(errors)
    return params


def scheduler_simulation_request(
    *, learner: Any, data: Mapping[str, Any], seed: int | None = None
) -> SchedulerSimulation:
    """Queue a "help me decide" simulation with the learner's parameters.

    Raises:
        Invalid: Bad inputs (400 naming them).
        Unavailable: The broker did not take the task (503).
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
        task_id=str(uuid.uuid4()),
        progress_message="waiting for a worker",
    )
    scheduler_job_enqueue(sim, tasks.scheduler_simulation)
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
    claim = jobs.claim(SchedulerSimulation, simulation_id)
    if claim is None:
        return "skipped"
    sim, attempt = claim
    params = sim.params

    def progress(done: int, total: int) -> None:
        jobs.progress(
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
    except jobs.Superseded:
        return "superseded"
    except Exception as exc:  # noqa: BLE001 - stored for the learner
        logger.exception("simulation %s failed", sim.pk)
        stored = jobs.fail(
            SchedulerSimulation,
            sim.pk,
            attempt,
            f"The simulation failed: {type(exc).__name__}: {exc}"[:1000],
        )
        return "failed" if stored else "superseded"
    result = {**fitting.workload_to_dict(series), "summary": _summary(series)}
    stored = jobs.finish(SchedulerSimulation, sim.pk, attempt, result=result)
    return "succeeded" if stored else "superseded"
