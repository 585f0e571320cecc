"""Pages: the review page (all decks or one) and the learner's decks."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from flashcards import authoring_views, selectors, services
from flashcards.limits_views import my_limits_panel
from flashcards.models import Deck, DeckSubscription, NoteType, Visibility
from flashcards.payloads import card_html
from studysite import errors, permissions, storable


def _study_page(request: HttpRequest, deck=None) -> HttpResponse:
    queue = selectors.study_queue(learner=request.user, deck=deck, limit=0)
    return render(
        request,
        "flashcards/study.html",
        {
            "deck": deck,
            "queue": queue,
            # Single-key shortcuts (Space, Enter, 1-4, u) unless turned off.
            "shortcuts": request.user.keyboard_shortcuts,
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
    """Review one deck's due cards; a catalog deck one does not study yet
    leads to its page, where it is subscribed to."""
    deck = selectors.deck_get_readable(user=request.user, deck_id=deck_id)
    if not selectors.deck_is_studied(learner=request.user, deck=deck):
        messages.info(request, f"Subscribe to “{deck.title}” to study it.")
        return redirect("flashcards:deck-detail", deck_id=deck.pk)
    return _study_page(request, deck)


class DeckForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    visibility = forms.ChoiceField(
        choices=Visibility.choices,
        initial=Visibility.PRIVATE,
        required=False,
        help_text="You can change it later on the deck's page.",
    )

    def clean_visibility(self) -> str:
        return self.cleaned_data.get("visibility") or Visibility.PRIVATE


class VisibilityForm(forms.Form):
    visibility = forms.ChoiceField(
        label="Who sees this deck", choices=Visibility.choices, widget=forms.RadioSelect
    )


@login_required
@require_http_methods(["GET", "POST"])
def deck_list(request: HttpRequest) -> HttpResponse:
    """The decks the learner studies, and a form to create one."""
    form = DeckForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            deck = services.deck_create(owner=request.user, **form.cleaned_data)
        except errors.Invalid as exc:
            errors.add_to_form(form, exc, prefix="fields.")
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
    deck = selectors.deck_get_readable(user=request.user, deck_id=deck_id)
    owner = permissions.deck_writable(request.user, deck)
    if request.method == "POST":
        if not owner:
            return HttpResponse("Only the deck's owner may add notes.", status=403)
        return authoring_views.note_page(request, deck=deck, note=None)
    return _deck_page(request, deck, owner=owner)


def _deck_page(
    request: HttpRequest,
    deck: Deck,
    *,
    owner: bool,
    visibility_form: VisibilityForm | None = None,
    status: int = 200,
) -> HttpResponse:
    objective = request.GET.get("objective", "")
    search = {
        "text": request.GET.get("q", "")[:200],
        "tag": request.GET.get("tag", "")[:64],
    }
    # A search the database cannot take (a NUL, a lone surrogate) is a 400
    # that says so, and the page shows every note.
    search_error = next(
        (
            f"{label}: {problem}"
            for label, value in (
                ("Text", search["text"]),
                ("Tag", search["tag"]),
                ("Objective", objective),
            )
            if (problem := storable.text_problem(value))
        ),
        "",
    )
    if search_error:
        search, objective, status = {"text": "", "tag": ""}, "", 400
    notes = selectors.deck_notes(deck=deck, objective=objective, **search)
    page = Paginator(
        notes.prefetch_related("cards"), selectors.NOTES_PER_PAGE
    ).get_page(request.GET.get("page"))
    kept = {
        k: v
        for k, v in (
            ("q", search["text"]),
            ("tag", search["tag"]),
            ("objective", objective),
        )
        if v
    }
    rows = []
    for note in page.object_list:
        cards = list(note.cards.all())
        front = ""
        if cards:
            cards[0].note = note
            front = card_html(cards[0], viewer_id=request.user.pk)[0]
        rows.append({"note": note, "front": front, "card_count": len(cards)})
    studied = selectors.deck_is_studied(learner=request.user, deck=deck)
    subscribed = DeckSubscription.objects.filter(
        learner=request.user, deck=deck
    ).first()
    return render(
        request,
        "flashcards/deck_detail.html",
        {
            "deck": deck,
            "owner": owner,
            "studied": studied,
            "my_limits": my_limits_panel(request.user, deck) if studied else None,
            "subscription": subscribed,
            "subscribable": permissions.deck_subscribable(request.user, deck)
            and subscribed is None,
            "sharing": selectors.deck_sharing(deck=deck) if owner else None,
            "visibility_form": visibility_form
            or VisibilityForm(initial={"visibility": deck.visibility}),
            "rows": rows,
            "page": page,
            "search": search,
            "search_error": search_error,
            "searching": bool(search["text"].strip() or search["tag"].strip()),
            "kept_query": urlencode(kept),
            "objective": objective,
            "options": deck.scheduling_options,
            **_tree(request.user, deck),
            "types": NoteType.choices,
            "targets": Deck.objects.filter(owner=request.user, is_system=False)
            .exclude(pk=deck.pk)
            .order_by("title")
            if owner
            else [],
        },
        status=status,
    )


@login_required
@require_POST
def deck_visibility(request: HttpRequest, deck_id: int) -> HttpResponse:
    """The owner chooses who sees the deck (private, class, public)."""
    deck = authoring_views.owned_deck(request, deck_id)
    form = VisibilityForm(request.POST)
    if form.is_valid():
        try:
            deck = services.deck_update(
                deck=deck, visibility=form.cleaned_data["visibility"]
            )
        except errors.Invalid as exc:
            errors.add_to_form(form, exc, prefix="fields.")
        else:
            messages.success(
                request, f"“{deck.title}” is now {deck.get_visibility_display()}."
            )
            return redirect("flashcards:deck-detail", deck_id=deck.pk)
    deck.refresh_from_db()
    return _deck_page(request, deck, owner=True, visibility_form=form, status=400)


def _back(request: HttpRequest, deck: Deck) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("flashcards:deck-detail", deck_id=deck.pk)


@login_required
@require_POST
def deck_subscribe(request: HttpRequest, deck_id: int) -> HttpResponse:
    """Study a catalog deck (again: its memory resumes)."""
    deck = selectors.deck_get_readable(user=request.user, deck_id=deck_id)
    try:
        services.deck_subscribe(learner=request.user, deck=deck)
    except errors.Invalid as exc:
        messages.error(request, _first_message(exc))
        return _back(request, deck)
    messages.success(
        request,
        f"You study “{deck.title}” now: its cards are in your daily review.",
    )
    return _back(request, deck)


@login_required
@require_POST
def deck_unsubscribe(request: HttpRequest, deck_id: int) -> HttpResponse:
    """Stop studying a subscribed deck; memory and history are kept."""
    deck = selectors.deck_get_readable(user=request.user, deck_id=deck_id)
    if not services.deck_unsubscribe(learner=request.user, deck=deck):
        raise Http404("You do not subscribe to this deck.")
    messages.success(
        request,
        f"“{deck.title}” left your daily review. Your progress on it is kept: "
        "subscribe again to pick up where you left off.",
    )
    return _back(request, deck)


@login_required
@require_GET
def deck_catalog(request: HttpRequest) -> HttpResponse:
    """Public decks to subscribe to: the lesson decks, then teachers' and
    learners' shared decks."""
    return render(
        request,
        "flashcards/deck_catalog.html",
        {"decks": selectors.deck_catalog(user=request.user)},
    )


def _first_message(exc: errors.Invalid) -> str:
    return next(iter(exc.fields.values()), [""])[0]


def _tree(user: Any, deck: Deck) -> dict[str, Any]:
    """The deck's parent and its subdecks, those the user may read, each
    subdeck with its note count."""
    readable = selectors.decks_readable(user=user)
    parent = readable.filter(pk=deck.parent_id).first() if deck.parent_id else None
    children = (
        readable.filter(parent=deck)
        .annotate(note_count=Count("notes"))
        .order_by("title")
    )
    return {"parent": parent, "subdecks": list(children)}
