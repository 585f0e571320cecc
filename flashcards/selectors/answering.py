"""The answer path's one read: the card, its note, its deck, the learner's
memory of it and of its siblings, in a single statement.

Every answer takes this path, so it is written in plain SQL
(`studysite.rows`): the ORM's ``select_related`` cannot join the learner's
memory row, and compiling the statement cost more than running it. The row
is not locked; the write that follows is conditional on the version read
here (`flashcards.services.memory`), so an answer that lost a race is refused
as it would have been had it waited for a lock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from django.db import connection, models

from flashcards.models import Card, CardMemory, Deck, Note
from studysite import errors, permissions, rows
from studysite.models import User


@dataclass
class AnswerTarget:
    """What answering ``card`` needs; ``memory`` is None before the first answer.

    ``siblings`` has the other cards of the note, each with the learner's
    ``(state, suspended)`` or None where they have no row (burying them needs
    no further read).
    """

    card: Card
    memory: CardMemory | None
    siblings: dict[int, tuple[int, bool] | None] = field(default_factory=dict)


@cache
def _sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    table = {m: quote(m._meta.db_table) for m in (Card, Note, Deck, CardMemory)}
    return (
        f"SELECT {rows.columns(Card, 'c')}, {rows.columns(Note, 'n')}, "
        f"{rows.columns(Deck, 'd')}, {rows.columns(CardMemory, 'm')} "
        f"FROM {table[Card]} c "
        f"JOIN {table[Note]} n ON n.id = c.note_id "
        f"JOIN {table[Deck]} d ON d.id = c.deck_id "
        f"LEFT JOIN {table[CardMemory]} m ON m.card_id = c.id AND m.learner_id = %s "
        f"WHERE c.note_id = (SELECT note_id FROM {table[Card]} WHERE id = %s)"
    )


def _widths() -> tuple[int, ...]:
    return tuple(len(m._meta.concrete_fields) for m in (Card, Note, Deck, CardMemory))


def card_for_answer(*, user: User, card_id: int) -> AnswerTarget:
    """The card to answer and the learner's rows, or 404 if not theirs to study.

    Readability is `permissions.deck_readable_one`: from the deck's row, and
    for a deck shared through a class or a kept subscription one small
    statement more.
    """
    found = rows.fetch(_sql(connection.vendor), [user.pk, card_id])
    n_card, n_note, n_deck, n_memory = _widths()
    memory_at = n_card + n_note + n_deck
    state_at = memory_at + _index(CardMemory, "state")
    suspended_at = memory_at + _index(CardMemory, "suspended")
    target = None
    siblings: dict[int, tuple[int, bool] | None] = {}
    for row in found:
        if row[0] != card_id:
            known = row[memory_at] is not None
            siblings[row[0]] = (
                (int(row[state_at]), bool(row[suspended_at])) if known else None
            )
            continue
        target = row
    if target is None:
        raise errors.NotFound("No such card.")
    card = rows.build(Card, target[:n_card])
    card.note = rows.build(Note, target[n_card : n_card + n_note])
    card.deck = rows.build(Deck, target[n_card + n_note : memory_at])
    if not permissions.deck_readable_one(user, card.deck):
        raise errors.NotFound("No such card.")
    memory = None
    if target[memory_at] is not None:
        memory = rows.build(CardMemory, target[memory_at : memory_at + n_memory])
        memory.card = card
    return AnswerTarget(card=card, memory=memory, siblings=siblings)


def _index(model: type[models.Model], attname: str) -> int:
    return [f.attname for f in model._meta.concrete_fields].index(attname)
