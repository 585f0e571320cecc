"""Celery tasks of the flashcards app (thin: ids in, a service, JSON out)."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from celery.exceptions import TimeLimitExceeded

from studysite.jobs.tasks import JobTask


class ImportRunTask(JobTask):
    """Marks the import failed when the task dies (the hard time limit, the
    database retries run out); the import itself fails on any error it meets."""

    job_model = "flashcards.ImportJob"

    def failure_error(self, exc: BaseException) -> str:
        if isinstance(exc, TimeLimitExceeded):
            return (
                "Nothing was imported: the import was stopped at the time limit "
                f"({self.time_limit_s()} s)."
            )
        return f"Nothing was imported: an unexpected error ({type(exc).__name__})."


@shared_task(name="flashcards.import_run", bind=True, base=ImportRunTask)
def import_run(self: Task, job_id: int) -> dict[str, Any]:
    """Run import job ``job_id`` (all or nothing); a finished job is left alone,
    and so is a job whose current message is another one (it was retried)."""
    from flashcards.interop import import_job_run

    job = import_job_run(job_id=job_id, task_id=self.request.id)
    return {
        "job": job.pk,
        "state": job.status,
        "deck": job.deck_id,
        "result": job.result,
        "error": job.error,
    }
