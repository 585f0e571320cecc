"""A learner's memory row of a card: the snapshot a log records, the guarded
write (a conditional ``UPDATE ... WHERE version``; a stale one is a
`studysite.errors.Conflict`), and suspend, bury and their undoing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from flashcards.models import (
    Card,
    CardMemory,
)
from flashcards.scheduling import (
    State,
    bury_until,
)
from flashcards.selectors import card_get_readable
from studysite import errors
from studysite.models import User


def memory_snapshot(memory: CardMemory) -> dict[str, Any]:
    """What a log records of a memory row (before or after a review)."""
    return {
        **memory.card_state().to_dict(),
        "suspended": memory.suspended,
        "leech": memory.leech,
        "buried_until": memory.buried_until.isoformat()
        if memory.buried_until
        else None,
        "version": memory.version,
    }


def _memory_for_update(*, learner: User, card: Card, now: datetime) -> CardMemory:
    CardMemory.objects.get_or_create(
        learner=learner, card=card, defaults={"deck_id": card.deck_id, "due": now}
    )
    return CardMemory.objects.select_for_update().get(learner=learner, card=card)


def _save_memory(memory: CardMemory, *, expected_version: int) -> None:
    """Write the row only if nobody changed it since it was read."""
    memory.version = expected_version + 1
    values = {
        f.attname: getattr(memory, f.attname)
        for f in CardMemory._meta.concrete_fields
        if f.attname not in ("id", "learner_id", "card_id", "updated_at")
    }
    values["updated_at"] = timezone.now()
    written = CardMemory.objects.filter(pk=memory.pk, version=expected_version).update(
        **values
    )
    if written != 1:
        raise errors.Conflict(
            "This card was answered elsewhere at the same time; reload it."
        )


def _card_memory_change(
    *, learner: User, card_id: int, now: datetime | None, change: str
) -> CardMemory:
    now = now or timezone.now()
    card = card_get_readable(user=learner, card_id=card_id)
    with transaction.atomic():
        memory = _memory_for_update(learner=learner, card=card, now=now)
        version = memory.version
        if change == "suspend":
            memory.suspended = True
        elif change == "unsuspend":
            memory.suspended = False
        elif change == "bury":
            memory.buried_until = bury_until(
                now, learner.time_zone, learner.day_start_hour
            )
        elif change == "unbury":
            memory.buried_until = None
        else:  # pragma: no cover - programming error
            raise ValueError(change)
        _save_memory(memory, expected_version=version)
    return memory


def card_suspend(
    *, learner: User, card_id: int, now: datetime | None = None
) -> CardMemory:
    return _card_memory_change(
        learner=learner, card_id=card_id, now=now, change="suspend"
    )


def card_unsuspend(
    *, learner: User, card_id: int, now: datetime | None = None
) -> CardMemory:
    return _card_memory_change(
        learner=learner, card_id=card_id, now=now, change="unsuspend"
    )


def card_bury(
    *, learner: User, card_id: int, now: datetime | None = None
) -> CardMemory:
    """Hide the card until the learner's next study day starts."""
    return _card_memory_change(learner=learner, card_id=card_id, now=now, change="bury")


def card_unbury(
    *, learner: User, card_id: int, now: datetime | None = None
) -> CardMemory:
    return _card_memory_change(
        learner=learner, card_id=card_id, now=now, change="unbury"
    )


def memory_of(*, learner: User, card_id: int) -> CardMemory | None:
    return CardMemory.objects.filter(learner=learner, card_id=card_id).first()


def state_name(value: int) -> str:
    return State(value).name.lower()
