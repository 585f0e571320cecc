"""Import a learner's review history in bulk (``manage.py import_reviews``).

`review_history_import` takes rows already checked one by one (the command
reads the FSRS optimizer's CSV) and writes what answering each card at each
row's time would have written through `flashcards.services.card_review`,
without its per-answer queries: it loads the cards, the learner's memory rows
and the reviews already imported in a few bulk queries, replays every row
through `flashcards.scheduling.review` in memory, in time order (with each
deck's options and the learner's fitted parameters, read once), and writes
the logs and memory rows with bulk inserts and updates, all in one
transaction: an import that fails leaves nothing written.

The log rows are those of the per-answer path, field by field: the memory
snapshots before and after (`memory.memory_snapshot`), the interval, the
siblings buried on each review (an import of a card of a note with other
cards buries them as an answer would), and a ``client_review_id`` derived
from the file's card id and the review's time (`import_client_id`), which is
how a row imported before is recognised and skipped. Every memory row written
gets a new ``version`` (one more per review, as answers give), so a study tab
that still shows one of the cards gets a 409 instead of overwriting it.

The fuzz of each card's intervals comes from a ``Random`` seeded from that
card's first imported review (`import_rng`): an import gives the same
schedule every time it runs.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from random import Random
from typing import TypeVar

from django.db import IntegrityError, transaction
from django.utils import timezone

from flashcards import content, numeric_answers
from flashcards.models import Card, CardMemory, Deck, Note, ReviewLog
from flashcards.parameters import deck_options_map
from flashcards.scheduling import DeckOptions, LeechAction, Rating, State, bury_until
from flashcards.scheduling import review as schedule_review
from flashcards.selectors import decks_readable
from flashcards.services.decks import deck_create
from flashcards.services.memory import memory_snapshot
from studysite import errors
from studysite.models import User

IMPORT_NAMESPACE = uuid.UUID("6f1c1d1e-55a4-4f43-9a55-1e0f2f6c2a10")
DEFAULT_DECK_TITLE = "Imported reviews"
LOG_BATCH = 2_000  # log rows per INSERT
MEMORY_BATCH = 500  # memory rows per INSERT or UPDATE
LOOKUP_BATCH = 5_000  # values per ``IN (...)`` (SQLite takes 32,766 at most)
MEMORY_FIELDS = (
    "deck_id",
    "state",
    "due",
    "stability",
    "difficulty",
    "step",
    "last_review",
    "reps",
    "lapses",
    "suspended",
    "buried_until",
    "leech",
    "version",
    "updated_at",
)

T = TypeVar("T")


@dataclass(frozen=True)
class ImportedReview:
    """One checked row of a history: the file's card id, when, how it went."""

    line: int
    card_key: str
    time: datetime
    millis: int  # ``time`` in milliseconds since the epoch
    rating: Rating
    duration_ms: int | None


@dataclass(frozen=True)
class ImportResult:
    imported: int  # reviews written (rows imported before are not counted)
    cards: int  # cards the file names
    created: int  # cards made for ids the learner had no card for


@dataclass
class _Replay:
    """The in-memory state of an import while its rows are replayed."""

    learner: User
    options: dict[int, DeckOptions]
    memories: dict[int, CardMemory]  # card id -> the row, loaded or new
    siblings: dict[int, list[int]]  # card id -> the other cards of its note
    loaded: dict[int, int]  # card id -> the version of its row as loaded
    logs: list[ReviewLog] = field(default_factory=list)


def import_client_id(*, card_key: str, millis: int) -> uuid.UUID:
    """The ``client_review_id`` of the review of ``card_key`` at ``millis``."""
    return uuid.uuid5(IMPORT_NAMESPACE, f"{card_key}:{millis}")


def import_rng(*, card_key: str, millis: int) -> Random:
    """The fuzz source of a card whose first imported review is at ``millis``."""
    return Random(import_client_id(card_key=card_key, millis=millis).int)


def duplicate_rows(rows: Sequence[ImportedReview]) -> list[str]:
    """A message for each row of a card at a time an earlier row has."""
    seen: dict[tuple[str, int], int] = {}
    problems = []
    for row in rows:
        first = seen.setdefault((row.card_key, row.millis), row.line)
        if first != row.line:
            problems.append(
                f"line {row.line}: card {row.card_key} already has a review at "
                f"this time (line {first})"
            )
    return problems


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _target_deck(*, learner: User, deck: str | None) -> Deck | None:
    """``--deck``: one of the learner's decks by id, or by title (made if new)."""
    if deck is None:
        return None
    if deck.isdigit():
        found = Deck.objects.filter(pk=int(deck), owner=learner).first()
        if found is None:
            raise errors.NotFound(f"{learner.username} has no deck with id {deck}.")
        return found
    found = Deck.objects.filter(owner=learner, title=deck).order_by("id").first()
    return found or deck_create(owner=learner, title=deck)


def _known_cards(
    *, learner: User, keys: list[str], deck: Deck | None
) -> dict[str, Card]:
    """The cards the file's ids name: a card's own id (one the learner reads;
    in ``deck`` when given), else the card an earlier import made for it."""
    scope = Card.objects.select_related("note", "deck")
    scope = (
        scope.filter(deck=deck)
        if deck is not None
        else scope.filter(deck__in=decks_readable(user=learner))
    )
    ids = [int(key) for key in keys if key.isdigit() and len(key) < 19]
    found: dict[str, Card] = {}
    for id_chunk in _chunks(ids, LOOKUP_BATCH):
        found.update((str(card.pk), card) for card in scope.filter(pk__in=id_chunk))
    owned = Card.objects.select_related("note", "deck").filter(
        deck__owner=learner, ordinal=1
    )
    if deck is not None:
        owned = owned.filter(deck=deck)
    for chunk in _chunks(keys, LOOKUP_BATCH):
        for card in owned.filter(note__external_id__in=chunk).order_by("id"):
            found.setdefault(card.note.external_id, card)
    return found


def _create_cards(*, learner: User, keys: list[str], deck: Deck | None) -> list[Card]:
    """A basic card for each id, in ``deck`` or the learner's import deck,
    remembered by the id (``external_id``), as `services.note_create` makes."""
    if not keys:
        return []
    if deck is None:
        deck = Deck.objects.filter(
            owner=learner, title=DEFAULT_DECK_TITLE
        ).first() or deck_create(owner=learner, title=DEFAULT_DECK_TITLE)
    notes = []
    for key in keys:
        fields, tags = content.validate_note(
            "basic",
            {"front": f"Imported card {key}", "back": "(imported)"},
            ["imported"],
        )
        notes.append(
            Note(deck=deck, type="basic", fields=fields, tags=tags, external_id=key)
        )
    notes = Note.objects.bulk_create(notes, batch_size=MEMORY_BATCH)
    cards = [
        Card(note=note, deck=deck, ordinal=ordinal)
        for note in notes
        for ordinal in content.card_ordinals("basic", note.fields)
    ]
    return Card.objects.bulk_create(cards, batch_size=MEMORY_BATCH)


def _imported_before(*, learner: User, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    done: set[uuid.UUID] = set()
    for chunk in _chunks(ids, LOOKUP_BATCH):
        done.update(
            ReviewLog.objects.filter(
                learner=learner, client_review_id__in=chunk
            ).values_list("client_review_id", flat=True)
        )
    return done


def _load_memories(*, learner: User, card_ids: list[int]) -> dict[int, CardMemory]:
    """The learner's rows of these cards, locked until the import commits."""
    found: dict[int, CardMemory] = {}
    for chunk in _chunks(card_ids, LOOKUP_BATCH):
        rows = CardMemory.objects.select_for_update().filter(
            learner=learner, card_id__in=chunk
        )
        found.update((row.card_id, row) for row in rows)
    return found


def _load_siblings(cards: Sequence[Card]) -> dict[int, list[int]]:
    """The other cards of each card's note (none for a note of one card)."""
    note_ids = sorted({card.note_id for card in cards})
    by_note: dict[int, list[int]] = defaultdict(list)
    for chunk in _chunks(note_ids, LOOKUP_BATCH):
        for pk, note_id in (
            Card.objects.filter(note_id__in=chunk)
            .order_by("pk")
            .values_list("pk", "note_id")
        ):
            by_note[note_id].append(pk)
    return {
        card.pk: [pk for pk in by_note[card.note_id] if pk != card.pk] for card in cards
    }


def _bury_siblings(
    replay: _Replay, *, card: Card, until: datetime, now: datetime, only_new: bool
) -> list[int]:
    """`memory.siblings_bury` on the rows in memory."""
    buried = []
    for pk in replay.siblings.get(card.pk, ()):
        row = replay.memories.get(pk)
        if row is None:
            replay.memories[pk] = CardMemory(
                learner=replay.learner,
                card_id=pk,
                deck_id=card.deck_id,
                due=now,
                buried_until=until,
                version=1,
            )
        elif not only_new or (row.state == State.NEW and not row.suspended):
            row.buried_until = until
            row.version += 1
        else:
            continue
        buried.append(pk)
    return sorted(buried)


def _replay_one(
    replay: _Replay, *, card: Card, row: ImportedReview, rng: Random
) -> None:
    """`reviews.apply_review` of one row, on the rows in memory."""
    learner = replay.learner
    memory = replay.memories.get(card.pk)
    if memory is None:
        memory = CardMemory(
            learner=learner, card=card, deck_id=card.deck_id, due=row.time
        )
        replay.memories[card.pk] = memory
    options = replay.options[card.deck_id]
    before = memory_snapshot(memory)
    outcome = schedule_review(
        memory.card_state(), row.rating, options=options, now=row.time, rng=rng
    )
    memory.apply_state(outcome.state)
    if outcome.leech_action is not None:
        memory.leech = True
        if outcome.leech_action is LeechAction.SUSPEND:
            memory.suspended = True
    memory.version += 1
    after = memory_snapshot(memory)
    if options.bury_siblings or options.bury_new_siblings:
        until = bury_until(row.time, learner.time_zone, learner.day_start_hour)
        buried = _bury_siblings(
            replay,
            card=card,
            until=until,
            now=row.time,
            only_new=not options.bury_siblings,
        )
        if buried:
            after["buried_siblings"] = buried
            after["siblings_buried_until"] = until.isoformat()
    correct = None
    if card.note.type == "numeric":
        correct = numeric_answers.grade_numeric(card.note.fields, "")
    replay.logs.append(
        ReviewLog(
            learner=learner,
            card=card,
            deck_id=card.deck_id,
            client_review_id=import_client_id(card_key=row.card_key, millis=row.millis),
            rating=int(row.rating),
            reviewed_at=row.time,
            duration_ms=row.duration_ms,
            review_state=before["state"],
            state_before=before,
            state_after=after,
            interval_days=outcome.interval_days,
            answer="",
            correct=correct,
        )
    )


def _late_rows(
    *, todo: dict[str, list[ImportedReview]], cards: dict[str, Card], replay: _Replay
) -> list[str]:
    """A card's history may not start before its last review."""
    problems = []
    for key, history in todo.items():
        memory = replay.memories.get(cards[key].pk)
        last = None if memory is None else memory.last_review
        if last is not None and history[0].time < last:
            problems.append(
                f"line {history[0].line}: card {key} was last reviewed at "
                f"{last.isoformat()}, after this review"
            )
    return problems


def _write(replay: _Replay) -> None:
    """Insert the new memory rows and the logs; update the rows that changed."""
    now = timezone.now()
    new, changed = [], []
    for pk, row in replay.memories.items():
        if pk not in replay.loaded:
            new.append(row)
        elif row.version != replay.loaded[pk]:
            changed.append(row)
    for row in changed:
        row.updated_at = now
    CardMemory.objects.bulk_create(new, batch_size=MEMORY_BATCH)
    CardMemory.objects.bulk_update(changed, MEMORY_FIELDS, batch_size=MEMORY_BATCH)
    ReviewLog.objects.bulk_create(replay.logs, batch_size=LOG_BATCH)


def _line(message: str) -> int:
    head = message.split(":", 1)[0].removeprefix("line ")
    return int(head) if head.isdigit() else 0


def _import(
    *, learner: User, rows: Sequence[ImportedReview], deck: str | None
) -> ImportResult:
    duplicates = duplicate_rows(rows)
    if duplicates:
        raise errors.Invalid({"rows": duplicates})
    target = _target_deck(learner=learner, deck=deck)
    by_card: dict[str, list[ImportedReview]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: (r.time, r.line)):
        by_card[row.card_key].append(row)
    keys = list(by_card)
    cards = _known_cards(learner=learner, keys=keys, deck=target)
    unknown = [key for key in keys if key not in cards]
    for card in _create_cards(learner=learner, keys=unknown, deck=target):
        cards[card.note.external_id] = card
    ids = {
        (row.card_key, row.millis): import_client_id(
            card_key=row.card_key, millis=row.millis
        )
        for row in rows
    }
    done = _imported_before(learner=learner, ids=list(ids.values()))
    todo = {
        key: left
        for key, history in by_card.items()
        if (left := [r for r in history if ids[r.card_key, r.millis] not in done])
    }
    touched = [cards[key] for key in todo]
    siblings = _load_siblings(touched)
    card_ids = {card.pk for card in touched}
    card_ids.update(pk for others in siblings.values() for pk in others)
    memories = _load_memories(learner=learner, card_ids=sorted(card_ids))
    decks = {card.deck_id: card.deck for card in touched}
    replay = _Replay(
        learner=learner,
        options=deck_options_map(learner=learner, decks=decks.values()),
        memories=memories,
        siblings=siblings,
        loaded={pk: memory.version for pk, memory in memories.items()},
    )
    problems = _late_rows(todo=todo, cards=cards, replay=replay)
    if problems:
        raise errors.Invalid({"rows": sorted(problems, key=_line)})
    rngs = {
        key: import_rng(card_key=key, millis=history[0].millis)
        for key, history in todo.items()
    }
    timeline = sorted(
        (row for history in todo.values() for row in history),
        key=lambda r: (r.time, r.line),
    )
    for row in timeline:
        _replay_one(replay, card=cards[row.card_key], row=row, rng=rngs[row.card_key])
    _write(replay)
    return ImportResult(
        imported=len(timeline), cards=len(by_card), created=len(unknown)
    )


def review_history_import(
    *, learner: User, rows: Sequence[ImportedReview], deck: str | None = None
) -> ImportResult:
    """Import a learner's review history, all of it or nothing.

    Args:
        learner: Whose history it is.
        rows: The reviews, each already checked (a rating, a past time), in
            any order; a card's (``card_key``) times must differ.
        deck: ``None``: a ``card_key`` that is the id of a card the learner
            reads names that card, any other gets a new basic card in the
            learner's "Imported reviews" deck. A deck id (one of the
            learner's) or title (made if the learner has none of that name):
            only cards of that deck are named by id, and new cards go there.

    Returns:
        How many reviews were written, of how many cards, how many of them new.

    Raises:
        NotFound: ``deck`` is an id of no deck of the learner's.
        Invalid: ``rows`` (one message per bad row, "line N: ..."): two rows
            of a card at one time, or a card's imported history starts before
            its last review.
        Conflict: A card was answered while the import ran; nothing was written.
    """
    try:
        with transaction.atomic():
            return _import(learner=learner, rows=rows, deck=deck)
    except IntegrityError:
        raise errors.Conflict(
            "A card was answered while the history was imported; nothing was "
            "imported, run it again."
        ) from None
