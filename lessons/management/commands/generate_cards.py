"""``manage.py generate_cards [--lesson SLUG]``: (re)generate lessons' decks.

Each loaded lesson (one with text; run ``load_lessons`` first) gets its system
deck brought up to date: new notes created, changed text edited in place
(schedules and review history kept), notes no longer generated deleted or,
if anyone reviewed them, tagged ``retired``. Prints the cards per objective.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from flashcards.lesson_cards import lesson_cards_generate
from lessons.models import Lesson


class Command(BaseCommand):
    help = "Generate (or update) each lesson's flashcard deck, keeping schedules."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--lesson", help="one lesson's slug (default: all)")

    def handle(self, *args: Any, lesson: str | None = None, **options: Any) -> None:
        lessons = Lesson.objects.exclude(source_hash="").order_by("slug")
        if lesson:
            lessons = lessons.filter(slug=lesson)
            if not lessons.exists():
                raise CommandError(
                    f"No loaded lesson {lesson!r}; run manage.py load_lessons first."
                )
        if not lessons.exists():
            raise CommandError("No lesson is loaded; run manage.py load_lessons first.")
        for row in lessons:
            report = lesson_cards_generate(lesson=row)
            self.stdout.write(
                f"{row.slug}: deck {report.deck.pk}, {report.card_count} cards "
                f"({len(report.created)} notes created, {len(report.updated)} updated, "
                f"{len(report.unchanged)} unchanged, {len(report.retired)} retired, "
                f"{len(report.deleted)} deleted)"
            )
            for key, count in report.cards_per_objective.items():
                self.stdout.write(f"  {key}: {count} cards")
