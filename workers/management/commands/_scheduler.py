"""Shared by ``evaluate_scheduler`` and ``optimize_scheduler``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from flashcards.models import Deck
from studysite.models import User


def learner_and_deck(*, user: str, deck: str | None) -> tuple[User, Deck | None]:
    learner = User.objects.filter(username=user).first()
    if learner is None:
        raise CommandError(f"No user {user!r}.")
    if deck is None:
        return learner, None
    from flashcards.selectors import decks_studied

    decks = decks_studied(learner=learner)
    found = (
        decks.filter(pk=int(deck)).first()
        if deck.isdigit()
        else decks.filter(title=deck).order_by("id").first()
    )
    if found is None:
        raise CommandError(f"{learner.username} studies no deck {deck!r}.")
    return learner, found


def metrics_row(label: str, metrics: Any) -> str:
    auc = "n/a" if metrics.auc is None else f"{metrics.auc:.4f}"
    return (
        f"{label:<34} {metrics.log_loss:>9.4f} {metrics.rmse_bins:>11.4f} "
        f"{auc:>7} {metrics.reviews:>8}"
    )


HEADER = (
    f"{'parameters':<34} {'log loss':>9} {'RMSE(bins)':>11} {'AUC':>7} {'reviews':>8}"
)
