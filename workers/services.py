"""Writes for demo runs: request (validate, reuse or enqueue) and execute.

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
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from studysite.api_errors import FieldError, ServiceUnavailable
from workers.demos import DemoParamError, get_demo, json_safe, matmul_throughput
from workers.dispatch import GPU_QUEUE, Placement, place
from workers.models import DemoRun
from workers.selectors import GPU_DEFAULTS

logger = logging.getLogger(__name__)

Status = DemoRun.Status

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


def demo_run_find_reusable(
    *, demo_name: str, digest: str, device_kind: str
) -> DemoRun | None:
    """The newest succeeded run of the same demo, params and device kind,
    finished within ``WORKERS_DEMO_REUSE_SECONDS`` (default 24 h)."""
    window = int(_setting("WORKERS_DEMO_REUSE_SECONDS", 24 * 3600))
    if window <= 0:
        return None
    since = timezone.now() - timedelta(seconds=window)
    return (
        DemoRun.objects.filter(
            demo=demo_name,
            params_hash=digest,
            device_kind=device_kind,
            status=Status.SUCCEEDED,
            finished_at__gte=since,
        )
        .order_by("-finished_at", "-id")
        .first()
    )


def demo_run_request(
    *,
    demo_name: str,
    params: Mapping[str, Any] | None,
    user: Any = None,
    fresh: bool = False,
) -> tuple[DemoRun, bool]:
    """Start a run of a demo, or return a recent identical result.

    Args:
        demo_name: The demo's slug.
        params: The learner's values; the rest take their defaults.
        user: Who asked (None for a system run).
        fresh: Run again even if a recent identical result exists.

    Returns:
        ``(run, reused)``: the run, and whether it is an earlier run reused.

    Raises:
        UnknownDemoError: Unknown demo (the API answers 404).
        FieldError: Bad parameters (400, fields ``params.<name>``).
        ServiceUnavailable: The broker did not take the task (503); the run
            row is kept and marked failed with ``BROKER_DOWN_ERROR``.
    """
    get_demo(demo_name)  # an unknown demo fails before any broker round trip
    placement = place(demo_name)
    clean = demo_params_clean(
        demo_name=demo_name, params=params, device_kind=placement.device_kind
    )
    digest = params_hash(clean)
    if not fresh:
        earlier = demo_run_find_reusable(
            demo_name=demo_name, digest=digest, device_kind=placement.device_kind
        )
        if earlier is not None:
            return earlier, True
    run = DemoRun.objects.create(
        demo=demo_name,
        params=json_safe(clean),
        params_hash=digest,
        device_kind=placement.device_kind,
        queue=placement.queue,
        backend=placement.backend,
        requested_by=user if getattr(user, "is_authenticated", False) else None,
        celery_task_id=str(uuid.uuid4()),
        progress_message="waiting for a worker",
    )
    _enqueue(run, placement)
    run.refresh_from_db()
    return run, False


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
