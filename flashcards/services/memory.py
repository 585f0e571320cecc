"""A learner's memory row of a card: the snapshot a log records, the guarded
write (a conditional ``UPDATE ... WHERE version``; a stale one is a
`studysite.errors.Conflict`), and suspend, bury and their undoing."""

from __future__ import annotations

from collections.abc import Mapping
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
from studysite import errors, rows
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
    """Write the row only if nobody changed it since it was read.

    A row not saved yet is inserted; a copy that got there first makes this
    an ``IntegrityError``. Written in plain SQL (`studysite.rows`): every
    answer writes one.
    """
    memory.version = expected_version + 1
    memory.updated_at = timezone.now()
    values = {
        f.attname: getattr(memory, f.attname)
        for f in CardMemory._meta.concrete_fields
        if f.attname != "id"
    }
    if memory.pk is None:
        memory.pk = rows.insert(CardMemory, values)
        memory._state.adding = False
        return
    for key in ("learner_id", "card_id"):
        del values[key]
    written = rows.update(
        CardMemory, values, where={"id": memory.pk, "version": expected_version}
    )
    if written != 1:
        raise errors.Conflict(
            "This card was answered elsewhere at the same time; reload it."
        )


Siblings = Mapping[int, tuple[int, bool] | None]


def _siblings_of(*, learner: User, card: Card) -> dict[int, tuple[int, bool] | None]:
    ids = Card.objects.filter(note_id=card.note_id).exclude(pk=card.pk)
    found: dict[int, tuple[int, bool] | None] = dict.fromkeys(
        ids.values_list("pk", flat=True)
    )
    if found:
        for card_id, state, suspended in CardMemory.objects.filter(
            learner=learner, card_id__in=list(found)
        ).values_list("card_id", "state", "suspended"):
            found[card_id] = (state, suspended)
    return found


def _new_row(
    *, learner: User, card: Card, card_id: int, now: datetime, until: datetime
) -> dict[str, Any]:
    """A sibling's first row, buried (version 1, as burying counts a change)."""
    row = CardMemory(
        learner=learner,
        card_id=card_id,
        deck_id=card.deck_id,
        due=now,
        buried_until=until,
        version=1,
        updated_at=now,
    )
    return {
        f.attname: getattr(row, f.attname)
        for f in CardMemory._meta.concrete_fields
        if f.attname != "id"
    }


def siblings_bury(
    *,
    learner: User,
    card: Card,
    until: datetime,
    now: datetime,
    only_new: bool,
    siblings: Siblings | None = None,
) -> list[int]:
    """Bury the other cards of ``card``'s note for the learner until ``until``.

    ``only_new``: only those the learner has not started (no row, or new and
    not suspended), as Anki's "bury new siblings". Each buried row's version
    grows, so a tab that still shows one gets a 409. Returns their ids.
    ``siblings`` (the answer path's read, `selectors.card_for_answer`) gives
    each sibling's ``(state, suspended)`` or None without a row, so a card
    without any costs no query and one with some one or two writes; without
    it they are read here.
    """
    if siblings is None:
        siblings = _siblings_of(learner=learner, card=card)
    missing: list[int] = []
    started: list[int] = []
    for card_id, row in sorted(siblings.items()):
        if row is None:
            missing.append(card_id)
        elif not only_new or (row == (State.NEW, False)):
            started.append(card_id)
    if missing:
        rows.insert_many(
            CardMemory,
            (
                _new_row(learner=learner, card=card, card_id=pk, now=now, until=until)
                for pk in missing
            ),
            ignore_conflicts=True,
        )
    if started:
        rows.update(
            CardMemory,
            {"buried_until": until},
            where={"learner_id": learner.pk, "card_id": started},
            increment=("version",),
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
