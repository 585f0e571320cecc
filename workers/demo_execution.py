"""Running a queued demo in the worker and storing its outcome.

`demo_run_execute` is safe to call more than once: it claims the run through
`studysite.jobs.services.claim` (a finished run is never redone; a run left
``running`` by a killed worker is claimed again with ``attempts`` one
higher, at most ``WORKERS_DEMO_MAX_ATTEMPTS`` times), and only the newest
attempt may write progress or the result, so a task delivered twice stores
one result, whichever delivery finishes.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings

from studysite.jobs import services as jobs
from workers.demos import DemoParamError, get_demo, json_safe
from workers.models import DemoRun

logger = logging.getLogger(__name__)

Status = DemoRun.Status


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


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
        self.writes += 1
        jobs.progress(DemoRun, self.run_id, self.attempt, fraction, message)


def _claim(run_id: int, *, backend: str) -> tuple[DemoRun, int] | None:
    return jobs.claim(
        DemoRun,
        run_id,
        max_attempts=int(_setting("WORKERS_DEMO_MAX_ATTEMPTS", 3)),
        exhausted_error=(
            "The worker running this demo stopped {attempts} times before it "
            "finished; try smaller parameters."
        ),
        restart_message="restarted after its worker stopped",
        fields={"backend": backend},
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
    except jobs.Superseded:
        return "superseded"
    except Exception as exc:  # noqa: BLE001 - every failure is stored for the learner
        if not _is_out_of_memory(exc) and not isinstance(exc, DemoParamError):
            logger.exception("demo run %s failed", run.pk)
        stored = jobs.fail(
            DemoRun, run.pk, attempt, failure_message(exc, on_gpu=on_gpu)
        )
        return "failed" if stored else "superseded"
    stored = jobs.finish(
        DemoRun,
        run.pk,
        attempt,
        result=json_safe(result),
        device=str(result.get("device", target.device)),
        device_label=str(result.get("device_label", target.label)),
        error="",
    )
    return "succeeded" if stored else "superseded"
