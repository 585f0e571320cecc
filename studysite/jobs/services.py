"""The lifecycle of a background job, the same for every kind.

    enqueue  the web process sends the task once the row is committed
    claim    a worker takes the job: one attempt per delivery
    progress the current attempt reports how far it got
    finish   the current attempt stores success
    fail     the current attempt stores failure
    mark_failed / expire_stale  a job no worker will finish is failed

Redelivery is safe: ``claim`` skips a finished job (and, given the delivery's
task id, a job whose current message is another one), a job left ``running``
by a lost worker is claimed again with ``attempts`` one higher, and every
write of a worker filters on its attempt, so only the newest attempt writes
(`Superseded` stops an older one).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from studysite import errors
from studysite.jobs.models import BackgroundJob

logger = logging.getLogger(__name__)

#: What a broker that is down raises from ``apply_async``.
BROKER_ERRORS = (KombuOperationalError, ConnectionError, OSError)
#: Publishing retries: a broker that is down answers the request in under a second.
PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
DEFAULT_MAX_ATTEMPTS = 3


class Superseded(Exception):
    """A newer attempt claimed the job; this one stops and writes nothing."""


def _in_transaction(using: str | None) -> bool:
    # A test case's own atomic blocks are no transaction the caller opened
    # (Django's durable check reads the same flag): there, send at once, as
    # production does in autocommit.
    connection = transaction.get_connection(using)
    return any(
        not getattr(block, "_from_testcase", False)
        for block in connection.atomic_blocks
    )


def enqueue(
    job: Any,
    task: Any,
    *args: Any,
    error: str | Callable[[BaseException], str],
    message: str,
    failed_fields: Mapping[str, Any] | None = None,
    **options: Any,
) -> None:
    """Send ``task(*args)`` under ``job.task_id`` once the job's row is committed.

    Outside a transaction (a view in autocommit) the task is sent at once, so
    a broker that is down is this request's answer; inside one it is sent on
    commit.

    Args:
        job: The job's row, saved, with its ``task_id`` set.
        task: The Celery task.
        error: Stored on the job when the broker does not take the task (or
            made from the exception).
        message: The `errors.Unavailable` message for the caller.
        failed_fields: More fields to write on the failed job.
        options: More ``apply_async`` options (``queue``).

    Raises:
        errors.Unavailable: The broker did not take the task; the job is kept,
            marked failed with ``error``.
    """
    model = type(job)
    task_id = job.task_id

    def send() -> None:
        try:
            task.apply_async(
                args=list(args),
                task_id=task_id,
                # The row holds the outcome; not subscribing to a Celery result
                # also keeps a down broker from stalling the request for seconds.
                ignore_result=True,
                retry=True,
                retry_policy=PUBLISH_RETRY_POLICY,
                **options,
            )
        except BROKER_ERRORS as exc:
            logger.warning("%s %s not queued: %s", model.__name__, job.pk, exc)
            model.objects.filter(
                pk=job.pk, status=model.Status.QUEUED, task_id=task_id
            ).update(
                status=model.Status.FAILED,
                error=error(exc) if callable(error) else error,
                progress_message="",
                finished_at=timezone.now(),
                **(failed_fields or {}),
            )
            raise errors.Unavailable(message) from exc

    if _in_transaction(job._state.db):
        transaction.on_commit(send, using=job._state.db)
    else:
        send()


def claim(
    model: type[Any],
    job_id: int,
    *,
    task_id: str | None = None,
    max_attempts: int | None = DEFAULT_MAX_ATTEMPTS,
    exhausted_error: str = "The worker stopped {attempts} times before it finished.",
    restart_message: str = "starting",
    fields: Mapping[str, Any] | None = None,
) -> tuple[Any, int] | None:
    """Take the job for this delivery: ``(job, attempt)``, or None to skip it.

    None when the job is gone or finished (a duplicate delivery), when
    ``task_id`` (the delivery's) is not the job's current message (it was
    queued again since), or when a job left running has already been
    claimed ``max_attempts`` times (then it is failed with ``exhausted_error``,
    formatted with ``attempts``).

    Args:
        fields: More fields to write with the claim (``backend``, ``phase``).
    """
    Status = model.Status
    with transaction.atomic():
        job = model.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status not in (Status.QUEUED, Status.RUNNING):
            return None  # gone, finished, or not queued yet (a CSV's mapping)
        if task_id is not None and job.task_id not in ("", task_id):
            return None
        now = timezone.now()
        if (
            job.status == Status.RUNNING
            and max_attempts is not None
            and job.attempts >= max_attempts
        ):
            job.status, job.finished_at = Status.FAILED, now
            job.error = exhausted_error.format(attempts=job.attempts)
            job.save(update_fields=["status", "finished_at", "error"])
            return None
        restarted = job.status == Status.RUNNING
        job.status = Status.RUNNING
        job.attempts += 1
        job.started_at = now
        job.progress = 0.0
        job.progress_message = restart_message if restarted else "starting"
        for name, value in (fields or {}).items():
            setattr(job, name, value)
        job.save(
            update_fields=[
                "status",
                "attempts",
                "started_at",
                "progress",
                "progress_message",
                *(fields or {}),
            ]
        )
        return job, job.attempts


def _current(model: type[Any], job_id: int, attempt: int) -> Any:
    return model.objects.filter(
        pk=job_id, attempts=attempt, status=model.Status.RUNNING
    )


def progress(
    model: type[Any],
    job_id: int,
    attempt: int,
    fraction: float,
    message: str,
    **fields: Any,
) -> None:
    """Store how far the current attempt got (``fraction`` is clamped to 0..1).

    Raises:
        Superseded: A newer attempt claimed the job, or it was failed meanwhile.
    """
    updated = _current(model, job_id, attempt).update(
        progress=min(max(float(fraction), 0.0), 1.0),
        progress_message=str(message)[:200],
        **fields,
    )
    if not updated:
        raise Superseded(job_id)


def update(model: type[Any], job_id: int, attempt: int, **fields: Any) -> bool:
    """Write fields of the current attempt's job; False if it is not current."""
    return bool(_current(model, job_id, attempt).update(**fields))


def finish(
    model: type[Any], job_id: int, attempt: int, *, message: str = "done", **fields: Any
) -> bool:
    """Store success for the current attempt; False if a newer one took over."""
    fields.setdefault("finished_at", timezone.now())
    return update(
        model,
        job_id,
        attempt,
        status=model.Status.SUCCEEDED,
        progress=1.0,
        progress_message=message,
        **fields,
    )


def fail(
    model: type[Any], job_id: int, attempt: int, error: str, **fields: Any
) -> bool:
    """Store failure for the current attempt; False if a newer one took over."""
    fields.setdefault("finished_at", timezone.now())
    return update(
        model, job_id, attempt, status=model.Status.FAILED, error=error, **fields
    )


def mark_failed(model: type[Any], job_id: int, error: str, **fields: Any) -> bool:
    """Fail a job that is not finished, whichever attempt holds it (a task
    killed at its hard time limit, a lost worker)."""
    Status = model.Status
    return bool(
        model.objects.filter(
            pk=job_id, status__in=(Status.QUEUED, Status.RUNNING)
        ).update(
            status=Status.FAILED, error=error, finished_at=timezone.now(), **fields
        )
    )


Job = TypeVar("Job", bound=BackgroundJob)


def expire_stale(
    job: Job,
    *,
    running_for: int,
    queued_for: int,
    running_error: str,
    queued_error: str,
) -> Job:
    """Fail a job no worker will finish, so that a page never waits forever.

    A job ``running`` for more than ``running_for`` seconds lost its worker
    without a redelivery; one ``queued`` for more than ``queued_for`` found no
    worker. Returns the job, reloaded when it changed. A service: callers
    (services, views, APIs) call it; selectors only read.
    """
    now = timezone.now()
    Status = type(job).Status
    if job.status == Status.RUNNING and job.started_at:
        if job.started_at < now - timedelta(seconds=running_for):
            mark_failed(type(job), job.pk, running_error)
            job.refresh_from_db()
    elif job.status == Status.QUEUED and job.created_at < now - timedelta(
        seconds=queued_for
    ):
        mark_failed(type(job), job.pk, queued_error)
        job.refresh_from_db()
    return job
