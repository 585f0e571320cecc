"""Pages: the review page (all decks or one) and the learner's decks."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from rest_framework.exceptions import ValidationError

from flashcards import authoring, selectors, services
from flashcards.models import Deck, NoteType
from flashcards.rendering import card_html


def _study_page(request: HttpRequest, deck=None) -> HttpResponse:
    queue = selectors.study_queue(learner=request.user, deck=deck, limit=0)
    return render(
        request,
        "flashcards/study.html",
        {
            "deck": deck,
            "queue": queue,
            "decks": selectors.deck_summaries(learner=request.user)
            if deck is None
            else [],
        },
    )


@login_required
def study(request: HttpRequest) -> HttpResponse:
    """Review every due card of every deck the learner studies."""
    return _study_page(request)


@login_required
def study_deck(request: HttpRequest, deck_id: int) -> HttpResponse:
    """Review one deck's due cards."""
    deck = selectors.deck_get_visible(learner=request.user, deck_id=deck_id)
    return _study_page(request, deck)


class DeckForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def _add_field_errors(form: forms.Form, exc: ValidationError) -> None:
    detail = exc.detail if isinstance(exc.detail, dict) else {"__all__": exc.detail}
    for key, problems in detail.items():
        name = str(key).removeprefix("fields.")
        name = name if name in form.fields else None
        for problem in problems if isinstance(problems, list) else [problems]:
            form.add_error(name, str(problem))


@login_required
@require_http_methods(["GET", "POST"])
def deck_list(request: HttpRequest) -> HttpResponse:
    """The decks the learner studies, and a form to create one."""
    form = DeckForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            deck = services.deck_create(owner=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_field_errors(form, exc)
        else:
            messages.success(request, f"Deck “{deck.title}” created.")
            return redirect("flashcards:deck-detail", deck_id=deck.pk)
    status = 400 if request.method == "POST" else 200
    decks = selectors.deck_summaries(learner=request.user)
    return render(
        request,
        "flashcards/deck_list.html",
        {"decks": decks, "form": form},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def deck_detail(request: HttpRequest, deck_id: int) -> HttpResponse:
    """A deck's notes (``?objective=`` narrows a lesson's deck); its owner adds,
    edits, tags, moves and deletes notes here, anyone who sees it exports it.
    A POST adds a note (the note form's fields), for the owner only."""
    deck = selectors.deck_get_visible(learner=request.user, deck_id=deck_id)
    owner = deck.owner_id == request.user.pk and not deck.is_system
    if request.method == "POST":
        if not owner:
            return HttpResponse("Only the deck's owner may add notes.", status=403)
        return authoring.note_page(request, deck=deck, note=None)
    notes = deck.notes.prefetch_related("cards").order_by("-id")
    objective = request.GET.get("objective", "")
    if objective:
        notes = notes.filter(objective_key=objective)
    rows = []
    for note in notes[:300]:
        cards = list(note.cards.all())
        front = ""
        if cards:
            cards[0].note = note
            front = card_html(cards[0])[0]
        rows.append({"note": note, "front": front, "card_count": len(cards)})
    return render(
        request,
        "flashcards/deck_detail.html",
        {
            "deck": deck,
            "owner": owner,
            "rows": rows,
            "objective": objective,
            "options": deck.scheduling_options,
            "types": NoteType.choices,
            "targets": Deck.objects.filter(owner=request.user, is_system=False)
            .exclude(pk=deck.pk)
            .order_by("title")
            if owner
            else [],
        },
    )
