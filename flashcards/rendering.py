"""Cards as the study page and the API show them: HTML sides and intervals."""

from __future__ import annotations

from typing import Any

from flashcards import content
from flashcards.models import Card
from flashcards.scheduling import format_interval
from flashcards.selectors import QueuedCard
from lessons.rendering import render_user_markdown


def card_html(card: Card) -> tuple[str, str, content.Sides]:
    """The card's question and answer as sanitized HTML (math left for KaTeX)."""
    sides = card.sides()
    return render_user_markdown(sides.front), render_user_markdown(sides.back), sides


def numeric_check(fields: dict[str, Any]) -> dict[str, Any]:
    """What a client needs to grade a typed answer as the server does."""
    answer = content.parse_number(fields.get("answer")) or 0.0
    tolerance = content.parse_number(fields.get("tolerance")) or 0.0
    relative = content.parse_number(fields.get("relative_tolerance")) or 0.0
    return {
        "answer": answer,
        "allowed_error": max(tolerance, relative * abs(answer)),
        "unit": fields.get("unit") or "",
    }


def card_payload(item: QueuedCard) -> dict[str, Any]:
    card = item.card
    front, back, sides = card_html(card)
    return {
        "id": card.pk,
        "deck": card.deck_id,
        "note": card.note_id,
        "ordinal": card.ordinal,
        "type": card.note.type,
        "front": front,
        "back": back,
        "typed": sides.typed,
        "numeric": numeric_check(card.note.fields) if sides.typed else None,
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
