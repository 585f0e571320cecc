"""The dicts the flashcards API sends (and the study page shows): decks,
notes, queued cards with their HTML sides and intervals, memory states,
reviews, the study queue and imports.

The views in `flashcards.apis` pass each dict through their
``OutputSerializer``, which documents it and leaves its JSON as built here.
"""

from __future__ import annotations

from datetime import datetime
from random import Random
from typing import Any

from django.urls import reverse

from flashcards import content, interop, media, parametric, selectors, services
from flashcards.media_access import sign_media
from flashcards.models import Card, CardMemory, Deck, ImportJob, Note, ReviewLog
from flashcards.scheduling import State, format_interval
from flashcards.selectors import QueuedCard, fresh_rng
from lessons.markup import render_user_markdown

# --- decks and notes -----------------------------------------------------------


def _annotated(deck: Deck, name: str, related: Any) -> int:
    value = getattr(deck, name, None)
    return related.count() if value is None else value


def deck_data(deck: Deck) -> dict[str, Any]:
    return {
        "id": deck.pk,
        "title": deck.title,
        "description": deck.description,
        "lesson_slug": deck.lesson_slug,
        "objective_key": deck.objective_key,
        "owner": deck.owner.username,
        "visibility": deck.visibility,
        "is_system": deck.is_system,
        "options": deck.scheduling_options.to_dict(),
        "options_set": deck.options,
        # Lists annotate the counts (a deck with none has 0, not a query).
        "note_count": _annotated(deck, "note_count", deck.notes),
        "card_count": _annotated(deck, "card_count", deck.cards),
        "created_at": deck.created_at.isoformat(),
        "updated_at": deck.updated_at.isoformat(),
    }


def note_data(note: Note, *, viewer_id: int | None = None) -> dict[str, Any]:
    """A note; ``media`` maps each image URL in its fields to one signed for
    ``viewer_id`` (good for an hour or two)."""
    urls = {
        f"{media.MEDIA_PREFIX}{sha}.{ext}"
        for value in note.fields.values()
        if isinstance(value, str)
        for sha, ext in media.media_hashes(value)
    }
    return {
        "media": {url: sign_media(url, user_id=viewer_id) for url in sorted(urls)},
        "id": note.pk,
        "deck": note.deck_id,
        "type": note.type,
        "fields": note.fields,
        "tags": note.tags,
        "cards": list(note.cards.order_by("ordinal").values_list("id", flat=True)),
        "created_at": note.created_at.isoformat(),
    }


def studied_deck_data(deck: Deck) -> dict[str, Any]:
    """A deck of the learner's review, with why they study it."""
    return {
        **deck_data(deck),
        "studied_via": deck.source,
        "classes": deck.class_names,
    }


def catalog_deck_data(deck: Deck) -> dict[str, Any]:
    return {**deck_data(deck), "subscribed": bool(deck.subscribed)}


# --- study ---------------------------------------------------------------------


def _iso(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def memory_data_from_snapshot(
    snapshot: dict[str, Any], *, interval_days: float | None
) -> dict[str, Any]:
    return {
        "state": State(snapshot["state"]).name.lower(),
        "due": snapshot["due"],
        "stability": snapshot["stability"],
        "difficulty": snapshot["difficulty"],
        "step": snapshot["step"],
        "interval_days": interval_days,
        "last_review": snapshot["last_review"],
        "reps": snapshot["reps"],
        "lapses": snapshot["lapses"],
        "suspended": snapshot["suspended"],
        "leech": snapshot["leech"],
        "buried_until": snapshot["buried_until"],
        "version": snapshot["version"],
    }


def memory_data(memory: CardMemory) -> dict[str, Any]:
    return {
        "card": memory.card_id,
        **memory_data_from_snapshot(
            services.memory_snapshot(memory), interval_days=None
        ),
    }


def review_data(log: ReviewLog) -> dict[str, Any]:
    return {
        "review": {
            "id": log.pk,
            "client_review_id": str(log.client_review_id),
            "card": log.card_id,
            "rating": log.rating,
            "reviewed_at": log.reviewed_at.isoformat(),
            "duration_ms": log.duration_ms,
            "interval_days": log.interval_days,
            "answer": log.answer,
            "correct": log.correct,
            "seed": log.seed,
            "undone": log.undone_at is not None,
        },
        "memory": {
            "card": log.card_id,
            **memory_data_from_snapshot(
                log.state_after, interval_days=log.interval_days
            ),
        },
        "buried_siblings": list(log.state_after.get("buried_siblings") or []),
    }


def queue_data(
    queue: selectors.StudyQueue, *, learner_id: int | None = None
) -> dict[str, Any]:
    return {
        "counts": {
            "new": queue.new_count,
            "learning": queue.learning_count,
            "review": queue.review_count,
        },
        "done_today": {
            "new": queue.done.new,
            "learning": queue.done.learning,
            "review": queue.done.review,
        },
        "next_learning_due": _iso(queue.next_learning_due),
        "cards": [card_payload(item, learner_id=learner_id) for item in queue.cards],
    }


# --- imports -------------------------------------------------------------------


def import_data(job: ImportJob) -> dict[str, Any]:
    return {
        "id": job.pk,
        "kind": job.kind,
        "state": job.status,  # the API's name for the job's status
        "phase": job.phase,
        "filename": job.filename,
        "size": job.size,
        "done": job.done,
        "total": job.total,
        "deck": job.deck_id,
        "error": job.error,
        "warnings": job.warnings,
        "result": {k: v for k, v in job.result.items() if k != "skipped_notes"},
        "skipped": job.result.get("skipped_notes", []),
        "preview": job.preview if job.status == ImportJob.Status.MAPPING else None,
        "mapping": job.options.get("columns")
        if job.kind == ImportJob.Kind.CSV
        else None,
        "retryable": interop.import_job_retryable(job),
        "links": {
            "self": reverse("flashcards-import-detail", args=[job.pk]),
            "retry": reverse("flashcards-import-retry", args=[job.pk]),
            "page": reverse("flashcards:import-detail", args=[job.pk]),
        },
    }


# --- cards ---------------------------------------------------------------------


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
