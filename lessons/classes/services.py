"""Writes of classes: open, new join code, join, leave, assign, unassign."""

from __future__ import annotations

import re
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from flashcards.models import Deck
from flashcards.selectors import deck_descendants
from flashcards.services import deck_share_with_class
from lessons.models import Assignment, Enrollment, Quiz, SchoolClass
from lessons.models.classes import JOIN_CODE_LENGTH, new_join_code
from studysite import errors, permissions
from studysite.models import User

_CODE_NOISE = re.compile(r"[\s\-_.]")


def normalise_code(code: str) -> str:
    """What a learner typed, as stored: upper case, no spaces or dashes."""
    return _CODE_NOISE.sub("", str(code or "")).upper()


def _fresh_code() -> str:
    for _ in range(20):
        code = new_join_code()
        if not SchoolClass.objects.filter(join_code=code).exists():
            return code
    raise errors.Conflict("Could not find a free join code; try again.")


def _clean_name(name: str) -> str:
    name = str(name or "").strip()
    if not name:
        raise errors.Invalid({"name": "Give the class a name."})
    if len(name) > 200:
        raise errors.Invalid({"name": "At most 200 characters."})
    return name


@transaction.atomic
def class_create(*, teacher: User, name: str) -> SchoolClass:
    if not permissions.can_teach(teacher):
        raise errors.Invalid({"teacher": "Only teachers open classes."})
    return SchoolClass.objects.create(
        teacher=teacher, name=_clean_name(name), join_code=_fresh_code()
    )


@transaction.atomic
def class_code_regenerate(*, school_class: SchoolClass) -> SchoolClass:
    """A new join code; the old one stops working, enrolled learners stay."""
    school_class.join_code = _fresh_code()
    school_class.save(update_fields=["join_code"])
    return school_class


@transaction.atomic
def class_join(*, learner: User, code: str, now: datetime | None = None) -> Enrollment:
    """Enroll with a join code (again after leaving); a bad code is a 400."""
    code = normalise_code(code)
    if len(code) != JOIN_CODE_LENGTH:
        raise errors.Invalid(
            {"code": f"A join code has {JOIN_CODE_LENGTH} letters and digits."}
        )
    school_class = SchoolClass.objects.filter(join_code=code).first()
    if school_class is None:
        raise errors.Invalid({"code": "No class has this join code."})
    if school_class.teacher_id == learner.pk:
        raise errors.Invalid({"code": "You teach this class."})
    now = now or timezone.now()
    enrollment, created = Enrollment.objects.select_for_update().get_or_create(
        school_class=school_class, learner=learner, defaults={"joined_at": now}
    )
    if not created and enrollment.left_at is not None:
        enrollment.left_at = None
        enrollment.joined_at = now
        enrollment.save(update_fields=["left_at", "joined_at"])
    return enrollment


@transaction.atomic
def class_leave(
    *, learner: User, school_class: SchoolClass, now: datetime | None = None
) -> Enrollment:
    enrollment = (
        Enrollment.objects.select_for_update()
        .filter(school_class=school_class, learner=learner, left_at__isnull=True)
        .first()
    )
    if enrollment is None:
        raise errors.Invalid({"class": "You are not in this class."})
    enrollment.left_at = now or timezone.now()
    enrollment.save(update_fields=["left_at"])
    return enrollment


def _assignable_deck(teacher: User, deck_id: int) -> Deck:
    """The teacher's own deck; anyone else's is not found (404)."""
    deck = Deck.objects.filter(pk=deck_id, owner=teacher, is_system=False).first()
    if deck is None:
        raise errors.NotFound("No such deck among your decks.")
    return deck


def _assignable_quiz(teacher: User, quiz_id: int) -> Quiz:
    """The teacher's own quiz; anyone else's is not found (404)."""
    quiz = Quiz.objects.filter(pk=quiz_id, teacher=teacher).first()
    if quiz is None:
        raise errors.NotFound("No such quiz among your quizzes.")
    return quiz


@transaction.atomic
def assignment_create(
    *,
    school_class: SchoolClass,
    deck_id: int | None = None,
    quiz_id: int | None = None,
    due_at: datetime | None = None,
) -> Assignment:
    """Assign one of the teacher's decks or quizzes (exactly one) to the class.

    A private deck becomes a class deck: the class's learners study it from
    now on, read-only. A public deck stays public. A deck's subdecks are
    assigned with it (each its own assignment, so each can be taken back).
    """
    if (deck_id is None) == (quiz_id is None):
        raise errors.Invalid({"deck": "Give a deck or a quiz (one of them)."})
    teacher = school_class.teacher
    deck = _assignable_deck(teacher, deck_id) if deck_id is not None else None
    quiz = _assignable_quiz(teacher, quiz_id) if quiz_id is not None else None
    try:
        with transaction.atomic():
            assignment = Assignment.objects.create(
                school_class=school_class, deck=deck, quiz=quiz, due_at=due_at
            )
    except IntegrityError:
        field = "deck" if deck else "quiz"
        raise errors.Invalid({field: "This class already has it assigned."}) from None
    if deck is not None:
        deck_share_with_class(deck=deck)
        held = set(school_class.assignments.values_list("deck_id", flat=True))
        Assignment.objects.bulk_create(
            [
                Assignment(school_class=school_class, deck=sub, due_at=due_at)
                for sub in deck_descendants(deck)
                if sub.pk not in held
            ]
        )
    return assignment


@transaction.atomic
def assignment_delete(*, assignment: Assignment) -> None:
    """Unassign (a deck with its subdecks): the class's learners stop getting
    their new cards (their memory and history stay); the decks keep their
    visibility."""
    if assignment.deck is not None:
        Assignment.objects.filter(
            school_class_id=assignment.school_class_id,
            deck__in=deck_descendants(assignment.deck),
        ).delete()
    assignment.delete()
