"""Writing a read import (`reading.Plan`): the deck, its notes and cards, the
images, and each Anki card's review history replayed through our scheduler.

The caller runs `plan_write` inside one transaction: all or nothing. A
re-import (notes whose GUIDs the owner's deck holds) updates those notes in
place and adds the new ones to the same deck.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count
from django.utils import timezone

from flashcards import media, services
from flashcards.interop.reading import Plan
from flashcards.interop.uploads import media_create
from flashcards.models import Card, Deck, Note
from studysite import errors
from studysite.models import User


def _target(*, owner: User, plan: Plan, into: Deck | None) -> Deck:
    """The deck to write into: the one asked for; else the owner's deck that
    holds most of the plan's notes already (by GUID: a re-import); else new."""
    if into is not None:
        return into
    guids = [external_id for _k, _f, _t, external_id, _c in plan.notes if external_id]
    if guids:
        held = (
            Note.objects.filter(deck__owner=owner, external_id__in=guids)
            .values("deck_id")
            .annotate(n=Count("id"))
            .order_by("-n", "-deck_id")
            .first()
        )
        if held is not None:
            return Deck.objects.get(pk=held["deck_id"])
    return services.deck_create(
        owner=owner, title=plan.title or "Imported deck", description=""
    )


def plan_write(
    *, owner: User, plan: Plan, into: Deck | None = None
) -> tuple[Deck, dict[str, int]]:
    """Write ``plan`` into ``owner``'s deck (`_target`); return it and the
    counts: ``notes`` (new), ``updated``, ``unchanged``, ``skipped``, and the
    deck's ``cards``, the ``images`` and ``reviews`` written.

    A note whose GUID the deck holds already is updated in place (fields and
    tags; its cards, and so every learner's schedule and history, stay), or
    left alone when nothing changed; its review history is not replayed
    again. One that cannot be updated (its type changed) is skipped and
    listed in ``plan.skipped``.
    """
    urls = {
        name: media_create(owner=owner, name=name, data=data).url
        for name, data in plan.media.items()
    }
    deck = _target(owner=owner, plan=plan, into=into)
    held = {
        note.external_id: note
        for note in Note.objects.filter(
            deck=deck,
            external_id__in=[n[3] for n in plan.notes if n[3]],
        )
    }
    now = timezone.now()
    histories: list[tuple[Note, list[Any]]] = []
    counts = {"notes": 0, "updated": 0, "unchanged": 0, "reviews": 0}
    for kind, fields, tags, external_id, cards in plan.notes:
        if urls:
            fields = {
                k: media.from_package_names(v, urls) if isinstance(v, str) else v
                for k, v in fields.items()
            }
        existing = held.get(external_id) if external_id else None
        if existing is not None:
            outcome = _update(existing, kind, fields, tags, plan)
            if outcome != "skipped":  # skipped ones are counted by the plan
                counts[outcome] += 1
            continue
        note = services.note_create(
            deck=deck,
            type=kind,
            fields=fields,
            tags=tags,
            external_id=external_id,
            imported=True,
        )
        counts["notes"] += 1
        if cards:
            histories.append((note, cards))
    counts["reviews"] = _replay(owner=owner, histories=histories, now=now)
    return deck, {
        **counts,
        "cards": Card.objects.filter(deck=deck).count(),
        "images": len(urls),
    }


def _update(
    note: Note, kind: str, fields: dict[str, Any], tags: list[str], plan: Plan
) -> str:
    """Bring an imported note up to date: ``updated``, ``unchanged`` or
    ``skipped`` (listed in the plan)."""
    if note.fields == fields and note.tags == tags and note.type == kind:
        return "unchanged"
    try:
        services.note_update(note=note, fields=fields, tags=tags, imported=True)
    except errors.Invalid as exc:
        reason = "; ".join(f"{k}: {v[0]}" for k, v in exc.fields.items())
        plan.skip(f"GUID {note.external_id}", fields, f"not updated ({reason})")
        return "skipped"
    return "updated"


def _replay(
    *, owner: User, histories: list[tuple[Note, list[Any]]], now: datetime
) -> int:
    """Replay the new notes' Anki review histories through our scheduler, in
    bulk (`services.package_history_replay`)."""
    by_note = {
        (card.note_id, card.ordinal): card
        for card in Card.objects.filter(
            note_id__in=[note.pk for note, _ in histories]
        ).select_related("note", "deck")
    }
    return services.package_history_replay(
        learner=owner,
        histories=[
            (by_note[note.pk, ordinal], history)
            for note, cards in histories
            for ordinal, history in cards
            if history and (note.pk, ordinal) in by_note
        ],
        now=now,
    )
