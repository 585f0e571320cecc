"""Authoring pages: notes of every type with a live preview, images and bulk
edits (import and export pages: `flashcards.import_export_views`).

Everything written here is shown through ``render_user_markdown`` (nh3), the
preview included. Only a deck's owner changes it; a teacher's deck is
read-only to learners, a generated (system) deck to everyone.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.exceptions import ValidationError

from flashcards import content, interop, numeric_answers, selectors, services
from flashcards.models import Deck, MediaFile, Note, NoteType
from lessons import problems
from lessons.markup import render_user_markdown
from studysite import permissions, storable
from studysite.errors import Forbidden, Invalid, NotFound, add_to_form

FIELDS = {
    "basic": ("front", "back"),
    "basic_reversed": ("front", "back"),
    "cloze": ("text", "extra"),
    "numeric": (
        "question",
        "answer",
        "tolerance",
        "relative_tolerance",
        "unit",
        "explanation",
    ),
    "parametric": ("template", "part", "limits"),
}
#: One bulk action over a search changes at most this many notes.
MAX_BULK_NOTES = 10_000
_LIMIT_LINE = re.compile(r"^\s*([\w.-]+)\s*[:=]\s*(.+?)\s*$")


def _text(rows: int = 2, **kw: Any) -> forms.CharField:
    return forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": rows}), **kw
    )


def template_choices() -> list[tuple[str, str]]:
    return [("", "—")] + [(t.key, f"{t.title} ({t.key})") for t in problems.templates()]


class NoteForm(forms.Form):
    """One form for every note type; the fields a type does not use are ignored."""

    type = forms.ChoiceField(choices=NoteType.choices)
    front = _text(help_text="Markdown; math in $...$ or $$...$$.")
    back = _text()
    text = _text(3, help_text="Cloze: {{c1::answer}} or {{c1::answer::hint}}.")
    extra = _text()
    question = _text(help_text="Numeric: the learner types a number.")
    answer = forms.CharField(required=False, max_length=64)
    tolerance = forms.CharField(required=False, max_length=64, help_text="Absolute.")
    relative_tolerance = forms.CharField(
        required=False, max_length=64, help_text="A fraction: 0.01 is 1 %."
    )
    unit = forms.CharField(required=False, max_length=32)
    explanation = _text()
    template = forms.ChoiceField(
        required=False,
        choices=template_choices,
        help_text="Parametric: a problem template; new numbers every review.",
    )
    part = forms.CharField(
        required=False,
        max_length=64,
        help_text="One part's key; empty asks every part.",
    )
    limits = _text(
        3,
        help_text="Parameter ranges, one per line: <code>name: a, b</code> (choices) "
        "or <code>name: low..high</code> (a range).",
    )
    tags = forms.CharField(
        required=False, max_length=500, help_text="Separated by spaces."
    )

    def note_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        kind = data["type"]
        fields: dict[str, Any] = {
            name: data[name]
            for name in FIELDS[kind]
            if data.get(name) and name != "limits"
        }
        if kind == "parametric" and data.get("limits"):
            fields["limits"] = parse_limits(data["limits"])
        return fields


def parse_limits(text: str) -> dict[str, Any]:
    """``name: a, b`` -> ``{"name": ["a", "b"]}``; ``name: 1..5`` -> ``[1, 5]``.

    Numbers stay numbers (choices of a template may be numbers).
    """
    limits: dict[str, Any] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        match = _LIMIT_LINE.match(line)
        if match is None:
            raise ValidationError({"fields.limits": f"Cannot read {line.strip()!r}."})
        name, value = match[1], match[2]
        if ".." in value:
            low, _, high = value.partition("..")
            limits[name] = [_number(low), _number(high)]
        else:
            limits[name] = [_number(v) for v in value.split(",") if v.strip()]
    return limits


def _number(text: str) -> Any:
    text = text.strip()
    value = numeric_answers.parse_number(text)
    if value is None:
        return text
    return (
        int(value)
        if value.is_integer() and "." not in text and "e" not in text.lower()
        else value
    )


def format_limits(limits: dict[str, Any] | None) -> str:
    lines = []
    for name, value in (limits or {}).items():
        if (
            isinstance(value, list)
            and len(value) == 2
            and all(isinstance(v, int | float) for v in value)
        ):
            lines.append(f"{name}: {value[0]}..{value[1]}")
        else:
            values = value if isinstance(value, list) else [value]
            lines.append(f"{name}: " + ", ".join(str(v) for v in values))
    return "\n".join(lines)


def add_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's 400 on the form: ``fields.<name>`` on that field."""
    detail = exc.detail if isinstance(exc.detail, dict) else {"__all__": exc.detail}
    for key, problems_ in detail.items():
        name = str(key).removeprefix("fields.")
        name = name if name in form.fields else None
        for problem in problems_ if isinstance(problems_, list) else [problems_]:
            form.add_error(name, str(problem))


def owned_deck(request: HttpRequest, deck_id: int) -> Deck:
    """The user's own deck: 404 if invisible, 403 if read-only to them."""
    try:
        return selectors.deck_get_owned(learner=request.user, deck_id=deck_id)
    except Forbidden as exc:
        raise DjangoPermissionDenied(exc.message) from None


def _owned_note(request: HttpRequest, note_id: int) -> Note:
    note = selectors.note_get_readable(user=request.user, note_id=note_id)
    owned_deck(request, note.deck_id)
    return note


def preview_cards(kind: str, fields: dict[str, Any]) -> list[dict[str, str]]:
    """Every card a note would make, as sanitized HTML (front and back)."""
    cards = []
    if kind == "parametric":
        problem = content.parametric_problem(fields, 1)
        parts = content.parametric_parts(fields, problem)
        back = "\n".join(f"- {p.label}: **{p.answer_text}**" for p in parts)
        return [
            {
                "label": f"Example variant (seed 1) of {problem.title}",
                "front": render_user_markdown(problem.prompt),
                "back": render_user_markdown(back),
            }
        ]
    for ordinal in content.card_ordinals(kind, fields):
        sides = content.card_sides(kind, fields, ordinal)
        cards.append(
            {
                "label": f"Card {ordinal}",
                "front": render_user_markdown(sides.front),
                "back": render_user_markdown(sides.back),
            }
        )
    return cards


@login_required
@require_POST
def note_preview(request: HttpRequest) -> HttpResponse:
    """htmx: the cards the form would make, sanitized (math rendered after swap)."""
    form = NoteForm(request.POST)
    cards: list[dict[str, str]] = []
    errors: list[str] = []
    if form.is_valid():
        try:
            fields = form.note_fields()
            clean, _ = content.validate_note(form.cleaned_data["type"], fields, [])
            cards = preview_cards(form.cleaned_data["type"], clean)
        except ValidationError as exc:
            errors = [
                str(v[0] if isinstance(v, list) else v) for v in exc.detail.values()
            ]
        except content.NoteContentError as exc:
            errors = [
                f"{k.removeprefix('fields.')}: {v}" for k, v in exc.errors.items()
            ]
    else:
        errors = [f"{k}: {v[0]}" for k, v in form.errors.items()]
    return render(
        request, "flashcards/_preview.html", {"cards": cards, "errors": errors}
    )


def note_page(request: HttpRequest, *, deck: Deck, note: Note | None) -> HttpResponse:
    if request.method == "POST":
        form = NoteForm(request.POST, initial={"type": note.type} if note else None)
    elif note is not None:
        initial = {**note.fields, "type": note.type, "tags": " ".join(note.tags)}
        initial["limits"] = format_limits(note.fields.get("limits"))
        form = NoteForm(initial=initial)
    else:
        form = NoteForm(initial={"type": request.GET.get("type", "basic")})
    if note is not None:
        form.fields["type"].disabled = True
        form.fields[
            "type"
        ].help_text = "A note keeps its type (its cards keep their schedules)."
    if request.method == "POST" and form.is_valid():
        try:
            fields = form.note_fields()
            tags = form.cleaned_data["tags"].split()
            if note is None:
                services.note_create(
                    deck=deck, type=form.cleaned_data["type"], fields=fields, tags=tags
                )
                messages.success(request, "Note added.")
            else:
                services.note_update(note=note, fields=fields, tags=tags)
                messages.success(request, "Note saved; every schedule is kept.")
        except Invalid as exc:
            add_to_form(form, exc, prefix="fields.")
        except ValidationError as exc:  # the form's own limits, read above
            add_errors(form, exc)
        else:
            if "another" in request.POST:
                return redirect("flashcards:note-new", deck_id=deck.pk)
            return redirect("flashcards:deck-detail", deck_id=deck.pk)
    return render(
        request,
        "flashcards/note_form.html",
        {
            "deck": deck,
            "note": note,
            "form": form,
            "templates": [t.describe() for t in problems.templates()],
            "type_fields": json.dumps(
                {kind: list(names) for kind, names in FIELDS.items()}
            ),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def note_new(request: HttpRequest, deck_id: int) -> HttpResponse:
    return note_page(request, deck=owned_deck(request, deck_id), note=None)


@login_required
@require_http_methods(["GET", "POST"])
def note_edit(request: HttpRequest, note_id: int) -> HttpResponse:
    note = _owned_note(request, note_id)
    return note_page(request, deck=note.deck, note=note)


@login_required
@require_POST
def deck_bulk(request: HttpRequest, deck_id: int) -> HttpResponse:
    """Tag, untag, move or delete the notes ticked on the deck page, or every
    note its search matches (``scope=matching``, at most `MAX_BULK_NOTES`)."""
    deck = owned_deck(request, deck_id)
    if request.POST.get("scope") == "matching":
        note_ids, problem = _matching(deck, request.POST)
        if problem:
            messages.error(request, problem)
            return redirect("flashcards:deck-detail", deck_id=deck.pk)
    else:
        note_ids = [int(i) for i in request.POST.getlist("notes") if i.isdigit()]
    target = None
    if request.POST.get("target"):
        try:
            target = owned_deck(request, int(request.POST["target"]))
        except (ValueError, NotFound, DjangoPermissionDenied):
            target = None
    try:
        count = services.notes_bulk_update(
            deck=deck,
            note_ids=note_ids,
            action=request.POST.get("action", ""),
            tags=request.POST.get("tags", "").split(),
            target=target,
        )
    except Invalid as exc:
        for problems_ in exc.fields.values():
            for problem in problems_:
                messages.error(request, problem)
    else:
        messages.success(request, f"{count} note{'s' if count != 1 else ''} changed.")
    return redirect("flashcards:deck-detail", deck_id=deck.pk)


def _matching(deck: Deck, data: Any) -> tuple[list[int], str]:
    """The ids of the deck's notes that the page's search matches, or why not."""
    text, tag = data.get("q", "")[:200], data.get("tag", "")[:64]
    objective = data.get("objective", "")[:100]
    for label, value in (("Text", text), ("Tag", tag), ("Objective", objective)):
        if problem := storable.text_problem(value):
            return [], f"{label}: {problem}"
    ids = list(
        selectors.deck_notes(
            deck=deck, objective=objective, text=text, tag=tag
        ).values_list("pk", flat=True)[: MAX_BULK_NOTES + 1]
    )
    if len(ids) > MAX_BULK_NOTES:
        return [], (
            f"The search matches more than {MAX_BULK_NOTES:,} notes; narrow it, "
            f"or act on them in parts."
        )
    return ids, ""


@login_required
@require_POST
def note_delete(request: HttpRequest, note_id: int) -> HttpResponse:
    note = _owned_note(request, note_id)
    deck_id = note.deck_id
    services.note_delete(note=note)
    messages.success(request, "Note deleted.")
    return redirect("flashcards:deck-detail", deck_id=deck_id)


class ImageForm(forms.Form):
    file = forms.FileField(
        label="Image (PNG, JPEG, GIF, WebP) or audio (MP3, Ogg, WAV, FLAC, M4A, WebM)"
    )


@login_required
@require_POST
def media_upload(request: HttpRequest) -> HttpResponse:
    """htmx: store an image or audio file; answer with the text that shows it."""
    form = ImageForm(request.POST, request.FILES)
    image, error = None, ""
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            content = interop.read_upload(
                upload, limit=interop.max_image_bytes(), noun="file"
            )
            image = interop.media_create(
                owner=request.user, name=upload.name, data=content
            )
        except Invalid as exc:  # `flashcards.interop.uploads` names the file
            error = exc.fields["file"][0]
    else:
        error = "Choose an image or audio file."
    return render(
        request,
        "flashcards/_media.html",
        {"image": image, "error": error},
        status=200 if image else 400,
    )


@require_GET
def media_file(request: HttpRequest, sha256: str, ext: str) -> HttpResponse:
    """An image, for those `studysite.permissions.media_readable` lets see it
    (anyone else, anonymous visitors too, gets a 404)."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise Http404("No such image.")  # never looked up (a NUL: Postgres 500)
    image = MediaFile.objects.filter(sha256=sha256).first()
    if (
        image is None
        or image.extension != ext
        or not permissions.media_readable(request.user, image, request.GET.get("t", ""))
    ):
        raise Http404("No such image.")
    response = HttpResponse(bytes(image.data), content_type=image.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    # A signed URL changes every hour; the bytes behind it never do.
    response["Cache-Control"] = "private, max-age=7200, immutable"
    return response
