"""``manage.py import_reviews FILE --user U [--deck D]``: import review history.

The file is in the FSRS optimizer's CSV layout, with a header::

    card_id,review_time,review_rating,review_state,review_duration

``review_time`` is milliseconds since the Unix epoch or ISO 8601 (without an
offset it is read as UTC); ``review_rating`` is 1-4; ``review_state`` is
ignored (the scheduler recomputes it); ``review_duration`` (milliseconds) is
optional. Rows may come in any order: each card's history is replayed through
the scheduler in time order.

A ``card_id`` that is the id of a card the user studies (in ``--deck`` when
given) is that card; any other id gets a new basic card in the deck (``--deck``,
a deck id or the title of one of the user's decks, created if missing; default
"Imported reviews"), remembered by its id so that a second import finds it.

Every row is checked before anything is written: a bad row is reported with
its line number, the command exits non-zero and nothing is imported. Rows
already imported (the same card and time) are skipped, so importing a file
twice changes nothing.
"""

from __future__ import annotations

import csv
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from flashcards import services
from flashcards.models import Card, CardMemory, Deck, ReviewLog
from flashcards.scheduling import Rating
from flashcards.selectors import decks_readable, fresh_rng
from studysite.models import User

IMPORT_NAMESPACE = uuid.UUID("6f1c1d1e-55a4-4f43-9a55-1e0f2f6c2a10")
REQUIRED = ("card_id", "review_time", "review_rating")
DEFAULT_DECK_TITLE = "Imported reviews"
MAX_ERRORS_SHOWN = 20


@dataclass(frozen=True)
class Row:
    line: int
    card_key: str
    time: datetime
    millis: int
    rating: Rating
    duration_ms: int | None


def parse_time(text: str) -> tuple[datetime, int]:
    """Read milliseconds since the epoch or ISO 8601; return (UTC time, ms)."""
    text = text.strip()
    if text.lstrip("-").isdigit():
        millis = int(text)
        if millis < 0:
            raise ValueError("must not be before 1970")
        when = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=millis)
        return when, millis
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{text!r} is neither milliseconds since the epoch nor ISO 8601"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    when = when.astimezone(UTC)
    millis = (when - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)
    if millis < 0:
        raise ValueError("must not be before 1970")
    return when, millis


def parse_rows(lines: Any, *, now: datetime) -> tuple[list[Row], list[str]]:
    """Parse the CSV; return the rows and every problem as 'line N: ...'."""
    reader = csv.DictReader(lines)
    header = [name.strip() for name in reader.fieldnames or []]
    reader.fieldnames = header
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        return [], [f"line 1: the header lacks {', '.join(missing)}"]
    rows: list[Row] = []
    errors: list[str] = []
    for record in reader:
        line = reader.line_num
        problems: list[str] = []
        if None in record:
            problems.append("too many columns")
        key = (record.get("card_id") or "").strip()
        if not key or len(key) > 100:
            problems.append("card_id: must be a non-empty id of at most 100 characters")
        when, millis = None, 0
        try:
            when, millis = parse_time(record.get("review_time") or "")
            if when > now:
                problems.append("review_time: is in the future")
        except ValueError as exc:
            problems.append(f"review_time: {exc}")
        rating_text = (record.get("review_rating") or "").strip()
        rating = None
        if rating_text in {"1", "2", "3", "4"}:
            rating = Rating(int(rating_text))
        else:
            problems.append(f"review_rating: must be 1-4, got {rating_text!r}")
        duration = None
        duration_text = (record.get("review_duration") or "").strip()
        if duration_text:
            try:
                duration = round(float(duration_text))
                if not 0 <= duration <= 2**31 - 1:
                    raise ValueError
            except ValueError:
                problems.append(
                    f"review_duration: must be milliseconds >= 0, got {duration_text!r}"
                )
        if problems:
            errors.append(f"line {line}: " + "; ".join(problems))
            continue
        assert when is not None
        assert rating is not None
        rows.append(Row(line, key, when, millis, rating, duration))
    seen: dict[tuple[str, int], int] = {}
    for row in rows:
        first = seen.setdefault((row.card_key, row.millis), row.line)
        if first != row.line:
            errors.append(
                f"line {row.line}: card {row.card_key} already has a review at "
                f"this time (line {first})"
            )
    return rows, errors


def client_id(*, card_key: str, millis: int) -> uuid.UUID:
    return uuid.uuid5(IMPORT_NAMESPACE, f"{card_key}:{millis}")


class Command(BaseCommand):
    help = "Import review history (FSRS optimizer CSV) for a user, replaying it."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="CSV file ('-' for standard input)")
        parser.add_argument("--user", required=True, help="username")
        parser.add_argument(
            "--deck", help="deck id, or title of one of the user's decks"
        )

    def handle(
        self, *args: Any, file: str, user: str, deck: str | None, **options: Any
    ) -> None:
        learner = User.objects.filter(username=user).first()
        if learner is None:
            raise CommandError(f"No user {user!r}.")
        now = timezone.now()
        try:
            if file == "-":
                import sys

                rows, errors = parse_rows(sys.stdin, now=now)
            else:
                with Path(file).open(newline="", encoding="utf-8-sig") as handle:
                    rows, errors = parse_rows(handle, now=now)
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from None
        if not errors and not rows:
            self.stdout.write("No reviews in the file; nothing imported.")
            return
        if not errors:
            try:
                with transaction.atomic():  # all or nothing, the deck included
                    target = self._deck(learner=learner, deck=deck)
                    imported, cards, created = self._import(
                        learner=learner,
                        rows=rows,
                        deck=target,
                        restrict=deck is not None,
                    )
            except _RowErrors as exc:
                errors = exc.errors
        if errors:
            shown = errors[:MAX_ERRORS_SHOWN]
            more = len(errors) - len(shown)
            text = "\n".join(shown) + (f"\n... and {more} more" if more > 0 else "")
            raise CommandError(f"Nothing imported; bad rows:\n{text}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {imported} reviews of {cards} cards "
                f"({created} new cards) for {learner.username}."
            )
        )

    def _deck(self, *, learner: User, deck: str | None) -> Deck | None:
        if deck is None:
            return None
        if deck.isdigit():
            found = Deck.objects.filter(pk=int(deck), owner=learner).first()
            if found is None:
                raise CommandError(f"{learner.username} has no deck with id {deck}.")
            return found
        found = Deck.objects.filter(owner=learner, title=deck).order_by("id").first()
        return found or services.deck_create(owner=learner, title=deck)

    def _import(
        self, *, learner: User, rows: list[Row], deck: Deck | None, restrict: bool
    ) -> tuple[int, int, int]:
        by_card: dict[str, list[Row]] = defaultdict(list)
        for row in sorted(rows, key=lambda r: (r.time, r.line)):
            by_card[row.card_key].append(row)
        imported = created = 0
        with transaction.atomic():
            known = self._known_cards(
                learner=learner, keys=list(by_card), deck=deck, restrict=restrict
            )
            errors: list[str] = []
            for key, history in by_card.items():
                card = known.get(key)
                if card is None:
                    if deck is None:
                        deck = Deck.objects.filter(
                            owner=learner, title=DEFAULT_DECK_TITLE
                        ).first() or services.deck_create(
                            owner=learner, title=DEFAULT_DECK_TITLE
                        )
                    note = services.note_create(
                        deck=deck,
                        type="basic",
                        fields={"front": f"Imported card {key}", "back": "(imported)"},
                        tags=["imported"],
                        external_id=key,
                    )
                    card = note.cards.select_related("note", "deck").get()
                    created += 1
                imported += self._replay(
                    learner=learner, card=card, key=key, history=history, errors=errors
                )
            if errors:
                raise _RowErrors(sorted(errors, key=_line_of))
        return imported, len(by_card), created

    def _known_cards(
        self, *, learner: User, keys: list[str], deck: Deck | None, restrict: bool
    ) -> dict[str, Card]:
        scope = Card.objects.select_related("note", "deck")
        scope = (
            scope.filter(deck=deck)
            if restrict and deck is not None
            else scope.filter(deck__in=decks_readable(user=learner))
        )
        found: dict[str, Card] = {}
        ids = [int(key) for key in keys if key.isdigit() and len(key) < 19]
        for card in scope.filter(pk__in=ids):
            found[str(card.pk)] = card
        # Cards made by an earlier import, found again by the file's id.
        owned = Card.objects.select_related("note", "deck").filter(
            deck__owner=learner, note__external_id__in=keys, ordinal=1
        )
        if restrict and deck is not None:
            owned = owned.filter(deck=deck)
        for card in owned:
            found.setdefault(card.note.external_id, card)
        return found

    def _replay(
        self,
        *,
        learner: User,
        card: Card,
        key: str,
        history: list[Row],
        errors: list[str],
    ) -> int:
        ids = {row.line: client_id(card_key=key, millis=row.millis) for row in history}
        done = set(
            ReviewLog.objects.filter(
                learner=learner, client_review_id__in=list(ids.values())
            ).values_list("client_review_id", flat=True)
        )
        todo = [row for row in history if ids[row.line] not in done]
        if not todo:
            return 0
        CardMemory.objects.get_or_create(
            learner=learner,
            card=card,
            defaults={"deck_id": card.deck_id, "due": todo[0].time},
        )
        memory = CardMemory.objects.select_for_update().get(learner=learner, card=card)
        if memory.last_review is not None and todo[0].time < memory.last_review:
            errors.append(
                f"line {todo[0].line}: card {key} was last reviewed at "
                f"{memory.last_review.isoformat()}, after this review"
            )
            return 0
        for row in todo:
            services.apply_review(
                learner=learner,
                card=card,
                memory=memory,
                rating=row.rating,
                reviewed_at=row.time,
                client_review_id=ids[row.line],
                duration_ms=row.duration_ms,
                rng=fresh_rng(),
                now=row.time,
            )
        return len(todo)


class _RowErrors(Exception):
    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("\n".join(errors))


def _line_of(error: str) -> int:
    head = error.split(":", 1)[0].removeprefix("line ")
    return int(head) if head.isdigit() else 0
