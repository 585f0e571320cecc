"""The FSRS parameters each learner's reviews use, owned by flashcards.

A deck carries its own scheduling options (`Deck.scheduling_options`). A fit
of a learner's reviews that wins on held-out reviews replaces the options'
parameters for that learner: for one deck (a deck fit) or for every deck (a
fit of all their reviews), the deck's row first. The fitting service in
`workers` writes the winner through `scheduler_parameters_set`; the review
service, the queue and the interval preview read through `deck_options_for`
and `deck_options_map`. Nothing here knows how a fit is run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from flashcards.models import Deck, SchedulerParameters
from flashcards.scheduling import DeckOptions


def _validated(parameters: Sequence[float]) -> list[float]:
    values = [float(p) for p in parameters]
    if len(values) != len(DeckOptions().parameters):
        raise ValueError(
            f"FSRS takes {len(DeckOptions().parameters)} parameters, not {len(values)}"
        )
    return values


@transaction.atomic
def scheduler_parameters_set(
    *,
    learner: Any,
    deck: Deck | None,
    parameters: Sequence[float],
    fit_id: int | None = None,
) -> SchedulerParameters:
    """Make ``parameters`` the learner's for ``deck`` (None: every deck)."""
    row, _ = SchedulerParameters.objects.update_or_create(
        learner=learner,
        deck=deck,
        defaults={
            "parameters": _validated(parameters),
            "fit_id": fit_id,
            "updated_at": timezone.now(),
        },
    )
    return row


def scheduler_parameters_get(
    *, learner: Any, deck: Deck | None = None
) -> SchedulerParameters | None:
    """The row that applies: the deck's own, else the learner's general one."""
    scope = Q(deck=None) if deck is None else Q(deck=None) | Q(deck=deck)
    rows = {
        row.deck_id: row
        for row in SchedulerParameters.objects.filter(scope, learner=learner)
    }
    if deck is not None and deck.pk in rows:
        return rows[deck.pk]
    return rows.get(None)


def learner_parameters(learner: Any, deck: Deck | None = None) -> list[float] | None:
    """The learner's fitted parameters for a deck, or None to use the deck's own."""
    row = scheduler_parameters_get(learner=learner, deck=deck)
    return None if row is None else list(row.parameters)


def deck_options_for(*, learner: Any, deck: Deck) -> DeckOptions:
    """The deck's scheduling options with the learner's fitted parameters."""
    options = deck.scheduling_options
    fitted = learner_parameters(learner, deck)
    if fitted is None or tuple(fitted) == options.parameters:
        return options
    return replace(options, parameters=tuple(fitted))


def deck_options_map(*, learner: Any, decks: Iterable[Deck]) -> dict[int, DeckOptions]:
    """`deck_options_for` for many decks in one query (the study queue)."""
    fitted: dict[int | None, list[float]] = dict(
        SchedulerParameters.objects.filter(learner=learner).values_list(
            "deck_id", "parameters"
        )
    )
    result = {}
    for deck in decks:
        options = deck.scheduling_options
        parameters = fitted.get(deck.pk, fitted.get(None))
        if parameters is not None and tuple(parameters) != options.parameters:
            options = replace(options, parameters=tuple(parameters))
        result[deck.pk] = options
    return result
