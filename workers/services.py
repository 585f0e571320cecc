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

Idempotence of ``demo_run_execute``: a run that succeeded or failed is never
redone. A run left ``running`` (its worker was killed, and Celery delivered the
task again thanks to ``acks_late`` + ``reject_on_worker_lost``) is claimed
again: ``attempts`` goes up by one, and from then on only the newest attempt
may write progress or the result (every write filters on ``attempts``). A task
delivered twice therefore stores one result, whichever delivery finishes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError
from rest_framework.exceptions import APIException

from studysite import permissions
from studysite.api_errors import FieldError, ServiceUnavailable
from workers.demos import DemoParamError, get_demo, json_safe, matmul_throughput
from workers.demos._cost import Estimate, raised
from workers.dispatch import GPU_QUEUE, Placement, place
from workers.models import DemoRun
from workers.selectors import GPU_DEFAULTS

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


def params_hash(params: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of validated parameters."""
    canonical = json.dumps(
        json_safe(params), sort_keys=True, separators=(",", ":"), allow_nan=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def demo_params_clean(
    *, demo_name: str, params: Mapping[str, Any] | None, device_kind: str
) -> dict[str, Any]:
    """Validate parameters for a run on ``device_kind`` and fill defaults.

    Raises:
        UnknownDemoError: For a demo that does not exist.
        FieldError: With keys ``params.<name>`` (or ``params``) for bad input.
    """
    demo = get_demo(demo_name)
    if params is not None and not isinstance(params, Mapping):
        raise FieldError({"params": "must be an object of parameter values"})
    given = dict(params or {})
    gpu_defaults = GPU_DEFAULTS.get(demo_name, {})
    if device_kind == "gpu" and not set(gpu_defaults) & set(given):
        given = {**gpu_defaults, **given}
    try:
        clean = demo.validate_params(given)
    except DemoParamError as exc:
        raise FieldError(_field_errors(exc)) from None
    if (
        demo_name == "matmul_throughput"
        and device_kind == "cpu"
        and clean["max_size"] > matmul_throughput.CPU_MAX_SIZE
    ):
        raise FieldError(
            {
                "params.max_size": (
                    f"must be at most {matmul_throughput.CPU_MAX_SIZE} on a CPU "
                    "(no GPU worker is available now)"
                )
            }
        )
    return clean


def _field_errors(exc: DemoParamError) -> dict[str, str]:
    return {
        ("params" if name == "__all__" else f"params.{name}"): message
        for name, message in exc.errors.items()
    }


def demo_cost_check(
    *, demo_name: str, params: Mapping[str, Any], backend: str
) -> Estimate:
    """The run's estimated seconds; a 400 when it is over the soft time limit.

    The estimate (`workers.demos._cost`) is multiplied by
    ``WORKERS_DEMO_COST_FACTOR`` (default 1; raise it for workers slower than
    CI's CPU) and compared with ``CELERY_TASK_SOFT_TIME_LIMIT``, the time
    after which the worker stops a run anyway.

    Raises:
        FieldError: ``params.<name>`` for each parameter the cost grows with
            that was set above its default (all of them when none was), with
            the estimate and the limit.
    """
    demo = get_demo(demo_name)
    factor = float(_setting("WORKERS_DEMO_COST_FACTOR", 1.0))
    estimate = demo.estimate(params, backend=backend).scaled(factor)
    limit = float(_setting("CELERY_TASK_SOFT_TIME_LIMIT", 120))
    if estimate.seconds <= limit:
        return estimate
    names = raised(params, demo.defaults, demo.cost_params)
    where = "a GPU worker" if backend == "torch" else "a CPU worker"
    message = (
        f"with these parameters the run would take about "
        f"{_seconds(estimate.seconds)} on {where}, over the {limit:g} s limit of a "
        f"demo run; ask for less ({', '.join(names)})"
        + (f"; {estimate.hint}" if estimate.hint else "")
    )
    raise FieldError({f"params.{name}": message for name in names})


def _seconds(value: float) -> str:
    if value < 3600:
        return f"{value:.0f} s"
    return f"{value / 3600:.1f} hours" if value < 86400 * 2 else "days"


class TooManyRunsInFlight(APIException):
    """429: the user already has ``WORKERS_DEMO_MAX_IN_FLIGHT`` runs queued or
    running."""

    status_code = 429
    default_detail = "You have too many demo runs queued or running."
    default_code = "runs_in_flight"


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
        FieldError: Bad parameters, or too costly ones (400, fields
            ``params.<name>``).
        TooManyRunsInFlight: The user's limit of unfinished runs (429).
        ServiceUnavailable: The broker did not take the task (503); the run
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
            celery_task_id=str(uuid.uuid4()),
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
        Http404: ``user`` is not the run's owner (`permissions.demo_run_sharable`).
    """
    if not permissions.demo_run_sharable(user, run):
        raise Http404("No demo run with this id.")
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
        Http404: ``user`` is not the run's owner.
    """
    if not permissions.demo_run_sharable(user, run):
        raise Http404("No demo run with this id.")
    DemoRun.objects.filter(pk=run.pk).update(share_token=None)
    run.share_token = None
    return run


def _enqueue(run: DemoRun, placement: Placement) -> None:
    from workers import tasks

    task = tasks.gpu_demo_run if placement.queue == GPU_QUEUE else tasks.demo_run
    try:
        task.apply_async(
            args=[run.pk],
            task_id=run.celery_task_id,
            queue=placement.queue,
            # The row holds the outcome; not subscribing to a Celery result
            # also keeps a down broker from stalling the request for seconds.
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
        logger.warning("demo run %s not queued: %s", run.pk, exc)
        DemoRun.objects.filter(pk=run.pk, status=Status.QUEUED).update(
            status=Status.FAILED,
            error=BROKER_DOWN_ERROR,
            progress_message="",
            finished_at=timezone.now(),
        )
        raise ServiceUnavailable(BROKER_DOWN_MESSAGE) from exc


# -- execution (in the worker) ------------------------------------------------


class Superseded(Exception):
    """A newer attempt claimed the run; this one stops and writes nothing."""


class _ProgressWriter:
    """Writes progress to the row at most every ``interval`` seconds."""

    def __init__(self, run_id: int, attempt: int, interval: float) -> None:
        self.run_id = run_id
        self.attempt = attempt
        self.interval = interval
        self.last = float("-inf")
        self.writes = 0

    def __call__(self, fraction: float, message: str) -> None:
        now = time.monotonic()
        if now - self.last < self.interval:
            return
        self.last = now
        fraction = min(max(float(fraction), 0.0), 1.0)
        self.writes += 1
        updated = DemoRun.objects.filter(
            pk=self.run_id, attempts=self.attempt, status=Status.RUNNING
        ).update(progress=fraction, progress_message=str(message)[:200])
        if not updated:
            raise Superseded(self.run_id)


def _claim(run_id: int, *, backend: str) -> tuple[DemoRun, int] | None:
    max_attempts = int(_setting("WORKERS_DEMO_MAX_ATTEMPTS", 3))
    with transaction.atomic():
        run = DemoRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.is_finished:
            return None
        now = timezone.now()
        if run.status == Status.RUNNING and run.attempts >= max_attempts:
            run.status = Status.FAILED
            run.error = (
                f"The worker running this demo stopped {run.attempts} times "
                "before it finished; try smaller parameters."
            )
            run.finished_at = now
            run.save(update_fields=["status", "error", "finished_at"])
            return None
        restarted = run.status == Status.RUNNING
        run.status = Status.RUNNING
        run.attempts += 1
        run.started_at = now
        run.progress = 0.0
        run.progress_message = (
            "restarted after its worker stopped" if restarted else "starting"
        )
        run.backend = backend
        run.save(
            update_fields=[
                "status",
                "attempts",
                "started_at",
                "progress",
                "progress_message",
                "backend",
            ]
        )
        return run, run.attempts


def _finish(run_id: int, attempt: int, **fields: Any) -> bool:
    fields.setdefault("finished_at", timezone.now())
    return bool(
        DemoRun.objects.filter(
            pk=run_id, attempts=attempt, status=Status.RUNNING
        ).update(**fields)
    )


def _is_out_of_memory(exc: BaseException) -> bool:
    name = type(exc).__name__
    text = str(exc).lower()
    return name == "OutOfMemoryError" or "out of memory" in text


def failure_message(exc: BaseException, *, on_gpu: bool) -> str:
    """One sentence a learner can act on, for an exception from a demo."""
    from celery.exceptions import SoftTimeLimitExceeded

    if isinstance(exc, SoftTimeLimitExceeded):
        limit = _setting("CELERY_TASK_SOFT_TIME_LIMIT", None)
        within = f" within the {limit} s limit" if limit else ""
        return (
            f"The demo did not finish{within} and was stopped; try smaller parameters."
        )
    if _is_out_of_memory(exc):
        where = "The GPU" if on_gpu else "The worker"
        return f"{where} ran out of memory running this demo; try smaller sizes."
    if isinstance(exc, DemoParamError):
        return "The demo could not run: " + "; ".join(
            f"{k}: {v}" for k, v in exc.errors.items()
        )
    return f"The demo failed: {type(exc).__name__}: {exc}"[:1000]


def demo_run_execute(
    demo_run_id: int,
    *,
    backend: str = "numpy",
    device: str | None = None,
) -> str:
    """Run a queued demo and store its result; safe to call more than once.

    Args:
        demo_run_id: The run's id.
        backend: ``"numpy"`` or ``"torch"``.
        device: torch device (``"cuda"``, ``"cpu"``) or None.

    Returns:
        What happened: ``"succeeded"``, ``"failed"``, ``"skipped"`` (already
        finished or gone), or ``"superseded"`` (a newer attempt took over).
    """
    from workers.demos._backend import resolve_target

    claim = _claim(demo_run_id, backend=backend)
    if claim is None:
        return "skipped"
    run, attempt = claim
    interval = float(_setting("WORKERS_DEMO_PROGRESS_INTERVAL", 0.5))
    writer = _ProgressWriter(run.pk, attempt, interval)
    on_gpu = backend == "torch" and device != "cpu"
    try:
        target = resolve_target(backend, device)
        on_gpu = target.is_cuda
        DemoRun.objects.filter(pk=run.pk, attempts=attempt).update(
            device=target.device, device_label=target.label
        )
        result = get_demo(run.demo).run(
            run.params, backend=target.backend, device=target.device, progress=writer
        )
    except Superseded:
        return "superseded"
    except Exception as exc:  # noqa: BLE001 - every failure is stored for the learner
        if not _is_out_of_memory(exc) and not isinstance(exc, DemoParamError):
            logger.exception("demo run %s failed", run.pk)
        stored = _finish(
            run.pk,
            attempt,
            status=Status.FAILED,
            error=failure_message(exc, on_gpu=on_gpu),
        )
        return "failed" if stored else "superseded"
    stored = _finish(
        run.pk,
        attempt,
        status=Status.SUCCEEDED,
        result=json_safe(result),
        progress=1.0,
        progress_message="done",
        device=str(result.get("device", target.device)),
        device_label=str(result.get("device_label", target.label)),
        error="",
    )
    return "succeeded" if stored else "superseded"


def demo_run_mark_failed(*, demo_run_id: int, error: str) -> bool:
    """Mark an unfinished run failed (hard time limit, lost worker)."""
    return bool(
        DemoRun.objects.filter(
            pk=demo_run_id, status__in=(Status.QUEUED, Status.RUNNING)
        ).update(status=Status.FAILED, error=error, finished_at=timezone.now())
    )


def demo_run_expire_stale(*, run: DemoRun) -> DemoRun:
    """Fail a run no worker will finish, so a page never waits forever.

    A run still ``running`` after the hard time limit plus a minute lost its
    worker without a redelivery (a killed worker's task comes back after the
    broker's visibility timeout, so the limit is at least that plus a
    minute); a run ``queued`` for
    ``WORKERS_DEMO_QUEUE_TIMEOUT`` (default 15 min) found no worker.
    """
    now = timezone.now()
    if run.status == Status.RUNNING and run.started_at:
        hard = int(_setting("CELERY_TASK_TIME_LIMIT", 180))
        options = _setting("CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {}
        redelivery = int(options.get("visibility_timeout", 0)) + 10
        limit = max(hard, redelivery) + 60
        if run.started_at < now - timedelta(seconds=limit):
            demo_run_mark_failed(
                demo_run_id=run.pk,
                error=(
                    "The worker running this demo stopped before it finished "
                    f"(nothing heard for over {limit} s); run it again."
                ),
            )
            run.refresh_from_db()
    elif run.status == Status.QUEUED:
        wait = int(_setting("WORKERS_DEMO_QUEUE_TIMEOUT", 15 * 60))
        if run.created_at < now - timedelta(seconds=wait):
            demo_run_mark_failed(
                demo_run_id=run.pk,
                error=f"No worker picked this run up within {wait // 60} minutes; "
                "run it again later.",
            )
            run.refresh_from_db()
    return run
