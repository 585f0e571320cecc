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

The import itself is `flashcards.services.review_history_import`: the whole
history is replayed in memory and written in bulk, in one transaction, and
writes what answering each card at each row's time would have written. The
fuzz of a card's intervals is seeded from its first imported review, so a file
gives the same schedule every time.
"""

from __future__ import annotations

import csv
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from flashcards import services
from flashcards.scheduling import Rating
from studysite.errors import DomainError, Invalid
from studysite.models import User

REQUIRED = ("card_id", "review_time", "review_rating")
MAX_ERRORS_SHOWN = 20
Row = services.ImportedReview


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
    return rows, errors + services.duplicate_rows(rows)


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
        rows = self._read(file)
        if not rows:
            self.stdout.write("No reviews in the file; nothing imported.")
            return
        try:
            result = services.review_history_import(
                learner=learner, rows=rows, deck=deck
            )
        except Invalid as exc:
            raise _bad_rows([m for msgs in exc.fields.values() for m in msgs]) from None
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.imported} reviews of {result.cards} cards "
                f"({result.created} new cards) for {learner.username}."
            )
        )

    def _read(self, file: str) -> list[Row]:
        """Every row of the file, each checked; any bad row is the error."""
        now = timezone.now()
        try:
            if file == "-":
                rows, problems = parse_rows(sys.stdin, now=now)
            else:
                with Path(file).open(newline="", encoding="utf-8-sig") as handle:
                    rows, problems = parse_rows(handle, now=now)
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from None
        if problems:
            raise _bad_rows(problems)
        return rows


def _bad_rows(problems: list[str]) -> CommandError:
    """One line for one bad row; a list (the first 20) for more."""
    if len(problems) == 1:
        return CommandError(f"Nothing imported; bad row: {problems[0]}")
    shown = problems[:MAX_ERRORS_SHOWN]
    more = len(problems) - len(shown)
    text = "\n".join(shown) + (f"\n... and {more} more" if more > 0 else "")
    return CommandError(f"Nothing imported; bad rows:\n{text}")
