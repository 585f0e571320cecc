"""Import and export pages: an upload (Anki package or CSV/TSV), a CSV's column
mapping, the import's progress (with Retry), and deck downloads.

The work is `flashcards.interop`'s; a page only parses, calls it and renders.
"""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from flashcards import csvio, interop, selectors
from flashcards.models import ImportJob
from studysite import errors
from studysite.api_errors import status_of


class ImportForm(forms.Form):
    file = forms.FileField(label="Anki package (.apkg, .colpkg) or CSV/TSV file")
    deck = forms.TypedChoiceField(
        label="Into",
        coerce=int,
        empty_value=None,
        required=False,
        help_text="Notes imported before (the same Anki notes) are updated in "
        "place, every learner's schedule kept; the others are added.",
    )

    def __init__(self, *args: object, owner: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["deck"].choices = [
            ("", "A new deck (or the one an earlier import of these notes made)"),
            *selectors.decks_writable(user=owner).values_list("pk", "title"),
        ]


@login_required
@require_http_methods(["GET", "POST"])
def import_start(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None, owner=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            content = interop.read_upload(upload, limit=interop.max_import_bytes())
            job = interop.import_job_create(
                owner=request.user,
                filename=upload.name,
                data=content,
                deck_id=form.cleaned_data.get("deck"),
            )
        except errors.Invalid as exc:
            errors.add_to_form(form, exc)
        else:
            if job.status == ImportJob.Status.QUEUED:
                try:
                    interop.import_job_start(job=job)
                except errors.DomainError as exc:  # the task queue is down: 503
                    return _import_page(request, job, exc)
            return redirect("flashcards:import-detail", job_id=job.pk)
    return render(
        request,
        "flashcards/import_start.html",
        {"form": form, "limit": interop.max_import_bytes()},
        status=400 if request.method == "POST" else 200,
    )


def _job(request: HttpRequest, job_id: int) -> ImportJob:
    return interop.import_job_get(owner=request.user, job_id=job_id)


def _import_page(
    request: HttpRequest,
    job: ImportJob,
    exc: errors.DomainError | None = None,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    """The import page: the column mapping, or the progress (with Retry)."""
    if exc is not None:
        job.refresh_from_db()
        error, status = exc.message, status_of(exc)
    width = job.options.get("width", 0)
    return render(
        request,
        "flashcards/import_detail.html",
        {
            "job": job,
            "error": error,
            "retryable": interop.import_job_retryable(job),
            "stuck": interop.import_job_stuck(job),
            "roles": csvio.ROLES,
            "columns": list(range(width)),
            "types": csvio.NOTE_TYPES,
            "mapping": job.options.get("columns", {}),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    """A CSV's column mapping (preview of the first rows), then the progress;
    posting ``action=retry`` queues again an import the queue refused."""
    job = _job(request, job_id)
    if request.method == "POST" and request.POST.get("action") == "retry":
        try:
            interop.import_job_retry(job=job)
        except errors.DomainError as exc:  # 409 (not retryable), 503 (queue down)
            return _import_page(request, job, exc)
        return redirect("flashcards:import-detail", job_id=job.pk)
    if request.method == "POST" and job.status == ImportJob.Status.MAPPING:
        columns = {role: request.POST.get(f"col_{role}", "") for role in csvio.ROLES}
        try:
            interop.import_job_map(
                job=job,
                columns={k: v for k, v in columns.items() if v != ""},
                header=request.POST.get("header") == "on",
                default_type=request.POST.get("default_type", "basic"),
            )
        except errors.Invalid as exc:
            error = " ".join(messages[0] for messages in exc.fields.values())
            return _import_page(request, job, error=error, status=400)
        try:
            interop.import_job_start(job=job)
        except errors.DomainError as exc:  # the task queue is down: 503
            return _import_page(request, job, exc)
        return redirect("flashcards:import-detail", job_id=job.pk)
    return _import_page(request, job)


@login_required
@require_GET
def import_status(request: HttpRequest, job_id: int) -> HttpResponse:
    """htmx: the progress fragment; it stops polling when the job is finished."""
    job = _job(request, job_id)
    return render(
        request,
        "flashcards/_import_status.html",
        {
            "job": job,
            "retryable": interop.import_job_retryable(job),
            "stuck": interop.import_job_stuck(job),
        },
    )


@login_required
@require_GET
def deck_export(request: HttpRequest, deck_id: int, fmt: str) -> HttpResponse:
    deck = selectors.deck_get_readable(user=request.user, deck_id=deck_id)
    if fmt not in ("apkg", "csv"):
        raise errors.NotFound("Export as .apkg or .csv.")
    name = re.sub(r"[^\w.-]+", "-", deck.title).strip("-") or f"deck-{deck.pk}"
    if fmt == "apkg":
        response = HttpResponse(
            interop.deck_export_apkg(deck=deck, user=request.user),
            content_type="application/zip",
        )
    else:
        response = HttpResponse(
            interop.deck_export_csv(deck=deck), content_type="text/csv; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
