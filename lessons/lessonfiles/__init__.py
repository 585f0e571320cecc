"""The lesson files (``lessons/content/``): read, checked and rendered.

Pure: imports nothing from Django. ``load_lessons`` (``lessons.services``)
reads the course with :func:`load_course`, computes every number the lessons
show with :func:`lesson_values` and renders each lesson with
:func:`render_lesson`. The modules, each one idea:

* :mod:`~lessons.lessonfiles.errors`: :class:`ContentError`, naming file and field.
* :mod:`~lessons.lessonfiles.model`: the course, lessons, sections and cards.
* :mod:`~lessons.lessonfiles.loading`: ``course.toml``, ``lesson.toml``, sections.
* :mod:`~lessons.lessonfiles.cards`: fenced ````card`` blocks in a lesson.
* :mod:`~lessons.lessonfiles.render`: placeholders, a section, a whole lesson.
* :mod:`~lessons.lessonfiles.examples`: the chosen inputs of the worked examples.
* :mod:`~lessons.lessonfiles.values`, :mod:`~lessons.lessonfiles.memory_values`:
  every number the lesson shows, from :mod:`lessons.precision`.

This package's public API is re-exported here; import other names from
their module. Markdown, math, sanitizing and clozes are :mod:`lessons.markup`.
"""

from lessons.lessonfiles.errors import ContentError, UnknownPlaceholderError
from lessons.lessonfiles.loading import load_course
from lessons.lessonfiles.model import (
    Card,
    Course,
    Lesson,
    LessonRef,
    Objective,
    Phase,
    Prerequisites,
    RenderedDoc,
    RenderedLesson,
    RenderedSection,
    Section,
)
from lessons.lessonfiles.render import placeholders, render_lesson, render_markdown
from lessons.lessonfiles.values import lesson_values

__all__ = [
    "Card",
    "ContentError",
    "Course",
    "Lesson",
    "LessonRef",
    "Objective",
    "Phase",
    "Prerequisites",
    "RenderedDoc",
    "RenderedLesson",
    "RenderedSection",
    "Section",
    "UnknownPlaceholderError",
    "lesson_values",
    "load_course",
    "placeholders",
    "render_lesson",
    "render_markdown",
]
