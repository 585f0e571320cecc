"""Writing a read import (`reading.Plan`): the deck, its notes and cards, the
images, and each Anki card's review history replayed through our scheduler.

The caller runs `plan_write` inside one transaction: all or nothing. A
re-import (notes whose GUIDs the owner's deck holds) updates those notes in
place and adds the new ones to the same deck.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from random import Random
from typing import Any

from django.db.models import Count
from django.utils import timezone

from flashcards import media, services
from flashcards.interop.reading import Plan
from flashcards.interop.uploads import media_create
from flashcards.models import Card, CardMemory, Deck, Note
from flashcards.scheduling import Rating
from flashcards.selectors import fresh_rng
from studysite import errors
from studysite.models import User

IMPORT_NAMESPACE = uuid.UUID("0c5b7f0e-8f55-4a4e-9d8e-3c1f3a7e2b61")


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
    rng = fresh_rng()
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
            counts["reviews"] += _replay(
                owner=owner, note=note, cards=cards, now=now, rng=rng
            )
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
    *, owner: User, note: Note, cards: list[Any], now: datetime, rng: Random
) -> int:
    """Replay an Anki card's review history through our scheduler."""
    ours = {c.ordinal: c for c in note.cards.select_related("note", "deck")}
    count = 0
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    for ordinal, history in cards:
        card = ours.get(ordinal)
        if card is None or not history:
            continue
        memory, _ = CardMemory.objects.get_or_create(
            learner=owner, card=card, defaults={"deck_id": card.deck_id, "due": now}
        )
        for millis, ease, duration in sorted(history):
            when = epoch + timedelta(milliseconds=millis)
            if when > now or (memory.last_review and when < memory.last_review):
                continue
            services.apply_review(
                learner=owner,
                card=card,
                memory=memory,
                rating=Rating(ease),
                reviewed_at=when,
                client_review_id=uuid.uuid5(IMPORT_NAMESPACE, f"{card.pk}:{millis}"),
                duration_ms=duration,
                rng=rng,
                now=now,
            )
            count += 1
    return count
