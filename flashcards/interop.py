"""Import and export of decks: Anki ``.apkg`` and CSV/TSV (writes and reads).

An import is an `ImportJob` row: `import_job_create` checks the upload (size,
kind, and for CSV the encoding and a preview of the first rows), a CSV waits
for its column mapping (`import_job_map`), and `import_job_start` queues the
Celery task (`flashcards.tasks.import_run`), which calls `import_job_run`.
When the broker does not take the task the request is a 503 naming the queue
and the job is kept, ``failed`` with phase ``not_queued``; its owner queues
it again with `import_job_retry` (as they may a job left ``pending`` past
``FLASHCARDS_IMPORT_QUEUE_TIMEOUT``). Each queueing gets a fresh task id, and
only the job's current message runs it.

`import_job_run` reads and checks everything first (progress is reported on
the row as notes are read), then writes the deck, its notes, cards, images
and review history in **one transaction**: any error marks the job failed
with a message for the user and leaves nothing behind. Fields with unsafe
HTML (script, event handlers, ``javascript:`` links...) are cleaned and
reported; everything is sanitized again when shown.
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from flashcards import anki, content, csvio, media, services
from flashcards.models import Card, CardMemory, Deck, ImportJob, MediaFile, Note
from flashcards.scheduling import Rating
from flashcards.selectors import fresh_rng
from lessons.rendering import sanitize_html
from studysite.api_errors import Conflict, FieldError, ServiceUnavailable
from studysite.models import User

logger = logging.getLogger(__name__)
DEFAULT_MAX_IMPORT_BYTES = 20 * 1024 * 1024
IMPORT_NAMESPACE = uuid.UUID("0c5b7f0e-8f55-4a4e-9d8e-3c1f3a7e2b61")
MAX_ERRORS_SHOWN = 20
UNSAFE = re.compile(
    r"<\s*/?\s*(script|iframe|object|embed|style|link|meta|base|form|svg|math|frame"
    r"|frameset|applet|template|noscript)\b|\bon[a-z]+\s*=|(java|vb)script\s*:"
    r"|data\s*:\s*text/html|srcdoc\s*=|expression\s*\(",
    re.IGNORECASE,
)


def max_import_bytes() -> int:
    return getattr(settings, "FLASHCARDS_IMPORT_MAX_BYTES", DEFAULT_MAX_IMPORT_BYTES)


def max_uncompressed_bytes() -> int:
    return getattr(
        settings,
        "FLASHCARDS_IMPORT_MAX_UNCOMPRESSED_BYTES",
        anki.DEFAULT_MAX_UNCOMPRESSED,
    )


def max_image_bytes() -> int:
    return getattr(
        settings, "FLASHCARDS_MAX_IMAGE_BYTES", media.DEFAULT_MAX_IMAGE_BYTES
    )


def too_large(size: int, limit: int, noun: str = "file") -> FieldError:
    return FieldError(
        {"file": f"The {noun} is {size:,} bytes; at most {limit:,} are allowed."}
    )


def read_upload(upload: Any, *, limit: int, noun: str = "file") -> bytes:
    """An upload's bytes, refused (``FieldError`` on ``file``) before reading
    when it is larger than ``limit``."""
    if upload.size > limit:
        raise too_large(upload.size, limit, noun)
    return upload.read()


class ImportFailed(ValueError):
    """An import that cannot go through; the message is for the user."""


# --- media ----------------------------------------------------------------------


def media_create(*, owner: User | None, name: str, data: bytes) -> MediaFile:
    """Store an image (verified by its bytes); the same bytes are one row.

    Raises:
        FieldError: ``file``: empty, too large, or not PNG/JPEG/GIF/WebP.
    """
    try:
        kind = media.check_image(data, max_bytes=max_image_bytes())
    except media.MediaError as exc:
        raise FieldError({"file": str(exc)}) from None
    digest = hashlib.sha256(data).hexdigest()
    found = MediaFile.objects.filter(sha256=digest).first()
    if found is not None:
        return found
    clean_name = re.sub(r"[^\w.\-]+", "_", name or "image")[-200:] or "image"
    return MediaFile.objects.create(
        owner=owner,
        sha256=digest,
        name=clean_name,
        content_type=kind,
        size=len(data),
        data=data,
    )


# --- jobs -------------------------------------------------------------------------


def _kind_of(filename: str) -> str:
    lower = filename.lower()
    if lower.endswith((".apkg", ".colpkg")):
        return ImportJob.Kind.APKG
    if lower.endswith((".csv", ".tsv", ".txt", ".tab")):
        return ImportJob.Kind.CSV
    raise FieldError(
        {"file": "Upload an Anki package (.apkg) or a CSV/TSV file (.csv, .tsv, .txt)."}
    )


def import_job_create(*, owner: User, filename: str, data: bytes) -> ImportJob:
    """Check an upload and record it; a CSV waits for its column mapping.

    Raises:
        FieldError: ``file``: too large, empty, not a zip, unreadable CSV...
    """
    limit = max_import_bytes()
    if len(data) > limit:
        raise too_large(len(data), limit)
    if not data:
        raise FieldError({"file": "The file is empty."})
    kind = _kind_of(filename)
    job = ImportJob(
        owner=owner, kind=kind, filename=filename[-200:], size=len(data), data=data
    )
    if kind == ImportJob.Kind.APKG:
        try:
            anki.collection_name(
                anki.check_zip(data, max_uncompressed=max_uncompressed_bytes())
            )
        except anki.AnkiError as exc:
            raise FieldError({"file": str(exc)}) from None
        job.state = ImportJob.State.PENDING
    else:
        try:
            shown = csvio.preview(data, filename)
        except csvio.CsvError as exc:
            raise FieldError({"file": str(exc)}) from None
        job.state = ImportJob.State.MAPPING
        job.preview = shown.rows
        job.options = {
            "delimiter": shown.delimiter,
            "header": shown.header,
            "columns": shown.guessed,
            "width": shown.columns,
            "default_type": "basic",
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
        FieldError: ``columns`` or ``default_type`` invalid, or not a CSV
            waiting for its mapping.
    """
    if job.kind != ImportJob.Kind.CSV or job.state != ImportJob.State.MAPPING:
        raise FieldError({"job": "This import is not waiting for a column mapping."})
    if default_type not in csvio.NOTE_TYPES:
        raise FieldError({"default_type": f"Must be one of {list(csvio.NOTE_TYPES)}."})
    try:
        clean = csvio.check_mapping(columns, job.options.get("width", 0))
    except csvio.CsvError as exc:
        raise FieldError({"columns": str(exc)}) from None
    job.options = {
        **job.options,
        "columns": clean,
        "header": bool(header),
        "default_type": default_type,
    }
    job.state = ImportJob.State.PENDING
    job.save(update_fields=["options", "state"])
    return job


NOT_QUEUED = "not_queued"
NOT_QUEUED_ERROR = (
    "The import could not be queued: the task queue (Redis) did not answer. "
    "Nothing is lost (the file and the mapping are kept); retry it."
)
DEFAULT_QUEUE_TIMEOUT = 15 * 60


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
    return job.state == ImportJob.State.FAILED and job.phase == NOT_QUEUED


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
    if job.state != ImportJob.State.PENDING or job.started_at is not None:
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
        ServiceUnavailable: The broker did not take the task; the job is
            marked failed with phase ``not_queued`` (retryable).
    """
    from flashcards.tasks import import_run

    task_id = job.task_id
    try:
        import_run.apply_async(
            args=[job.pk],
            task_id=task_id,
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
        logger.warning("import %s not queued: %s", job.pk, exc)
        ImportJob.objects.filter(
            pk=job.pk, state=ImportJob.State.PENDING, task_id=task_id
        ).update(
            state=ImportJob.State.FAILED,
            phase=NOT_QUEUED,
            error=NOT_QUEUED_ERROR,
            finished_at=timezone.now(),
        )
        raise ServiceUnavailable(_not_queued_message(job)) from exc
    job.refresh_from_db()
    return job


def import_job_start(*, job: ImportJob) -> ImportJob:
    """Queue the import task for a pending job.

    The job's row must be committed (the views run in autocommit): the task is
    sent at once so that a broker that is down is a 503 for this request,
    never a job left ``pending`` with nothing queued.

    Raises:
        FieldError: ``job``: not pending.
        ServiceUnavailable: The broker is down; the job is kept, marked not
            queued, and may be retried (`import_job_retry`).
    """
    queueing = _fresh_queueing(job)
    if job.state != ImportJob.State.PENDING or not ImportJob.objects.filter(
        pk=job.pk, state=ImportJob.State.PENDING, started_at__isnull=True
    ).update(**queueing):
        raise FieldError({"job": f"This import is {job.get_state_display().lower()}."})
    for name, value in queueing.items():
        setattr(job, name, value)
    return _send(job)


def import_job_retry(*, job: ImportJob) -> ImportJob:
    """Queue again a job that could not be queued, or that is stuck pending.

    Raises:
        Conflict: The job is mapping, running, done or failed for another
            reason (its error says why), or pending and not stuck yet.
        ServiceUnavailable: The broker is still down (the job stays retryable).
    """
    if not import_job_retryable(job):
        if job.state == ImportJob.State.PENDING:
            raise Conflict(
                "This import is queued and waiting for a worker; it can be "
                f"retried if no worker starts it within {queue_timeout() // 60} "
                "minutes."
            )
        raise Conflict(
            f"This import is {job.get_state_display().lower()}; only an import "
            "that could not be queued can be retried."
        )
    reset = {
        "state": ImportJob.State.PENDING,
        "phase": "",
        "error": "",
        "finished_at": None,
        **_fresh_queueing(job),
    }
    if import_job_not_queued(job):
        claimed = ImportJob.objects.filter(
            pk=job.pk, state=ImportJob.State.FAILED, phase=NOT_QUEUED
        ).update(**reset)
    else:
        claimed = ImportJob.objects.filter(
            pk=job.pk,
            state=ImportJob.State.PENDING,
            started_at__isnull=True,
            task_id=job.task_id,
        ).update(**reset)
    if not claimed:
        raise Conflict("This import changed at the same time; reload it.")
    for name, value in reset.items():
        setattr(job, name, value)
    return _send(job)


def _update(job: ImportJob, **values: Any) -> None:
    ImportJob.objects.filter(pk=job.pk).update(**values)
    for name, value in values.items():
        setattr(job, name, value)


def import_job_run(*, job_id: int, task_id: str | None = None) -> ImportJob:
    """Run an import (the task's body); see the module docstring.

    ``task_id`` is the message's id: a message other than the job's current
    one (superseded by a retry) does nothing; a redelivery of the current
    one (its worker was lost) runs the job again, which is safe because the
    write is one transaction. ``None`` (a direct call) skips that check.
    """
    job = ImportJob.objects.get(pk=job_id)
    if job.finished:
        return job  # a duplicate delivery
    claim = ImportJob.objects.filter(
        pk=job_id, state__in=(ImportJob.State.PENDING, ImportJob.State.RUNNING)
    )
    if task_id is not None:
        claim = claim.filter(task_id__in=("", task_id))
    if not claim.update(
        state=ImportJob.State.RUNNING, phase="reading", started_at=timezone.now()
    ):
        job.refresh_from_db()
        return job  # superseded by a retry, or finished meanwhile
    job.refresh_from_db()
    try:
        plan = _read_apkg(job) if job.kind == ImportJob.Kind.APKG else _read_csv(job)
        _update(job, phase="writing", total=len(plan.notes), done=len(plan.notes))
        with transaction.atomic():
            deck, counts = _write(job, plan)
    except (ImportFailed, anki.AnkiError, csvio.CsvError) as exc:
        _update(
            job,
            state=ImportJob.State.FAILED,
            phase="",
            error=f"Nothing was imported. {exc}",
            finished_at=timezone.now(),
        )
        return job
    except Exception as exc:
        _update(
            job,
            state=ImportJob.State.FAILED,
            phase="",
            error=f"Nothing was imported: an unexpected error ({type(exc).__name__}).",
            finished_at=timezone.now(),
        )
        raise
    _update(
        job,
        deck=deck,
        state=ImportJob.State.DONE,
        phase="",
        warnings=plan.warnings,
        result=counts,
        finished_at=timezone.now(),
    )
    return job


class _Plan:
    def __init__(self, title: str) -> None:
        self.title = title
        self.notes: list[tuple[str, dict[str, Any], list[str], str, list]] = []
        # (type, fields, tags, external id, cards [(ordinal, reviews)])
        self.media: dict[str, bytes] = {}
        self.warnings: list[str] = []


def _clean_fields(
    fields: dict[str, Any], where: str, warnings: list[str]
) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for name, value in fields.items():
        if isinstance(value, str) and UNSAFE.search(value):
            value = sanitize_html(value)
            warnings.append(
                f"{where}, field {name}: unsafe HTML (script, event handlers or "
                f"javascript: links) was removed."
            )
        clean[name] = value
    return clean


def _validated(
    kind: str, fields: dict[str, Any], tags: list[str], where: str, errors: list[str]
) -> tuple[dict[str, Any], list[str]] | None:
    try:
        return content.validate_note(kind, fields, tags)
    except content.NoteContentError as exc:
        problems = "; ".join(f"{k}: {v}" for k, v in exc.errors.items())
        errors.append(f"{where}: {problems}")
        return None


def _fail_on(errors: list[str]) -> None:
    if errors:
        shown = errors[:MAX_ERRORS_SHOWN]
        more = len(errors) - len(shown)
        raise ImportFailed(
            "Problems: "
            + " | ".join(shown)
            + (f" | ... and {more} more" if more else "")
        )


def _read_apkg(job: ImportJob) -> _Plan:
    def progress(done: int, total: int) -> None:
        _update(job, done=done, total=total)

    package = anki.read_apkg(
        bytes(job.data),
        max_uncompressed=max_uncompressed_bytes(),
        max_image_bytes=max_image_bytes(),
        progress=progress,
    )
    plan = _Plan(package.deck_name[:200] or job.filename)
    plan.media = package.media
    plan.warnings = list(package.warnings)
    errors: list[str] = []
    for index, note in enumerate(package.notes, start=1):
        where = f"note {index}"
        fields = _clean_fields(note.fields, where, plan.warnings)
        valid = _validated(note.type, fields, note.tags, where, errors)
        if valid is None:
            continue
        cards = [(c.ordinal, c.reviews) for c in note.cards]
        plan.notes.append((note.type, valid[0], valid[1], note.guid[:100], cards))
    _fail_on(errors)
    return plan


def _read_csv(job: ImportJob) -> _Plan:
    options = job.options
    rows = csvio.read_rows(csvio.decode(bytes(job.data)), options["delimiter"])
    notes, errors = csvio.rows_to_notes(
        rows,
        columns=options["columns"],
        header=options.get("header", False),
        default_type=options.get("default_type", "basic"),
    )
    plan = _Plan(re.sub(r"\.(csv|tsv|txt|tab)$", "", job.filename, flags=re.I)[:200])
    for note in notes:
        where = f"line {note.line}"
        fields = _clean_fields(note.fields, where, plan.warnings)
        valid = _validated(note.type, fields, note.tags, where, errors)
        if valid is not None:
            plan.notes.append((note.type, valid[0], valid[1], "", []))
    _fail_on(errors)
    if not plan.notes:
        raise ImportFailed("The file has no notes to import.")
    return plan


def _write(job: ImportJob, plan: _Plan) -> tuple[Deck, dict[str, int]]:
    owner = job.owner
    urls = {
        name: media_create(owner=owner, name=name, data=data).url
        for name, data in plan.media.items()
    }
    deck = services.deck_create(
        owner=owner, title=plan.title or "Imported deck", description=""
    )
    now = timezone.now()
    rng = fresh_rng()
    reviews = 0
    for kind, fields, tags, external_id, cards in plan.notes:
        if urls:
            fields = {
                k: media.from_package_names(v, urls) if isinstance(v, str) else v
                for k, v in fields.items()
            }
        note = services.note_create(
            deck=deck, type=kind, fields=fields, tags=tags, external_id=external_id
        )
        if cards:
            reviews += _replay(owner=owner, note=note, cards=cards, now=now, rng=rng)
    return deck, {
        "notes": len(plan.notes),
        "cards": Card.objects.filter(deck=deck).count(),
        "images": len(urls),
        "reviews": reviews,
    }


def _replay(*, owner: User, note: Note, cards: list, now: datetime, rng) -> int:
    """Replay an Anki card's review history through our scheduler."""
    ours = {c.ordinal: c for c in note.cards.select_related("note", "deck")}
    count = 0
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    for ordinal, history in cards:
        card = ours.get(ordinal)
        if card is None or not history:
            continue
        memory, _ = CardMemory.objects.get_or_create(
            learner=owner, card=card, defaults={"deck_id": card.deck_id, "due": now}
        )
        for millis, ease, duration in sorted(history):
            when = epoch + timedelta(milliseconds=millis)
            if when > now or (memory.last_review and when < memory.last_review):
                continue
            services.apply_review(
                learner=owner,
                card=card,
                memory=memory,
                rating=Rating(ease),
                reviewed_at=when,
                client_review_id=uuid.uuid5(IMPORT_NAMESPACE, f"{card.pk}:{millis}"),
                duration_ms=duration,
                rng=rng,
                now=now,
            )
            count += 1
    return count


# --- export --------------------------------------------------------------------------


def _export_notes(deck: Deck) -> list[anki.ExportNote]:
    return [
        anki.ExportNote(id=n.pk, type=n.type, fields=dict(n.fields), tags=list(n.tags))
        for n in deck.notes.order_by("id")
    ]


def deck_export_apkg(*, deck: Deck) -> bytes:
    """The deck as an Anki package, with the images its notes show."""
    notes = _export_notes(deck)
    wanted: set[str] = set()
    for note in notes:
        for value in note.fields.values():
            if isinstance(value, str):
                wanted.update(sha for sha, _ in media.media_hashes(value))
    images = {
        f"{m.sha256}.{m.extension}": bytes(m.data)
        for m in MediaFile.objects.filter(sha256__in=wanted)
    }
    return anki.write_apkg(
        deck_id=deck.pk,
        title=deck.title,
        description=deck.description,
        notes=notes,
        images=images,
    )


def deck_export_csv(*, deck: Deck) -> str:
    return csvio.write_csv((n.type, n.fields, n.tags) for n in _export_notes(deck))
