"""The import job: an upload recorded, a CSV's column mapping, queueing (and
queueing again), and the worker's run, on the `studysite.jobs` lifecycle.

`import_job_create` checks the upload (size, kind, and for CSV the encoding
and a preview of the first rows), a CSV waits for its column mapping
(`import_job_map`), and `import_job_start` queues the Celery task
(`flashcards.tasks.import_run`, through `studysite.jobs.enqueue`), which calls
`import_job_run`. When the broker does not take the task the request is
`errors.Unavailable` (a 503 naming the queue) and the job is kept, ``failed``
with phase ``not_queued``; its owner queues it again with `import_job_retry`
(as they may a job left ``pending`` past ``FLASHCARDS_IMPORT_QUEUE_TIMEOUT``).
Each queueing gets a fresh task id, and only the job's current message runs it.

`import_job_run` claims the job, reads and checks everything first
(`flashcards.interop.reading`; progress is reported on the row as notes are
read), then writes the deck, its notes, cards, images and review history
(`flashcards.interop.writing`) and the outcome in **one transaction**: any
error marks the job failed with a message for the user and leaves nothing
behind.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from flashcards import anki, csvio, selectors
from flashcards.interop.reading import ImportFailed, Plan, read_apkg, read_csv
from flashcards.interop.uploads import (
    max_import_bytes,
    max_uncompressed_bytes,
    too_large,
)
from flashcards.interop.writing import plan_write
from flashcards.models import ImportJob
from studysite import errors
from studysite.jobs import services as jobs
from studysite.models import User

NOT_QUEUED = "not_queued"
NOT_QUEUED_ERROR = (
    "The import could not be queued: the task queue (Redis) did not answer. "
    "Nothing is lost (the file and the mapping are kept); retry it."
)
EXHAUSTED_ERROR = (
    "Nothing was imported: the worker stopped {attempts} times before it finished."
)
DEFAULT_QUEUE_TIMEOUT = 15 * 60


# --- an upload and its mapping --------------------------------------------------


def _kind_of(filename: str) -> str:
    lower = filename.lower()
    if lower.endswith((".apkg", ".colpkg")):
        return ImportJob.Kind.APKG
    if lower.endswith((".csv", ".tsv", ".txt", ".tab")):
        return ImportJob.Kind.CSV
    raise errors.Invalid(
        {
            "file": "Upload an Anki package (.apkg or .colpkg) or a CSV/TSV file (.csv, .tsv, "
            ".txt)."
        }
    )


def import_job_create(
    *, owner: User, filename: str, data: bytes, deck_id: int | None = None
) -> ImportJob:
    """Check an upload and record it; a CSV waits for its column mapping.

    ``deck_id``: import into this deck of the owner's (else a new deck, or the
    deck an earlier import of the same notes made: `writing.plan_write`).

    Raises:
        errors.Invalid: ``file``: too large, empty, not a zip, unreadable CSV...
        errors.NotFound, errors.Forbidden: ``deck_id`` is not the owner's to
            change (another's, or a lesson's generated deck).
    """
    into = (
        selectors.deck_get_owned(learner=owner, deck_id=deck_id)
        if deck_id is not None
        else None
    )
    limit = max_import_bytes()
    if len(data) > limit:
        raise too_large(len(data), limit)
    if not data:
        raise errors.Invalid({"file": "The file is empty."})
    kind = _kind_of(filename)
    job = ImportJob(
        owner=owner,
        kind=kind,
        filename=filename[-200:],
        size=len(data),
        data=data,
        deck=into,
    )
    if kind == ImportJob.Kind.APKG:
        try:
            anki.collection_name(
                anki.check_zip(data, max_uncompressed=max_uncompressed_bytes())
            )
        except anki.AnkiError as exc:
            raise errors.Invalid({"file": str(exc)}) from None
        job.status = ImportJob.Status.QUEUED
    else:
        try:
            shown = csvio.preview(data, filename)
        except csvio.CsvError as exc:
            raise errors.Invalid({"file": str(exc)}) from None
        job.status = ImportJob.Status.MAPPING
        job.preview = shown.rows
        job.options = {
            "delimiter": shown.delimiter,
            "header": shown.header,
            "columns": shown.guessed,
            "width": shown.columns,
            "default_type": "basic",
            "anki": shown.anki,
        }
    job.save()
    return job


def import_job_map(
    *,
    job: ImportJob,
    columns: Mapping[str, Any],
    header: bool,
    default_type: str = "basic",
) -> ImportJob:
    """Set a CSV job's column mapping (role -> column index, 0-based).

    Raises:
        errors.Invalid: ``columns`` or ``default_type`` invalid, or not a CSV
            waiting for its mapping (``job``).
    """
    if job.kind != ImportJob.Kind.CSV or job.status != ImportJob.Status.MAPPING:
        raise errors.Invalid(
            {"job": "This import is not waiting for a column mapping."}
        )
    if default_type not in csvio.NOTE_TYPES:
        raise errors.Invalid(
            {"default_type": f"Must be one of {list(csvio.NOTE_TYPES)}."}
        )
    try:
        clean = csvio.check_mapping(columns, job.options.get("width", 0))
    except csvio.CsvError as exc:
        raise errors.Invalid({"columns": str(exc)}) from None
    job.options = {
        **job.options,
        "columns": clean,
        "header": bool(header),
        "default_type": default_type,
    }
    job.status = ImportJob.Status.QUEUED
    job.save(update_fields=["options", "status"])
    return job


def import_job_get(*, owner: User, job_id: int) -> ImportJob:
    """The owner's import, without its file (reads only).

    Raises:
        errors.NotFound: No such import of ``owner``'s.
    """
    job = ImportJob.objects.filter(pk=job_id, owner=owner).defer("data").first()
    if job is None:
        raise errors.NotFound()
    return job


# --- queueing ---------------------------------------------------------------------


def _not_queued_message(job: ImportJob) -> str:
    return (
        "The import queue is unavailable right now, so the import was not "
        f"started; import {job.pk} is kept with its file and mapping: retry it in "
        f"a minute (POST /api/v1/imports/{job.pk}/retry/ or the Retry button on "
        "its page)."
    )


def queue_timeout() -> int:
    """Seconds a job may wait in ``pending`` before its owner may queue it again."""
    return int(
        getattr(settings, "FLASHCARDS_IMPORT_QUEUE_TIMEOUT", DEFAULT_QUEUE_TIMEOUT)
    )


def import_job_not_queued(job: ImportJob) -> bool:
    """The job was refused by the broker (failed, nothing done, retryable)."""
    return job.status == ImportJob.Status.FAILED and job.phase == NOT_QUEUED


def _queued_at(job: ImportJob) -> datetime:
    stamp = (job.options or {}).get("queued_at")
    if isinstance(stamp, str):
        try:
            return datetime.fromisoformat(stamp)
        except ValueError:
            pass
    return job.created_at


def import_job_stuck(job: ImportJob, *, now: datetime | None = None) -> bool:
    """Pending for longer than `queue_timeout` without a worker starting it
    (its message was lost, or it was queued by a version that lost it)."""
    if job.status != ImportJob.Status.QUEUED or job.started_at is not None:
        return False
    now = now or timezone.now()
    return _queued_at(job) < now - timedelta(seconds=queue_timeout())


def import_job_retryable(job: ImportJob) -> bool:
    """The owner may queue the job again: it was not queued, or it is stuck."""
    return import_job_not_queued(job) or import_job_stuck(job)


def _fresh_queueing(job: ImportJob) -> dict[str, Any]:
    """A new task id and queueing time, to write with the claim that uses them."""
    return {
        "task_id": str(uuid.uuid4()),
        "options": {**(job.options or {}), "queued_at": timezone.now().isoformat()},
    }


def _send(job: ImportJob) -> ImportJob:
    """Hand a pending job to the broker under its (fresh) ``task_id``.

    The job's ``task_id`` is the only message that may run it
    (`import_job_run` skips any other), so a message that was thought lost
    and turns up after a retry imports nothing twice.

    Raises:
        errors.Unavailable: The broker did not take the task; the job is
            marked failed with phase ``not_queued`` (retryable).
    """
    from flashcards.tasks import import_run

    jobs.enqueue(
        job,
        import_run,
        job.pk,
        error=NOT_QUEUED_ERROR,
        message=_not_queued_message(job),
        failed_fields={"phase": NOT_QUEUED},
    )
    job.refresh_from_db()
    return job


def import_job_start(*, job: ImportJob) -> ImportJob:
    """Queue the import task for a pending job.

    Outside a transaction (the views run in autocommit) the task is sent at
    once, so that a broker that is down is a 503 for this request, never a
    job left ``pending`` with nothing queued.

    Raises:
        errors.Invalid: ``job``: not pending.
        errors.Unavailable: The broker is down; the job is kept, marked not
            queued, and may be retried (`import_job_retry`).
    """
    queueing = _fresh_queueing(job)
    if job.status != ImportJob.Status.QUEUED or not ImportJob.objects.filter(
        pk=job.pk, status=ImportJob.Status.QUEUED, started_at__isnull=True
    ).update(**queueing):
        raise errors.Invalid(
            {"job": f"This import is {job.get_status_display().lower()}."}
        )
    for name, value in queueing.items():
        setattr(job, name, value)
    return _send(job)


def import_job_retry(*, job: ImportJob) -> ImportJob:
    """Queue again a job that could not be queued, or that is stuck pending.

    Raises:
        errors.Conflict: The job is mapping, running, done or failed for
            another reason (its error says why), or pending and not stuck yet.
        errors.Unavailable: The broker is still down (the job stays retryable).
    """
    if not import_job_retryable(job):
        if job.status == ImportJob.Status.QUEUED:
            raise errors.Conflict(
                "This import is queued and waiting for a worker; it can be "
                f"retried if no worker starts it within {queue_timeout() // 60} "
                "minutes."
            )
        raise errors.Conflict(
            f"This import is {job.get_status_display().lower()}; only an import "
            "that could not be queued can be retried."
        )
    reset = {
        "status": ImportJob.Status.QUEUED,
        "phase": "",
        "error": "",
        "finished_at": None,
        **_fresh_queueing(job),
    }
    if import_job_not_queued(job):
        claimed = ImportJob.objects.filter(
            pk=job.pk, status=ImportJob.Status.FAILED, phase=NOT_QUEUED
        ).update(**reset)
    else:
        claimed = ImportJob.objects.filter(
            pk=job.pk,
            status=ImportJob.Status.QUEUED,
            started_at__isnull=True,
            task_id=job.task_id,
        ).update(**reset)
    if not claimed:
        raise errors.Conflict("This import changed at the same time; reload it.")
    for name, value in reset.items():
        setattr(job, name, value)
    return _send(job)


# --- the worker's run -------------------------------------------------------------


def _read(job: ImportJob, attempt: int) -> Plan:
    if job.kind != ImportJob.Kind.APKG:
        return read_csv(bytes(job.data), filename=job.filename, options=job.options)

    def progress(done: int, total: int) -> None:
        fraction = done / total if total else 0.0
        message = f"reading note {done} of {total}"
        jobs.progress(
            ImportJob, job.pk, attempt, fraction, message, done=done, total=total
        )

    return read_apkg(bytes(job.data), filename=job.filename, progress=progress)


def import_job_run(*, job_id: int, task_id: str | None = None) -> ImportJob:
    """Run an import (the task's body); see the module docstring.

    ``task_id`` is the message's id: a message other than the job's current
    one (superseded by a retry) does nothing; a redelivery of the current
    one (its worker was lost) runs the job again as a new attempt, which is
    safe because the write and the outcome are one transaction. ``None`` (a
    direct call) skips that check.
    """
    claimed = jobs.claim(
        ImportJob,
        job_id,
        task_id=task_id,
        exhausted_error=EXHAUSTED_ERROR,
        fields={"phase": "reading"},
    )
    if claimed is None:  # finished, superseded by a retry, or not queued
        return ImportJob.objects.get(pk=job_id)
    job: ImportJob = claimed[0]
    attempt = claimed[1]
    try:
        plan = _read(job, attempt)
        count = len(plan.notes)
        jobs.progress(
            ImportJob,
            job.pk,
            attempt,
            1.0,
            "writing",
            phase="writing",
            total=count,
            done=count,
        )
        with transaction.atomic():
            deck, counts = plan_write(owner=job.owner, plan=plan, into=job.deck)
            if not jobs.finish(
                ImportJob,
                job.pk,
                attempt,
                deck=deck,
                phase="",
                warnings=plan.warnings,
                result={
                    **counts,
                    "skipped": plan.skipped_count,
                    "skipped_notes": plan.skipped,
                },
            ):
                raise jobs.Superseded(job.pk)  # a newer attempt: write nothing
    except jobs.Superseded:
        pass
    except (ImportFailed, anki.AnkiError, csvio.CsvError) as exc:
        jobs.fail(ImportJob, job.pk, attempt, f"Nothing was imported. {exc}", phase="")
    except Exception as exc:
        error = f"Nothing was imported: an unexpected error ({type(exc).__name__})."
        jobs.fail(ImportJob, job.pk, attempt, error, phase="")
        raise
    job.refresh_from_db()
    return job
