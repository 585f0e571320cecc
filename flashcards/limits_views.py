"""Page: a learner's own daily limits for a deck (on the deck's page too).

The form sits on the page of every deck the learner studies (`my_limits_panel`
gives the deck page its context) and on ``/decks/<id>/my-limits/``, which it
posts to: saving or "use the deck's" goes back to the deck's page with a
message; a wrong value shows this page again with the error on its field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from flashcards import selectors, services
from flashcards.models import Deck
from flashcards.parameters import DeckLimits, deck_limits_for
from flashcards.scheduling import MAX_DAILY_LIMIT
from studysite import errors

_MESSAGES = {
    "invalid": "Enter a whole number, or leave it empty for the deck's.",
    "min_value": f"Enter a whole number from 0 to {MAX_DAILY_LIMIT}.",
    "max_value": f"Enter a whole number from 0 to {MAX_DAILY_LIMIT}.",
}


def _limit_field(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=MAX_DAILY_LIMIT,
        error_messages=_MESSAGES,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class LimitsForm(forms.Form):
    """The learner's two limits; an empty field takes the deck's."""

    new_per_day = _limit_field("New cards per day")
    reviews_per_day = _limit_field("Reviews per day")

    def __init__(self, *args: Any, limits: DeckLimits, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "new_per_day": limits.new_per_day,
                "reviews_per_day": limits.reviews_per_day,
            },
        )
        super().__init__(*args, prefix="limits", **kwargs)
        self.fields[
            "new_per_day"
        ].help_text = f"Empty: the deck's, {limits.deck_new_per_day}."
        self.fields[
            "reviews_per_day"
        ].help_text = f"Empty: the deck's, {limits.deck_reviews_per_day}."


def my_limits_panel(user: Any, deck: Deck) -> dict[str, Any]:
    """What the deck page's "Your daily limits" form shows."""
    limits = deck_limits_for(learner=user, deck=deck)
    return {"form": LimitsForm(limits=limits), "limits": limits}


def _saved_message(deck: Deck, limits: DeckLimits) -> str:
    new, reviews = limits.effective_new_per_day, limits.effective_reviews_per_day
    if not limits.overridden:
        return f"“{deck.title}” uses the deck's daily limits: {new} new, {reviews} reviews."
    return (
        f"Your daily limits for “{deck.title}”: {new} new cards and {reviews} "
        "reviews a day; the deck stays as it is for everyone else."
    )


@login_required
@require_http_methods(["GET", "POST"])
def deck_my_limits(request: HttpRequest, deck_id: int) -> HttpResponse:
    """Your daily limits for a deck you read (GET: the form; POST: save, or
    ``action=reset`` for the deck's own)."""
    deck = selectors.deck_get_readable(user=request.user, deck_id=deck_id)
    limits = deck_limits_for(learner=request.user, deck=deck)
    form = LimitsForm(request.POST if request.method == "POST" else None, limits=limits)
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "reset":
            services.deck_limits_clear(learner=request.user, deck_id=deck.pk)
            return _done(request, deck)
        if form.is_valid():
            try:
                services.deck_limits_set(
                    learner=request.user, deck_id=deck.pk, **form.cleaned_data
                )
            except errors.Invalid as exc:
                errors.add_to_form(form, exc)
            else:
                return _done(request, deck)
        status = 400
    return render(
        request,
        "flashcards/my_limits.html",
        {"deck": deck, "my_limits": {"form": form, "limits": limits}},
        status=status,
    )


def _done(request: HttpRequest, deck: Deck) -> HttpResponse:
    limits = deck_limits_for(learner=request.user, deck=deck)
    messages.success(request, _saved_message(deck, limits))
    return redirect("flashcards:deck-detail", deck_id=deck.pk)
