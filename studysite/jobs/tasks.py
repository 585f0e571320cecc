"""`JobTask`: the Celery base class of every background job's task."""

from __future__ import annotations

import logging
from typing import Any

from celery import Task
from celery.exceptions import TimeLimitExceeded
from django.apps import apps
from django.db import OperationalError

from studysite.jobs import services

logger = logging.getLogger(__name__)


class JobTask(Task):  # type: ignore[misc]  # celery ships no types
    """A task whose first argument is a job's id.

    The shared retry policy: a database that is briefly away
    (``OperationalError``) retries the task with backoff, three times; the
    message is acknowledged late and comes back if its worker is lost
    (``CELERY_TASK_ACKS_LATE``, ``CELERY_TASK_REJECT_ON_WORKER_LOST``), and
    the lifecycle's ``claim`` makes the second delivery safe. When the task
    dies anyway (the hard time limit kills it, the retries run out) the job
    is marked failed in the worker's main process with `failure_error`.

    Subclasses name their model (``job_model = "workers.DemoRun"``) and may
    say the failure in their own words.
    """

    job_model = ""
    autoretry_for = (OperationalError,)
    retry_backoff = True
    max_retries = 3

    def job(self, job_id: int) -> Any:
        """The job's row, reloaded by id (None when it is gone)."""
        return self.model().objects.filter(pk=job_id).first()

    def job_id_of(self, args: Any, kwargs: Any) -> Any:
        """The job's id among the task's arguments (the first, by default)."""
        return args[0] if args else kwargs.get("job_id")

    def model(self) -> type[Any]:
        return apps.get_model(self.job_model)

    def failure_error(self, exc: BaseException) -> str:
        if isinstance(exc, TimeLimitExceeded):
            return f"Stopped at the time limit ({self.time_limit_s()} s)."
        return f"Failed: {type(exc).__name__}: {exc}"[:1000]

    def time_limit_s(self) -> Any:
        return self.time_limit or self.app.conf.task_time_limit

    def on_failure(
        self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any
    ) -> None:
        job_id = self.job_id_of(args, kwargs)
        if job_id is None or not self.job_model:
            return
        try:
            services.mark_failed(self.model(), int(job_id), self.failure_error(exc))
        except Exception:  # noqa: BLE001 - never let bookkeeping kill the worker
            logger.exception("could not mark %s %s failed", self.name, job_id)
