"""A learner's memory row of a card: the snapshot a log records, the guarded
write (a conditional ``UPDATE ... WHERE version``; a stale one is a
`studysite.errors.Conflict`), and suspend, bury and their undoing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
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


def memory_locked_or_new(*, learner: User, card: Card, now: datetime) -> CardMemory:
    """The learner's row of the card, locked; or a new one, not yet saved.

    One query either way: a new row is inserted by `_save_memory`, and an
    answer racing it for the same card fails on the unique constraint.
    """
    memory = (
        CardMemory.objects.select_for_update()
        .filter(learner=learner, card=card)
        .first()
    )
    if memory is None:
        memory = CardMemory(learner=learner, card=card, deck_id=card.deck_id, due=now)
    return memory


def _save_memory(memory: CardMemory, *, expected_version: int) -> None:
    """Write the row only if nobody changed it since it was read.

    A row not saved yet (`memory_locked_or_new`) is inserted; a copy that got
    there first makes this an ``IntegrityError``.
    """
    memory.version = expected_version + 1
    if memory.pk is None:
        memory.save(force_insert=True)
        return
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


def siblings_bury(
    *, learner: User, card: Card, until: datetime, now: datetime, only_new: bool
) -> list[int]:
    """Bury the other cards of ``card``'s note for the learner until ``until``.

    ``only_new``: only those the learner has not started (no row, or new and
    not suspended), as Anki's "bury new siblings". Each buried row's version
    grows, so a tab that still shows one gets a 409. Returns their ids. The
    siblings' ids come with the card (``sibling_ids``,
    `selectors.card_get_for_review`): a card without any costs no query; one
    with some costs a read of their rows and one or two writes.
    """
    sibling_ids = getattr(card, "sibling_ids", None)
    if sibling_ids is None:
        sibling_ids = list(
            Card.objects.filter(note_id=card.note_id)
            .exclude(pk=card.pk)
            .values_list("pk", flat=True)
        )
    if not sibling_ids:
        return []
    rows = {
        card_id: (state, suspended)
        for card_id, state, suspended in CardMemory.objects.filter(
            learner=learner, card_id__in=sibling_ids
        ).values_list("card_id", "state", "suspended")
    }
    missing: list[int] = []
    started: list[int] = []
    for card_id in sibling_ids:
        if card_id not in rows:
            missing.append(card_id)
        elif not only_new or (rows[card_id] == (State.NEW, False)):
            started.append(card_id)
    if missing:
        CardMemory.objects.bulk_create(
            (
                CardMemory(
                    learner=learner,
                    card_id=pk,
                    deck_id=card.deck_id,
                    due=now,
                    buried_until=until,
                    version=1,
                )
                for pk in missing
            ),
            ignore_conflicts=True,
        )
    if started:
        CardMemory.objects.filter(learner=learner, card_id__in=started).update(
            buried_until=until, version=F("version") + 1
        )
    return sorted(missing + started)


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
