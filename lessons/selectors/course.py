"""The course as a learner reads it: the outline, lesson pages, a lesson's
phase neighbours, and the links from each learning objective to the tools
that practise it. A lesson that is not published is `studysite.errors.NotFound`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import Prefetch, QuerySet

from lessons.models import Course, LearningObjective, Lesson, Phase
from studysite import errors


def course_outline() -> QuerySet[Course]:
    """Every course with its phases and all their lessons, published or not."""
    lessons = Lesson.objects.order_by("order").only(
        "phase_id",
        "slug",
        "title",
        "order",
        "published",
        "phase_closer",
        "summary",
        "read_minutes",
        "practice_minutes",
        "difficulty",
    )
    phases = Phase.objects.order_by("number").prefetch_related(
        Prefetch("lessons", queryset=lessons)
    )
    return Course.objects.prefetch_related(Prefetch("phases", queryset=phases))


def lesson_list() -> QuerySet[Lesson]:
    """All lessons in outline order, with their phase and live objectives."""
    return (
        Lesson.objects.select_related("phase", "phase__course")
        .prefetch_related(_live_objectives())
        .order_by("phase__course__slug", "phase__number", "order")
    )


def lesson_get(*, slug: str) -> Lesson:
    """A published lesson with everything its page shows.

    Raises:
        NotFound: no such lesson, or it is not published (no empty pages).
    """
    lesson = (
        Lesson.objects.filter(slug=slug, published=True)
        .select_related("phase", "phase__course")
        .prefetch_related(_live_objectives(), "sections", "prerequisites__required")
        .first()
    )
    if lesson is None:
        raise errors.NotFound("No published lesson with this slug.")
    return lesson


def _live_objectives() -> Prefetch:
    return Prefetch(
        "objectives",
        queryset=LearningObjective.objects.filter(retired=False).order_by("order"),
    )


def phase_neighbours(*, lesson: Lesson) -> dict[str, Lesson | None]:
    """The published lessons before and after this one in its phase."""
    siblings = lesson.phase.lessons.filter(published=True).order_by("order")
    return {
        "previous": siblings.filter(order__lt=lesson.order).last(),
        "next": siblings.filter(order__gt=lesson.order).first(),
    }


# --------------------------------------------------------------------------
# What practises each objective


@dataclass(frozen=True)
class ObjectiveLink:
    """A link to something that practises an objective.

    ``kind`` is "cards", "problems", "demo" or "tool"; apps choose the label.
    """

    kind: str
    label: str
    url: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "label": self.label, "url": self.url}


def objective_links(*, lesson: Lesson, key: str) -> list[ObjectiveLink]:
    """Ask every installed app what practises objective ``key`` of ``lesson``.

    An app contributes by giving its ``AppConfig`` a method
    ``objective_links(lesson, key)`` that returns ``ObjectiveLink``s (or
    dicts with kind, label and url). The flashcards, problems and demos apps
    add theirs as they land; nothing here needs to change.
    """
    links: list[ObjectiveLink] = []
    for config in apps.get_app_configs():
        provider = getattr(config, "objective_links", None)
        if callable(provider):
            links.extend(_as_link(item) for item in provider(lesson, key) or ())
    return links


def _as_link(item: ObjectiveLink | Mapping[str, str]) -> ObjectiveLink:
    if isinstance(item, ObjectiveLink):
        return item
    return ObjectiveLink(kind=item["kind"], label=item["label"], url=item["url"])


def lesson_objectives(*, lesson: Lesson) -> list[dict[str, Any]]:
    """The lesson's live objectives, each with the links that practise it."""
    return [
        {
            "key": objective.key,
            "text": objective.text,
            "links": [
                link.to_dict()
                for link in objective_links(lesson=lesson, key=objective.key)
            ],
        }
        for objective in lesson.objectives.all()
        if not objective.retired
    ]


#: Interactive tools on a lesson's page: (anchor, label, objective, after).
#: Each tool is placed after the section with anchor ``after``.
LESSON_TOOLS: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "why-precision-matters": (
        (
            "float-explorer",
            "Float explorer",
            "fp-representation",
            "range-versus-precision",
        ),
        (
            "memory-calculator",
            "Memory calculator",
            "fewer-bits-save",
            "what-fewer-bits-save",
        ),
    ),
}


def lesson_page_links(lesson: Lesson, key: str) -> list[ObjectiveLink]:
    """The lessons app's own links: in-page check-yourself cards and tools."""
    url = lesson.get_absolute_url()
    cards = [c for c in lesson.cards if c.get("objective") == key]
    links = []
    if cards:
        count = f"{len(cards)} question{'s' if len(cards) != 1 else ''}"
        links.append(
            ObjectiveLink(
                "cards", f"Check yourself ({count})", f"{url}#card-{cards[0]['key']}"
            )
        )
    for anchor, label, objective, _after in LESSON_TOOLS.get(lesson.slug, ()):
        if objective == key:
            links.append(ObjectiveLink("tool", label, f"{url}#{anchor}"))
    return links
