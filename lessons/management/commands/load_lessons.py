"""``manage.py load_lessons``: load the course text from ``lessons/content``.

Idempotent: a second run updates text in place and keeps every row (and
everything linked to it). Invalid content prints one line and exits non-zero
without changing anything.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from lessons import lessonfiles
from lessons.services import CONTENT_DIR, content_error_line, course_load


class Command(BaseCommand):
    help = "Load (or reload) the course outline and lesson text from markdown."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--content-dir",
            default=str(CONTENT_DIR),
            help="folder holding course.toml (default: lessons/content)",
        )

    def handle(self, *args: Any, content_dir: str, **options: Any) -> None:
        try:
            report = course_load(content_dir=content_dir)
        except lessonfiles.ContentError as error:
            raise CommandError(content_error_line(error)) from None
        for line in report.lines():
            style = self.style.SUCCESS if line.startswith("created") else None
            self.stdout.write(style(line) if style else line)
        counts = (
            f"{len(report.created)} created, {len(report.updated)} updated, "
            f"{len(report.retired)} retired, {len(report.unchanged)} unchanged"
        )
        self.stdout.write(f"load_lessons: {counts}")
