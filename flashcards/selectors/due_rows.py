"""The learner's due learning and review rows, read for the study queue.

A heavy learner has thousands of cards due; the queue shows a few. So:

* Learning and relearning cards are all counted and shown first, by due time:
  the database orders them (partial index ``fc_memory_learning``) and only
  their ids come back. Their full rows are read for the head of the queue only.
* Review cards are narrowed in the database to what each deck may still show
  today, in the deck's review order: lowest retrievability first is lowest
  ``(now - last review) / stability`` first (the forgetting curve falls with
  it for one deck's decay), or by due time. Only those rows come back whole.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connections
from django.db.models import (
    Case,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Min,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber

from flashcards.models import CardMemory
from flashcards.scheduling import CardState, DeckOptions, ReviewOrder, State
from studysite.models import User

_DAY = timedelta(days=1)
LEARNING_STATES = (State.LEARNING, State.RELEARNING)

MEMORY_COLUMNS = (
    "card_id",
    "card__note_id",
    "deck_id",
    "state",
    "due",
    "stability",
    "difficulty",
    "step",
    "last_review",
    "reps",
    "lapses",
    "version",
)


class Epoch(Func):
    """Seconds since 1970 of a datetime column (Postgres and SQLite)."""

    output_field = FloatField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="date_part('epoch', %(expressions)s)",
            **extra,
        )

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s) - 2440587.5) * 86400.0)",
            **extra,
        )


def memory_state(row: tuple[Any, ...]) -> tuple[int, int, int, CardState, int]:
    """``(card_id, note_id, deck_id, state, version)`` of a `MEMORY_COLUMNS` row."""
    (card_id, note_id, deck_id, state, due, stability, difficulty, step) = row[:8]
    last_review, reps, lapses, version = row[8:]
    card_state = CardState(
        state=State(state),
        due=due,
        stability=stability,
        difficulty=difficulty,
        step=step,
        last_review=last_review,
        reps=reps,
        lapses=lapses,
    )
    return card_id, note_id, deck_id, card_state, version


def _shown(
    *, learner: User, deck_ids: list[int], now: datetime
) -> QuerySet[CardMemory]:
    rows = CardMemory.objects.filter(learner=learner, suspended=False).filter(
        Q(buried_until__isnull=True) | Q(buried_until__lte=now)
    )
    if len(deck_ids) == 1:
        return rows.filter(deck_id=deck_ids[0])
    return rows.filter(deck_id__in=deck_ids)


# --- learning -------------------------------------------------------------------


@dataclass
class Learning:
    """The due learning cards in study order, and what the queue needs of the rest."""

    card_ids: list[int] = field(default_factory=list)
    next_due: datetime | None = None  # the first learning card due later today
    notes: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))


def learning_rows(
    *,
    learner: User,
    deck_ids: list[int],
    now: datetime,
    day_end: datetime,
    with_notes: Iterable[int] = (),
) -> Learning:
    """The learning and relearning cards due now, by due time then card id.

    A card whose step is a day or more is due all its day, as a review is.
    ``with_notes``: decks that bury siblings, whose learning notes (due before
    the day ends, whether due yet or not) are returned too.
    """
    noted = set(with_notes)
    rows = _shown(learner=learner, deck_ids=deck_ids, now=now).filter(
        state__in=LEARNING_STATES, due__lt=day_end
    )
    gap = ExpressionWrapper(F("due") - F("last_review"), output_field=DurationField())
    # 0: due now; 1: due later today, for the whole day; 2: due later today.
    wait = Case(When(due__lte=now, then=0), When(gap__gte=_DAY, then=1), default=2)
    ordered = rows.alias(gap=gap).annotate(wait=wait).order_by("due", "card_id")
    # Thousands of rows for a heavy learner: read without the ORM's per-row work.
    found = _fetch(ordered.values_list("card_id", "wait"))
    learning = Learning(card_ids=[card_id for card_id, wait in found if wait < 2])
    if any(wait for _, wait in found):
        later = rows.filter(due__gt=now).aggregate(first=Min("due"))
        learning.next_due = later["first"]
    if noted:
        held = rows.filter(deck_id__in=noted).values_list("deck_id", "card__note_id")
        for deck_id, note_id in held.distinct():
            learning.notes[deck_id].add(note_id)
    return learning


def _fetch(rows: QuerySet[Any, Any]) -> list[tuple[Any, ...]]:
    """The rows of a query of plain numbers, straight from the cursor."""
    sql, params = rows.query.get_compiler(using=rows.db).as_sql()
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        found: list[tuple[Any, ...]] = cursor.fetchall()
    return found


def memory_rows(*, learner: User, card_ids: list[int]) -> dict[int, tuple[Any, ...]]:
    """Full rows (`MEMORY_COLUMNS`) of some of the learner's cards."""
    if not card_ids:
        return {}
    rows = CardMemory.objects.filter(learner=learner, card_id__in=card_ids)
    return {row[0]: row for row in rows.values_list(*MEMORY_COLUMNS)}


# --- reviews --------------------------------------------------------------------


def _review_order(options: DeckOptions, *, now: datetime) -> list[Any]:
    if options.review_order is ReviewOrder.DUE:
        return [F("due").asc(), F("card_id").asc()]
    at = Value(now.timestamp())
    elapsed = at - Coalesce(Epoch("last_review"), at)
    ratio = Case(
        When(stability__gt=0, then=elapsed / F("stability")),
        default=Value(1e308),
        output_field=FloatField(),
    )
    return [ratio.desc(), F("card_id").asc()]


def review_rows(
    *,
    learner: User,
    keep: dict[int, tuple[int, DeckOptions]],
    now: datetime,
    day_end: datetime,
) -> dict[int, list[tuple[Any, ...]]]:
    """Each deck's due review rows that its order puts first, ``keep`` of them.

    Args:
        keep: Per deck id, how many rows to keep and the deck's options.

    Returns:
        Per deck, full rows (`MEMORY_COLUMNS`) in no particular order.
    """
    wanted = {deck_id: pair for deck_id, pair in keep.items() if pair[0] > 0}
    if not wanted:
        return {}
    rows = _shown(learner=learner, deck_ids=list(wanted), now=now).filter(
        state=State.REVIEW, due__lt=day_end
    )
    by_deck: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    if len(wanted) == 1:
        ((deck_id, (count, options)),) = wanted.items()
        # Ranked by their keys alone; only the rows kept are read whole.
        first = rows.order_by(*_review_order(options, now=now)).values("pk")[:count]
        chosen = CardMemory.objects.filter(pk__in=first)
        by_deck[deck_id] = list(chosen.values_list(*MEMORY_COLUMNS))
        return by_deck
    orders = {options.review_order: options for _, options in wanted.values()}

    def ranks() -> dict[str, Window]:
        return {
            f"rank_{order.value}": Window(
                RowNumber(),
                partition_by=[F("deck_id")],
                order_by=_review_order(options, now=now),
            )
            for order, options in orders.items()
        }

    most = max(count for count, _ in wanted.values())
    near = Q()
    for name in ranks():
        near |= Q(**{f"{name}__lte": most})
    first = rows.annotate(**ranks()).filter(near).values("pk")
    # Ranked again among those rows only: the same order, so the same heads.
    chosen = CardMemory.objects.filter(pk__in=first).annotate(**ranks())
    names = list(ranks())
    for row in chosen.values_list(*MEMORY_COLUMNS, *names):
        count, options = wanted[row[2]]
        rank = row[len(MEMORY_COLUMNS) + names.index(f"rank_{options.review_order}")]
        if rank <= count:
            by_deck[row[2]].append(row[: len(MEMORY_COLUMNS)])
    return by_deck
