"""Celery tasks: thin wrappers that load by id, call a service, store the result.

Tasks whose name starts with ``gpu_`` are routed to the ``gpu`` queue and
``demo_run`` to the ``demos`` queue (``studysite/celery.py``); the rest run on
``default``. Torch is imported only inside GPU work.

Failure handling of demo runs:

- any exception inside a demo (including a CUDA out-of-memory error and the
  soft time limit) is caught by ``demo_run_execute``, which marks the run
  failed with a sentence for the learner; the task returns normally and the
  worker process carries on;
- the hard time limit kills the pool process; Celery then calls the task's
  ``on_failure`` in the worker's main process, which marks the run failed
  (`studysite.jobs.tasks.JobTask`, the base of every job's task);
- a worker killed mid-run does not acknowledge the message (``acks_late``,
  ``reject_on_worker_lost``), Celery delivers it again and the next attempt
  re-runs the demo.
"""

from __future__ import annotations

import logging
import os
import socket
import time

from celery import shared_task
from celery.exceptions import TimeLimitExceeded

from studysite.jobs.tasks import JobTask
from workers import dispatch  # noqa: F401 - registers the GPU probe and command

logger = logging.getLogger(__name__)


@shared_task(name="workers.tasks.ping")
def ping() -> dict[str, object]:
    """Prove the path from the web process through the broker to a worker."""
    return {"pong": True, "host": socket.gethostname(), "pid": os.getpid()}


@shared_task(name="workers.tasks.dispatch_probe")
def dispatch_probe(sent_at: float) -> dict[str, float]:
    """Return when the task started, to measure enqueue-to-start (benchmarks)."""
    return {"sent_at": sent_at, "started_at": time.time()}


class DemoRunTask(JobTask):
    """Marks the run failed when the hard time limit kills the task."""

    job_model = "workers.DemoRun"

    def failure_error(self, exc: BaseException) -> str:
        if isinstance(exc, TimeLimitExceeded):
            limit = self.app.conf.task_time_limit
            return (
                f"The demo was stopped at the hard time limit ({limit} s); "
                "try smaller parameters."
            )
        return f"The demo failed: {type(exc).__name__}: {exc}"[:1000]


@shared_task(name="workers.tasks.demo_run", base=DemoRunTask)
def demo_run(demo_run_id: int) -> dict[str, object]:
    """Run a demo on the CPU with the numpy backend (exact emulation)."""
    from workers.demo_execution import demo_run_execute

    outcome = demo_run_execute(demo_run_id, backend="numpy", device=None)
    return {"id": demo_run_id, "outcome": outcome, "host": socket.gethostname()}


@shared_task(name="workers.tasks.gpu_demo_run", base=DemoRunTask)
def gpu_demo_run(demo_run_id: int) -> dict[str, object]:
    """Run a demo with the torch backend on the worker's CUDA device.

    ``device=None`` lets torch pick CUDA, or its CPU if the GPU has gone since
    the run was dispatched (the device label then says so).
    """
    from workers.demo_execution import demo_run_execute

    try:
        outcome = demo_run_execute(demo_run_id, backend="torch", device=None)
    finally:
        _release_cuda_memory()
    return {"id": demo_run_id, "outcome": outcome, "host": socket.gethostname()}


def _release_cuda_memory() -> None:
    """Give cached blocks back after a run (after an OOM above all)."""
    try:
        import torch
    except ImportError:
        return
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


@shared_task(name="workers.tasks.demo_runs_expire_stale")
def demo_runs_expire_stale() -> dict[str, int]:
    """Fail runs no worker will finish (for a periodic schedule, optional)."""
    from workers.selectors import demo_runs_unfinished
    from workers.services import demo_run_expire_stale

    failed = 0
    for run in demo_runs_unfinished():
        if demo_run_expire_stale(run=run).status == run.Status.FAILED:
            failed += 1
    return {"failed": failed}


# --- the learner's scheduler -----------------------------------------------------

# A fit of 100k reviews takes a few seconds; these leave room for far more.
SCHEDULER_SOFT_TIME_LIMIT = 600
SCHEDULER_TIME_LIMIT = 660


class SchedulerFitTask(JobTask):
    """Marks the fit failed when the hard time limit kills it."""

    job_model = "workers.SchedulerFit"


class SchedulerSimulationTask(JobTask):
    """Marks the simulation failed when the hard time limit kills it."""

    job_model = "workers.SchedulerSimulation"


@shared_task(
    name="workers.tasks.scheduler_fit",
    base=SchedulerFitTask,
    soft_time_limit=SCHEDULER_SOFT_TIME_LIMIT,
    time_limit=SCHEDULER_TIME_LIMIT,
)
def scheduler_fit(fit_id: int) -> dict[str, object]:
    """Fit a learner's FSRS parameters (on demand, weekly, or by command)."""
    from workers.scheduler_services import scheduler_fit_execute

    return {"id": fit_id, "outcome": scheduler_fit_execute(fit_id)}


@shared_task(name="workers.tasks.scheduler_fits_weekly")
def scheduler_fits_weekly() -> dict[str, int]:
    """Celery beat, weekly: queue a fit per learner with enough new reviews."""
    from workers.scheduler_services import scheduler_fits_request_weekly

    return scheduler_fits_request_weekly()


@shared_task(
    name="workers.tasks.scheduler_simulation",
    base=SchedulerSimulationTask,
    soft_time_limit=SCHEDULER_SOFT_TIME_LIMIT,
    time_limit=SCHEDULER_TIME_LIMIT,
)
def scheduler_simulation(simulation_id: int) -> dict[str, object]:
    """Simulate a year for several desired retentions ("help me decide")."""
    from workers.simulation_services import scheduler_simulation_execute

    return {"id": simulation_id, "outcome": scheduler_simulation_execute(simulation_id)}
