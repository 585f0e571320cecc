"""Cards as the study page and the API show them: HTML sides and intervals."""

from __future__ import annotations

from random import Random
from typing import Any

from flashcards import content, parametric
from flashcards.media_access import sign_media
from flashcards.models import Card
from flashcards.scheduling import format_interval
from flashcards.selectors import QueuedCard, fresh_rng
from lessons.rendering import render_user_markdown


def card_html(
    card: Card, *, viewer_id: int | None = None
) -> tuple[str, str, content.Sides]:
    """The card's question and answer as sanitized HTML (math left for KaTeX),
    its images signed for ``viewer_id`` (who may read the card)."""
    sides = card.sides()
    front = sign_media(render_user_markdown(sides.front), user_id=viewer_id)
    back = sign_media(render_user_markdown(sides.back), user_id=viewer_id)
    return front, back, sides


def numeric_check(fields: dict[str, Any]) -> dict[str, Any]:
    """What the page shows of a numeric card before it is graded: its unit.

    The answer, its tolerance and the answer side come with the grade
    (``POST /api/v1/cards/{id}/grade/``): the server reads the typed text with
    the one number reader, so the page never grades by itself.
    """
    return {"unit": fields.get("unit") or ""}


def card_payload(
    item: QueuedCard, *, learner_id: int | None = None, rng: Random | None = None
) -> dict[str, Any]:
    """A queued card as the study page and the API show it.

    A parametric card carries a fresh ``variant`` (new seed, signed token for
    ``learner_id``): its front is the variant's prompt, and its back comes
    from grading (``POST /api/v1/cards/{id}/grade/``). A numeric card's back
    comes from grading too, so its answer is not on the page before.
    """
    card = item.card
    front, back, sides = card_html(card, viewer_id=learner_id)
    variant = None
    if card.note.type == "parametric":
        seed = parametric.new_seed(rng or fresh_rng())
        variant = parametric.variant_payload(
            card=card, learner_id=learner_id, seed=seed
        )
        front, back = variant["prompt"], ""
    elif card.note.type == "numeric":
        back = ""
    return {
        "id": card.pk,
        "deck": card.deck_id,
        "note": card.note_id,
        "ordinal": card.ordinal,
        "type": card.note.type,
        "front": front,
        "back": back,
        "typed": sides.typed,
        "numeric": numeric_check(card.note.fields)
        if card.note.type == "numeric"
        else None,
        "variant": variant,
        "source": {
            "lesson": card.note.lesson_slug,
            "section": card.note.section_anchor,
            "objective": card.note.objective_key,
        }
        if card.note.lesson_slug
        else None,
        "tags": card.note.tags,
        "state": item.state.state.name.lower(),
        "due": item.state.due.isoformat(),
        "version": item.version,
        "intervals": {
            str(int(rating)): {
                "seconds": round(interval.total_seconds()),
                "label": format_interval(interval),
            }
            for rating, interval in item.intervals.items()
        },
    }
