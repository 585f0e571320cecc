"""Writing a read import (`reading.Plan`): the deck, its notes and cards, the
images, and each Anki card's review history replayed through our scheduler.

The caller runs `plan_write` inside one transaction: all or nothing.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from random import Random
from typing import Any

from django.utils import timezone

from flashcards import media, services
from flashcards.interop.reading import Plan
from flashcards.interop.uploads import media_create
from flashcards.models import Card, CardMemory, Deck, Note
from flashcards.scheduling import Rating
from flashcards.selectors import fresh_rng
from studysite.models import User

IMPORT_NAMESPACE = uuid.UUID("0c5b7f0e-8f55-4a4e-9d8e-3c1f3a7e2b61")


def plan_write(*, owner: User, plan: Plan) -> tuple[Deck, dict[str, int]]:
    """Make ``owner``'s new deck from ``plan``; return it and what was made
    (``notes``, ``cards``, ``images``, ``reviews``)."""
    urls = {
        name: media_create(owner=owner, name=name, data=data).url
        for name, data in plan.media.items()
    }
    deck = services.deck_create(
        owner=owner, title=plan.title or "Imported deck", description=""
    )
    now = timezone.now()
    rng = fresh_rng()
    reviews = 0
    for kind, fields, tags, external_id, cards in plan.notes:
        if urls:
            fields = {
                k: media.from_package_names(v, urls) if isinstance(v, str) else v
                for k, v in fields.items()
            }
        note = services.note_create(
            deck=deck,
            type=kind,
            fields=fields,
            tags=tags,
            external_id=external_id,
            imported=True,
        )
        if cards:
            reviews += _replay(owner=owner, note=note, cards=cards, now=now, rng=rng)
    return deck, {
        "notes": len(plan.notes),
        "cards": Card.objects.filter(deck=deck).count(),
        "images": len(urls),
        "reviews": reviews,
    }


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
