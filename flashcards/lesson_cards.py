"""Writes: a lesson's generated deck, kept in step with the lesson.

`lesson_cards_generate` puts what `flashcards.generation` derives for a lesson
into that lesson's system deck (``Deck.is_system``, owned by an inactive
system user, public, changed by nobody else). A new lesson deck is subscribed
for every active learner, as a new learner is subscribed to the existing ones. Notes are
matched by ``source_key``: a second run edits text in place through
`services.note_update`, which keeps card ids by ordinal, so schedules and
review logs survive. A note the lesson no longer yields is deleted only if
nobody has reviewed it; otherwise it stays, tagged ``retired``.

It runs after every ``manage.py load_lessons`` (the ``lesson_loaded`` signal,
inside the load's transaction) and from ``manage.py generate_cards``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction

from flashcards import content, generation, services
from flashcards.models import Deck, Note, ReviewLog, Visibility
from studysite.models import User

SYSTEM_USERNAME = "flashcards-system"
RETIRED_TAG = "retired"


@dataclass
class GenerateReport:
    deck: Deck
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    cards_per_objective: dict[str, int] = field(default_factory=dict)

    @property
    def card_count(self) -> int:
        return sum(self.cards_per_objective.values())


def system_user() -> User:
    """The owner of generated decks: inactive, no password, not a teacher."""
    user, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def lesson_deck(*, lesson_slug: str) -> Deck | None:
    return (
        Deck.objects.filter(is_system=True, lesson_slug=lesson_slug)
        .order_by("id")
        .first()
    )


def _system_deck_for(lesson) -> Deck:  # lessons.models.Lesson
    """The lesson's deck, created (and subscribed for everyone) or retitled."""
    deck = lesson_deck(lesson_slug=lesson.slug)
    description = (
        f"Generated from the lesson “{lesson.title}”: its own cards, the figures "
        f"of the precision domain and its problem templates. Read-only."
    )
    if deck is None:
        deck = Deck.objects.create(
            owner=system_user(),
            title=f"Lesson: {lesson.title}"[:200],
            description=description,
            lesson_slug=lesson.slug,
            is_system=True,
            visibility=Visibility.PUBLIC,
        )
        services.subscribe_everyone(deck=deck)
    elif (
        deck.title != f"Lesson: {lesson.title}"[:200] or deck.description != description
    ):
        deck.title, deck.description = f"Lesson: {lesson.title}"[:200], description
        deck.save(update_fields=["title", "description", "updated_at"])
    return deck


def _retire_or_delete(existing: dict[str, Note], report: GenerateReport) -> None:
    """Retire the notes the lesson no longer yields, deleting unreviewed ones."""
    for key, note in existing.items():
        if ReviewLog.objects.filter(card__note=note).exists():
            if RETIRED_TAG not in note.tags:
                services.note_update(note=note, tags=[*note.tags, RETIRED_TAG])
            report.retired.append(key)
        else:
            note.delete()
            report.deleted.append(key)


@transaction.atomic
def lesson_cards_generate(*, lesson) -> GenerateReport:  # lessons.models.Lesson
    """Create or update the lesson's generated deck; see the module docstring."""
    objectives = list(
        lesson.objectives.filter(retired=False).values_list("key", flat=True)
    )
    sections = list(lesson.sections.values_list("anchor", flat=True))
    wanted = generation.lesson_notes(
        cards=lesson.cards or [], objectives=objectives, sections=sections
    )
    deck = _system_deck_for(lesson)
    report = GenerateReport(deck=deck)
    existing = {n.source_key: n for n in deck.notes.exclude(source_key="")}
    per_objective: Counter[str] = Counter()
    for item in wanted:
        fields, tags = content.validate_note(
            item.type, dict(item.fields), list(item.tags)
        )
        links = {
            "lesson_slug": lesson.slug,
            "section_anchor": item.section,
            "objective_key": item.objective,
        }
        per_objective[item.objective] += len(content.card_ordinals(item.type, fields))
        note = existing.pop(item.source_key, None)
        if note is None:
            services.note_create(
                deck=deck,
                type=item.type,
                fields=fields,
                tags=tags,
                source_key=item.source_key,
                **links,
            )
            report.created.append(item.source_key)
            continue
        same_links = all(getattr(note, k) == v for k, v in links.items())
        if note.type == item.type and note.fields == fields and note.tags == tags:
            if not same_links:
                Note.objects.filter(pk=note.pk).update(**links)
                report.updated.append(item.source_key)
            else:
                report.unchanged.append(item.source_key)
            continue
        for name, value in links.items():
            setattr(note, name, value)
        note.type = item.type  # cards are kept by ordinal even across types
        note.save(update_fields=["type", *links])
        services.note_update(note=note, fields=fields, tags=tags)
        report.updated.append(item.source_key)
    _retire_or_delete(existing, report)
    order = list(objectives)
    report.cards_per_objective = {
        key: per_objective[key] for key in sorted(per_objective, key=_index(order))
    }
    return report


def _index(order: list[str]):
    return lambda key: (order.index(key) if key in order else len(order), key)


def on_lesson_loaded(sender, *, lesson, rendered=None, **kwargs) -> None:
    """``lessons.services.lesson_loaded`` receiver: regenerate the lesson's deck."""
    lesson_cards_generate(lesson=lesson)
