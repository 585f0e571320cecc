"""Writes for demo runs: request (validate, bound the cost, reuse or enqueue),
share by link, and execute.

Before a run is queued its cost is estimated from its parameters
(`demo_cost_check`: over the soft time limit is a 400 naming the
parameters), and each user may have ``WORKERS_DEMO_MAX_IN_FLIGHT`` (default 2)
runs queued or running at once (a 429 beyond that), so that one learner
cannot fill the demo workers; CPU demos have their own ``demos`` queue, apart
from imports, quiz generation and scheduler fits on ``default``.

``demo_run_request`` runs in the web process; ``demo_run_execute`` in a Celery
worker. Neither is wrapped in one long transaction: the request must commit
its row before a worker can read it, and the worker writes progress as it
goes.

The parameters and cost are checked in `workers.demo_params`, the run is
executed in `workers.demo_execution`; the lifecycle (enqueue on commit,
claim, progress, finish, expiry) is `studysite.jobs.services`'.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from studysite import errors, permissions
from studysite.jobs import services as jobs
from workers.demo_params import demo_cost_check, demo_params_clean, params_hash
from workers.demos import get_demo, json_safe
from workers.dispatch import GPU_QUEUE, Placement, place
from workers.models import DemoRun

logger = logging.getLogger(__name__)

Status = DemoRun.Status

DEFAULT_MAX_IN_FLIGHT = 2
BROKER_DOWN_ERROR = (
    "The run could not be queued: the task broker (Redis) did not answer."
)
BROKER_DOWN_MESSAGE = (
    "The demo queue is unavailable right now, so the run was not started; "
    "try again in a minute."
)


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


class TooManyRunsInFlight(errors.TooMany):
    """429: the user already has ``WORKERS_DEMO_MAX_IN_FLIGHT`` runs queued or
    running."""

    code = "runs_in_flight"
    default_message = "You have too many demo runs queued or running."


def max_in_flight() -> int:
    """Runs one user may have queued or running at once (0: no limit)."""
    return int(_setting("WORKERS_DEMO_MAX_IN_FLIGHT", DEFAULT_MAX_IN_FLIGHT))


def _check_in_flight(user: Any) -> None:
    """Refuse a new run while ``user`` has `max_in_flight` unfinished ones.

    Runs that no worker will finish are failed first (`demo_run_expire_stale`)
    so that a lost run never blocks its owner for good. Called with the
    user's row locked, so two requests at once cannot both get the last slot.
    """
    limit = max_in_flight()
    if user is None or limit <= 0:
        return
    unfinished = DemoRun.objects.filter(
        requested_by=user, status__in=(Status.QUEUED, Status.RUNNING)
    ).order_by("created_at", "id")
    live = [r for r in unfinished if not demo_run_expire_stale(run=r).is_finished]
    if len(live) >= limit:
        ids = ", ".join(f"#{r.pk}" for r in live)
        raise TooManyRunsInFlight(
            f"You have {len(live)} demo runs queued or running ({ids}); at most "
            f"{limit} may be at once. Wait for one to finish, then start this one."
        )


def demo_run_find_reusable(
    *, demo_name: str, digest: str, device_kind: str, user: Any = None
) -> DemoRun | None:
    """The newest succeeded run of the same demo, params and device kind,
    finished within ``WORKERS_DEMO_REUSE_SECONDS`` (default 24 h): the user's
    own if they have one, else anyone's (`demo_run_reuse` copies that one)."""
    window = int(_setting("WORKERS_DEMO_REUSE_SECONDS", 24 * 3600))
    if window <= 0:
        return None
    since = timezone.now() - timedelta(seconds=window)
    found = DemoRun.objects.filter(
        demo=demo_name,
        params_hash=digest,
        device_kind=device_kind,
        status=Status.SUCCEEDED,
        finished_at__gte=since,
    ).order_by("-finished_at", "-id")
    own = found.filter(permissions.demo_run_reusable(user)).first()
    return own or found.first()


def demo_run_reuse(*, run: DemoRun, user: Any) -> DemoRun:
    """``run`` itself when it is ``user``'s; else a copy of its result owned by
    ``user`` (``reused_from`` set), so that another user's run id, share link
    and history stay theirs. The copy keeps the original's times: it is as
    old as the result it shows, and ages out of the reuse window with it."""
    owner = user if getattr(user, "is_authenticated", False) else None
    if run.requested_by_id == (owner.pk if owner is not None else None):
        return run  # one's own (or, for a system request, another system run)
    return DemoRun.objects.create(
        demo=run.demo,
        params=run.params,
        params_hash=run.params_hash,
        device_kind=run.device_kind,
        queue=run.queue,
        status=Status.SUCCEEDED,
        progress=1.0,
        progress_message="done",
        backend=run.backend,
        device=run.device,
        device_label=run.device_label,
        result=run.result,
        requested_by=owner,
        started_at=run.started_at,
        finished_at=run.finished_at,
        estimated_seconds=run.estimated_seconds,
        reused_from=run,
    )


def demo_run_request(
    *,
    demo_name: str,
    params: Mapping[str, Any] | None,
    user: Any = None,
    fresh: bool = False,
) -> tuple[DemoRun, bool]:
    """Start a run of a demo, or return a recent identical result.

    In order: the parameters are checked, then their cost (a run estimated
    over the soft time limit is refused), then a recent identical result is
    reused (the user's own run, or a copy of another user's), and only then
    is a new run queued, when the user has fewer than
    ``WORKERS_DEMO_MAX_IN_FLIGHT`` (default 2) runs queued or running.

    Args:
        demo_name: The demo's slug.
        params: The learner's values; the rest take their defaults.
        user: Who asked (None for a system run: no in-flight limit).
        fresh: Run again even if a recent identical result exists.

    Returns:
        ``(run, reused)``: the run, and whether it is an earlier result reused.

    Raises:
        UnknownDemoError: Unknown demo (the API answers 404).
        errors.Invalid: Bad parameters, or too costly ones (400, fields
            ``params.<name>``).
        TooManyRunsInFlight: The user's limit of unfinished runs (429).
        errors.Unavailable: The broker did not take the task (503); the run
            row is kept and marked failed with ``BROKER_DOWN_ERROR``.
    """
    get_demo(demo_name)  # an unknown demo fails before any broker round trip
    placement = place(demo_name)
    clean = demo_params_clean(
        demo_name=demo_name, params=params, device_kind=placement.device_kind
    )
    estimate = demo_cost_check(
        demo_name=demo_name, params=clean, backend=placement.backend
    )
    digest = params_hash(clean)
    owner = user if getattr(user, "is_authenticated", False) else None
    if not fresh:
        earlier = demo_run_find_reusable(
            demo_name=demo_name,
            digest=digest,
            device_kind=placement.device_kind,
            user=owner,
        )
        if earlier is not None:
            return demo_run_reuse(run=earlier, user=owner), True
    with transaction.atomic():
        if owner is not None:
            get_user_model().objects.select_for_update().filter(pk=owner.pk).first()
        _check_in_flight(owner)
        run = DemoRun.objects.create(
            demo=demo_name,
            params=json_safe(clean),
            params_hash=digest,
            device_kind=placement.device_kind,
            queue=placement.queue,
            backend=placement.backend,
            requested_by=owner,
            task_id=str(uuid.uuid4()),
            progress_message="waiting for a worker",
            estimated_seconds=round(estimate.seconds, 3),
        )
    _enqueue(run, placement)
    run.refresh_from_db()
    return run, False


# -- sharing -------------------------------------------------------------------


def demo_run_share(*, run: DemoRun, user: Any) -> DemoRun:
    """Turn on the run's share link (a random UUID); the same link if it is on.

    Raises:
        errors.NotFound: ``user`` is not the run's owner
            (`permissions.demo_run_sharable`).
    """
    if not permissions.demo_run_sharable(user, run):
        raise errors.NotFound()  # the body of a 404, as Http404 gave
    if run.share_token is None:
        DemoRun.objects.filter(pk=run.pk, share_token__isnull=True).update(
            share_token=uuid.uuid4()
        )
        run.refresh_from_db(fields=["share_token"])
    return run


def demo_run_unshare(*, run: DemoRun, user: Any) -> DemoRun:
    """Turn the share link off: the old link answers 404 from now on (a later
    share makes a new one).

    Raises:
        errors.NotFound: ``user`` is not the run's owner.
    """
    if not permissions.demo_run_sharable(user, run):
        raise errors.NotFound()  # the body of a 404, as Http404 gave
    DemoRun.objects.filter(pk=run.pk).update(share_token=None)
    run.share_token = None
    return run


def _enqueue(run: DemoRun, placement: Placement) -> None:
    from workers import tasks

    task = tasks.gpu_demo_run if placement.queue == GPU_QUEUE else tasks.demo_run
    jobs.enqueue(
        run,
        task,
        run.pk,
        queue=placement.queue,
        error=BROKER_DOWN_ERROR,
        message=BROKER_DOWN_MESSAGE,
    )


# -- runs no worker will finish ----------------------------------------------------


def demo_run_mark_failed(*, demo_run_id: int, error: str) -> bool:
    """Mark an unfinished run failed (hard time limit, lost worker)."""
    return jobs.mark_failed(DemoRun, demo_run_id, error)


def demo_run_expire_stale(*, run: DemoRun) -> DemoRun:
    """Fail a run no worker will finish, so a page never waits forever.

    A run still ``running`` after the hard time limit plus a minute lost its
    worker without a redelivery (a killed worker's task comes back after the
    broker's visibility timeout, so the limit is at least that plus a
    minute); a run ``queued`` for
    ``WORKERS_DEMO_QUEUE_TIMEOUT`` (default 15 min) found no worker.
    """
    if run.is_finished:
        return run
    hard = int(_setting("CELERY_TASK_TIME_LIMIT", 180))
    options = _setting("CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {}
    redelivery = int(options.get("visibility_timeout", 0)) + 10
    limit = max(hard, redelivery) + 60
    wait = int(_setting("WORKERS_DEMO_QUEUE_TIMEOUT", 15 * 60))
    return jobs.expire_stale(
        run,
        running_for=limit,
        queued_for=wait,
        running_error=(
            "The worker running this demo stopped before it finished "
            f"(nothing heard for over {limit} s); run it again."
        ),
        queued_error=f"No worker picked this run up within {wait // 60} minutes; "
        "run it again later.",
    )
