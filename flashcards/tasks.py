"""Celery tasks of the flashcards app (thin: ids in, a service, JSON out)."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from django.db import OperationalError

from flashcards import interop


@shared_task(
    name="flashcards.import_run",
    bind=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def import_run(self: Task, job_id: int) -> dict[str, Any]:
    """Run import job ``job_id`` (all or nothing); a finished job is left alone,
    and so is a job whose current message is another one (it was retried)."""
    job = interop.import_job_run(job_id=job_id, task_id=self.request.id)
    return {
        "job": job.pk,
        "state": job.state,
        "deck": job.deck_id,
        "result": job.result,
        "error": job.error,
    }
