"""Writes for the learner's scheduler: fits and rescheduling.

Simulations ("help me decide") are `workers.simulation_services`; both are
background jobs on `studysite.jobs`.

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
from datetime import datetime
from typing import Any

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from flashcards import fitting
from flashcards.models import CardMemory, Deck
from flashcards.parameters import scheduler_parameters_set
from flashcards.scheduling import State
from studysite import errors
from studysite.jobs import services as jobs
from workers import selectors
from workers.models import SchedulerFit

logger = logging.getLogger(__name__)

Status = SchedulerFit.Status

BROKER_DOWN_ERROR = "Could not be queued: the task broker (Redis) did not answer."
BROKER_DOWN_MESSAGE = (
    "The background queue is unavailable right now, so nothing was started; "
    "try again in a minute."
)
# workers.tasks.SCHEDULER_TIME_LIMIT plus a minute: a row running longer lost
# its worker.
SCHEDULER_STALE_SECONDS = 660 + 60


class NotEnoughHistoryError(errors.Conflict):
    """409: the learner has too few usable reviews to fit."""

    code = "not_enough_history"


def not_enough_message(*, needed: int, available: int) -> str:
    return (
        f"Not enough review history to fit your scheduler yet: it needs at least "
        f"{needed} reviews made on a later day than the card's previous review, "
        f"and you have {available}. Review {needed - available} more and try again."
    )


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


# --- runs no worker will finish -------------------------------------------------


def expire_stale(row: jobs.Job) -> jobs.Job:
    """Fail a fit or simulation no worker will finish (lost worker, no worker)."""
    if row.is_finished:
        return row
    wait = int(_setting("WORKERS_DEMO_QUEUE_TIMEOUT", 15 * 60))
    return jobs.expire_stale(
        row,
        running_for=SCHEDULER_STALE_SECONDS,
        queued_for=wait,
        running_error="The worker stopped before it finished; try again.",
        queued_error=(
            f"No worker picked this up within {wait // 60} minutes; try again later."
        ),
    )


def scheduler_fit_expire_stale(*, fit: SchedulerFit) -> SchedulerFit:
    return expire_stale(fit)


def scheduler_fit_mark_failed(*, fit_id: int, error: str) -> bool:
    return jobs.mark_failed(SchedulerFit, fit_id, error)


def scheduler_job_enqueue(row: Any, task: Any) -> None:
    jobs.enqueue(
        row, task, row.pk, error=BROKER_DOWN_ERROR, message=BROKER_DOWN_MESSAGE
    )


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
        running = expire_stale(running)
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
                task_id=str(uuid.uuid4()),
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
        errors.Unavailable: 503, the broker did not take the task (the fit is
            kept, marked failed).
    """
    from workers import tasks

    fit, created = scheduler_fit_create(
        learner=learner, deck=deck, trigger=trigger, reschedule=reschedule
    )
    if created:
        scheduler_job_enqueue(fit, tasks.scheduler_fit)
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


def scheduler_fit_apply(fit: SchedulerFit) -> None:
    """Make an accepted fit's parameters the learner's (flashcards owns them)."""
    fit.refresh_from_db(fields=("new_parameters", "status", "accepted"))
    if fit.status != Status.SUCCEEDED or not fit.accepted:
        raise ValueError(f"fit {fit.pk} is not a succeeded, accepted fit")
    if not fit.new_parameters:
        raise ValueError(f"fit {fit.pk} has no parameters")
    scheduler_parameters_set(
        learner=fit.learner, deck=fit.deck, parameters=fit.new_parameters, fit_id=fit.pk
    )


def scheduler_fit_execute(fit_id: int) -> str:
    """Run a queued fit and store its outcome; safe to call more than once.

    Returns:
        ``"accepted"``, ``"kept"`` (old parameters were better), ``"failed"``,
        ``"skipped"`` (finished or gone) or ``"superseded"``.
    """
    claim = jobs.claim(SchedulerFit, fit_id)
    if claim is None:
        return "skipped"
    fit, attempt = claim
    try:
        jobs.progress(SchedulerFit, fit.pk, attempt, 0.1, "reading your review history")
        records = selectors.review_records(learner=fit.learner, deck=fit.deck)
        jobs.progress(
            SchedulerFit, fit.pk, attempt, 0.3, f"fitting {len(records)} reviews"
        )
        current = selectors.learner_parameters_current(
            learner=fit.learner, deck=fit.deck
        )
        result = fitting.fit(
            records,
            day_of=selectors.learner_day_of(fit.learner),
            current_parameters=current.parameters,
        )
    except jobs.Superseded:
        return "superseded"
    except fitting.NotEnoughHistory as exc:
        stored = jobs.fail(
            SchedulerFit,
            fit.pk,
            attempt,
            not_enough_message(needed=exc.needed, available=exc.available),
            reviews_needed=exc.needed,
            reviews_available=exc.available,
        )
        return "failed" if stored else "superseded"
    except Exception as exc:  # noqa: BLE001 - FitFailed and anything else: no change
        if not isinstance(exc, fitting.FitFailed):
            logger.exception("fit %s failed", fit.pk)
        stored = jobs.fail(
            SchedulerFit,
            fit.pk,
            attempt,
            f"The fit failed and your parameters were kept: {exc}"[:1000],
        )
        return "failed" if stored else "superseded"
    with transaction.atomic():
        stored = jobs.finish(
            SchedulerFit, fit.pk, attempt, error="", **_fit_fields(result)
        )
        if stored and result.accepted:
            scheduler_fit_apply(fit)
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
        except errors.Unavailable:
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
    keys: dict[int, tuple[Any, ...]] = {}
    groups: dict[tuple[Any, ...], list[CardMemory]] = defaultdict(list)
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
