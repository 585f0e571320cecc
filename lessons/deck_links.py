"""The lesson page's links to the lesson's generated flashcards, per objective.

The deck itself is flashcards' (`flashcards.lesson_cards`); lessons asks it
for the counts, as it may: lessons depends on flashcards, never the reverse.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.urls import reverse

from flashcards.models import Card
from lessons.selectors import ObjectiveLink


def flashcard_links(lesson: Any, key: str) -> list[ObjectiveLink]:
    """Links to the lesson's generated deck for one objective.

    One query per lesson object: the counts of every objective are read at
    once and kept on it.
    """
    counts = getattr(lesson, "_flashcards_objective_cards", None)
    if counts is None:
        rows = (
            Card.objects.filter(deck__is_system=True, deck__lesson_slug=lesson.slug)
            .values_list("deck_id", "note__objective_key")
            .annotate(n=Count("id"))
        )
        counts = {objective: (deck_id, n) for deck_id, objective, n in rows}
        lesson._flashcards_objective_cards = counts
    if key not in counts:
        return []
    deck_id, count = counts[key]
    study = reverse("flashcards:study-deck", args=[deck_id])
    browse = reverse("flashcards:deck-detail", args=[deck_id])
    return [
        ObjectiveLink(
            kind="cards",
            label=f"Flashcards: {count} generated cards for this objective",
            url=f"{browse}?objective={key}",
        ),
        ObjectiveLink(kind="cards", label="Review the lesson's deck", url=study),
    ]
