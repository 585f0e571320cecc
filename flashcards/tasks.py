"""Celery tasks of the flashcards app (thin: ids in, a service, JSON out)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import OperationalError

from flashcards import interop


@shared_task(
    name="flashcards.import_run",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def import_run(job_id: int) -> dict[str, Any]:
    """Run import job ``job_id`` (all or nothing); a finished job is left alone."""
    job = interop.import_job_run(job_id=job_id)
    return {
        "job": job.pk,
        "state": job.state,
        "deck": job.deck_id,
        "result": job.result,
        "error": job.error,
    }
