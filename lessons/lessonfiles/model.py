"""The lesson content model: the course outline, lessons, sections, cards,
and what rendering a lesson gives back. Frozen dataclasses, no behaviour.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path

from lessons.markup.markdown_html import TocEntry

__all__ = [
    "CARD_TYPES",
    "DIFFICULTIES",
    "SECTION_KINDS",
    "SLUG",
    "Card",
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
]

DIFFICULTIES = ("introductory", "standard", "advanced")
SECTION_KINDS = ("reading", "practice")
CARD_TYPES = ("basic", "cloze")
#: A slug: lowercase letters and digits in hyphen-separated words.
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class LessonRef:
    """A lesson's entry in the course outline (``course.toml``)."""

    slug: str
    title: str
    order: int
    published: bool
    phase_closer: bool = False


@dataclass(frozen=True)
class Phase:
    """A phase of the course: a numbered group of lessons in order."""

    number: int
    slug: str
    title: str
    lessons: tuple[LessonRef, ...]


@dataclass(frozen=True)
class Objective:
    """A learning objective with a stable key that cards refer to."""

    key: str
    text: str


@dataclass(frozen=True)
class Prerequisites:
    """Lessons to read first and a short "what you should know" summary."""

    lessons: tuple[str, ...]
    summary: str


@dataclass(frozen=True)
class Section:
    """One section file of a lesson; its anchor is the file name sans prefix."""

    anchor: str
    title: str
    kind: str
    file: str
    text: str


@dataclass(frozen=True)
class Lesson:
    """A published lesson: metadata from ``lesson.toml`` and its sections."""

    slug: str
    title: str
    summary: str
    phase: int
    order: int
    read_minutes: int
    practice_minutes: int
    difficulty: str
    objectives: tuple[Objective, ...]
    prerequisites: Prerequisites
    sections: tuple[Section, ...]
    path: Path

    @property
    def objective_keys(self) -> tuple[str, ...]:
        """The objective keys in order."""
        return tuple(o.key for o in self.objectives)


@dataclass(frozen=True)
class Course:
    """The course outline and every lesson that has content."""

    slug: str
    title: str
    phases: tuple[Phase, ...]
    lessons: tuple[Lesson, ...]

    def lesson(self, slug: str) -> Lesson:
        """Return the lesson with this slug.

        Raises:
            KeyError: No lesson with content has this slug.
        """
        for lesson in self.lessons:
            if lesson.slug == slug:
                return lesson
        raise KeyError(slug)


@dataclass(frozen=True)
class Card:
    """A flashcard written in a lesson (a fenced ``card`` block).

    ``front``/``back`` (basic) and ``text`` (cloze, ``{{c1::answer::hint}}``)
    are markdown with math, placeholders already filled in.
    """

    key: str
    type: str
    objective: str
    front: str = ""
    back: str = ""
    text: str = ""
    section: str = ""

    def to_dict(self) -> dict[str, str]:
        """Return the card as a JSON-safe dict."""
        return asdict(self)


@dataclass(frozen=True)
class RenderedDoc:
    """Markdown rendered to sanitized HTML, with what the page needs around it.

    ``word_count`` counts prose only: not math, code or card boxes (the cards
    are practice). ``read_minutes`` is ``ceil(word_count / 200)``.
    """

    html: str
    toc: tuple[TocEntry, ...]
    cards: tuple[Card, ...]
    word_count: int
    read_minutes: int
    math_count: int


@dataclass(frozen=True)
class RenderedSection:
    """One rendered section of a lesson."""

    anchor: str
    title: str
    kind: str
    html: str
    word_count: int


@dataclass(frozen=True)
class RenderedLesson:
    """A whole lesson rendered; counts cover reading sections only."""

    lesson: Lesson
    html: str
    toc: tuple[TocEntry, ...]
    cards: tuple[Card, ...]
    sections: tuple[RenderedSection, ...]
    word_count: int
    read_minutes: int
    math_count: int
