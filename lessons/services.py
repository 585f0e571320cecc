"""Writes of the lessons app: loading the course content into the database.

:func:`course_load` reads ``lessons/content`` with the pure renderer, renders
every lesson that has text, and only then writes, in one transaction. Rows are
matched by slug (course, phase, lesson), key (objective) and anchor (section):
a second load updates text in place and keeps every id other apps link to.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import django.dispatch
from django.db import transaction
from django.utils import timezone

from lessons import lessonfiles
from lessons.models import (
    Course,
    LearningObjective,
    Lesson,
    LessonSection,
    Phase,
    Prerequisite,
)

CONTENT_DIR = Path(__file__).resolve().parent / "content"

#: Sent inside the load's transaction for each lesson with text, so other apps
#: (flashcards: the lesson's cards) can sync what they derive from it.
#: Arguments: ``lesson`` (the saved row) and ``rendered`` (a RenderedLesson).
lesson_loaded = django.dispatch.Signal()


@dataclass
class LoadReport:
    """What a load did, one line per created, updated or retired row."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            *(f"created {item}" for item in self.created),
            *(f"updated {item}" for item in self.updated),
            *(f"retired {item}" for item in self.retired),
            *(f"unchanged {item}" for item in self.unchanged),
        ]


def content_error_line(error: lessonfiles.ContentError) -> str:
    """One line for a content error: the count and every problem, joined."""
    problems = error.problems or (str(error),)
    count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
    return f"invalid lesson content ({count}): " + " | ".join(problems)


def course_load(*, content_dir: str | Path | None = None) -> LoadReport:
    """Load (or reload) the course from markdown into the database.

    Everything is read and rendered before the first write, and the writes
    run in one transaction: bad content raises and changes nothing.

    Raises:
        lessonfiles.ContentError: the content is invalid (every problem listed).
    """
    course = lessonfiles.load_course(content_dir or CONTENT_DIR)
    values = lessonfiles.lesson_values()
    rendered = {
        lesson.slug: lessonfiles.render_lesson(lesson, values)
        for lesson in course.lessons
    }
    report = LoadReport()
    with transaction.atomic():
        course_row = _upsert(
            report,
            Course,
            {"slug": course.slug},
            {"title": course.title},
            label=f"course {course.slug}",
        )
        lessons: dict[str, Lesson] = {}
        for phase in course.phases:
            phase_row = _upsert(
                report,
                Phase,
                {"course": course_row, "number": phase.number},
                {"slug": phase.slug, "title": phase.title},
                label=f"phase {phase.number} {phase.slug}",
            )
            for ref in phase.lessons:
                lessons[ref.slug] = _lesson_outline(report, phase_row, ref)
        for lesson in course.lessons:
            _lesson_content(report, lessons[lesson.slug], rendered[lesson.slug])
        for lesson in course.lessons:
            _prerequisites(lessons[lesson.slug], lesson, lessons)
        _retire_missing_lessons(report, course_row, set(lessons))
    return report


def _upsert(
    report: LoadReport,
    model: type[Any],
    keys: dict[str, Any],
    values: dict[str, Any],
    *,
    label: str,
) -> Any:
    row = model.objects.filter(**keys).first()
    if row is None:
        report.created.append(label)
        return model.objects.create(**keys, **values)
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    if changed:
        for name in changed:
            setattr(row, name, values[name])
        row.save(update_fields=changed)
        report.updated.append(f"{label} ({', '.join(changed)})")
    return row


def _lesson_outline(
    report: LoadReport, phase: Phase, ref: lessonfiles.LessonRef
) -> Lesson:
    # (phase, order) is unique: when lessons swap places, park the row whose
    # place this lesson takes; its own turn gives it its new order.
    Lesson.objects.filter(phase=phase, order=ref.order).exclude(slug=ref.slug).update(
        order=1000 + ref.order
    )
    status = "published" if ref.published else "not published"
    values = {
        "phase": phase,
        "title": ref.title,
        "order": ref.order,
        "published": ref.published,
        "phase_closer": ref.phase_closer,
    }
    lesson: Lesson = _upsert(
        report,
        Lesson,
        {"slug": ref.slug},
        values,
        label=f"lesson {ref.slug} ({status})",
    )
    return lesson


def source_hash(rendered: lessonfiles.RenderedLesson) -> str:
    """A hash of what the page shows: metadata, HTML, TOC and cards."""
    lesson = rendered.lesson
    payload = {
        "meta": [
            lesson.title,
            lesson.summary,
            lesson.difficulty,
            lesson.read_minutes,
            lesson.practice_minutes,
            lesson.prerequisites.summary,
            list(lesson.prerequisites.lessons),
        ],
        "objectives": [[o.key, o.text] for o in lesson.objectives],
        "sections": [[s.anchor, s.title, s.kind, s.html] for s in rendered.sections],
        "cards": [c.to_dict() for c in rendered.cards],
    }
    data = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(data).hexdigest()


def _lesson_content(
    report: LoadReport, row: Lesson, rendered: lessonfiles.RenderedLesson
) -> None:
    digest = source_hash(rendered)
    label = f"lesson {row.slug} text"
    if row.source_hash == digest:
        report.unchanged.append(label)
        lesson_loaded.send(sender=Lesson, lesson=row, rendered=rendered)
        return
    lesson = rendered.lesson
    (report.created if not row.source_hash else report.updated).append(
        f"{label} ({rendered.word_count:,} words, {rendered.read_minutes} min read, "
        f"{len(lesson.objectives)} objectives, {len(rendered.sections)} sections, "
        f"{len(rendered.cards)} cards)"
    )
    row.summary = lesson.summary
    row.difficulty = lesson.difficulty
    row.read_minutes = rendered.read_minutes
    row.read_minutes_stated = lesson.read_minutes
    row.practice_minutes = lesson.practice_minutes
    row.word_count = rendered.word_count
    row.math_count = rendered.math_count
    row.prerequisites_summary = lesson.prerequisites.summary
    row.html = rendered.html
    row.toc = [{"level": e.level, "id": e.id, "title": e.title} for e in rendered.toc]
    row.cards = [c.to_dict() for c in rendered.cards]
    row.source_hash = digest
    row.loaded_at = timezone.now()
    row.save()
    _objectives(report, row, lesson.objectives)
    _sections(row, rendered.sections)
    lesson_loaded.send(sender=Lesson, lesson=row, rendered=rendered)


def _objectives(
    report: LoadReport, lesson: Lesson, objectives: tuple[lessonfiles.Objective, ...]
) -> None:
    existing = {o.key: o for o in lesson.objectives.all()}
    for order, objective in enumerate(objectives):
        row = existing.pop(objective.key, None)
        if row is None:
            LearningObjective.objects.create(
                lesson=lesson, key=objective.key, text=objective.text, order=order
            )
            continue
        row.text, row.order, row.retired = objective.text, order, False
        row.save(update_fields=["text", "order", "retired"])
    for row in existing.values():
        if not row.retired:
            row.retired = True
            row.save(update_fields=["retired"])
            report.retired.append(f"objective {lesson.slug}:{row.key}")


def _sections(
    lesson: Lesson, sections: tuple[lessonfiles.RenderedSection, ...]
) -> None:
    existing = {s.anchor: s for s in lesson.sections.all()}
    for order, section in enumerate(sections):
        row = existing.pop(section.anchor, None) or LessonSection(
            lesson=lesson, anchor=section.anchor
        )
        row.title, row.kind, row.order = section.title, section.kind, order
        row.html, row.word_count = section.html, section.word_count
        row.save()
    # Sections are derived data with nothing linked to them.
    LessonSection.objects.filter(pk__in=[s.pk for s in existing.values()]).delete()


def _prerequisites(
    row: Lesson, lesson: lessonfiles.Lesson, lessons: dict[str, Lesson]
) -> None:
    wanted = [lessons[slug] for slug in lesson.prerequisites.lessons]
    row.prerequisites.exclude(required__in=wanted).delete()
    for order, required in enumerate(wanted):
        Prerequisite.objects.update_or_create(
            lesson=row, required=required, defaults={"order": order}
        )


def _retire_missing_lessons(
    report: LoadReport, course: Course, slugs: set[str]
) -> None:
    # A lesson dropped from course.toml keeps its row (and what links to it)
    # but loses its page.
    gone = Lesson.objects.filter(phase__course=course, published=True).exclude(
        slug__in=slugs
    )
    for lesson in gone:
        lesson.published = False
        lesson.save(update_fields=["published"])
        report.retired.append(f"lesson {lesson.slug} (no longer in the outline)")
