"""Who may see whose progress, and on what.

A :class:`Scope` is one learner's data, optionally narrowed to some decks and
quizzes. Learners see their own data in full; admins (staff or superuser) see
anyone's in full; a teacher sees a learner of one of their classes only on
the decks and quizzes those classes were assigned. Anyone else gets a 404, so
a stranger cannot even learn that a user id exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from lessons.models import Assignment, Enrollment
from studysite import errors, permissions
from studysite.models import User


@dataclass(frozen=True)
class Scope:
    """One learner's data; ``None`` means every deck (or every quiz and practice)."""

    learner: User
    deck_ids: frozenset[int] | None = None
    quiz_ids: frozenset[int] | None = None

    @property
    def is_full(self) -> bool:
        return self.deck_ids is None and self.quiz_ids is None


def assigned_items(*, class_ids: list[int]) -> tuple[frozenset[int], frozenset[int]]:
    """The deck ids and quiz ids assigned to these classes."""
    decks: set[int] = set()
    quizzes: set[int] = set()
    rows = Assignment.objects.filter(school_class_id__in=class_ids).values_list(
        "deck_id", "quiz_id"
    )
    for deck_id, quiz_id in rows:
        if deck_id:
            decks.add(deck_id)
        if quiz_id:
            quizzes.add(quiz_id)
    return frozenset(decks), frozenset(quizzes)


def teacher_class_ids(*, teacher: User, learner_id: int) -> list[int]:
    """Classes the teacher teaches in which the learner is enrolled now."""
    return list(
        Enrollment.objects.filter(
            learner_id=learner_id,
            left_at__isnull=True,
            school_class__teacher=teacher,
        ).values_list("school_class_id", flat=True)
    )


def scope_for(*, viewer: User, learner_id: int | None = None) -> Scope:
    """The scope ``viewer`` may see of ``learner_id`` (default: their own); 404."""
    if learner_id is None or learner_id == viewer.pk:
        return Scope(learner=viewer)
    learner = User.objects.filter(
        permissions.learners_visible(viewer), pk=learner_id
    ).first()
    if learner is None:
        raise errors.NotFound("No such learner.")
    if permissions.is_admin(viewer):
        return Scope(learner=learner)
    class_ids = teacher_class_ids(teacher=viewer, learner_id=learner_id)
    # A teacher sees the learners of their own classes only
    # (`studysite.permissions.learners_visible`), on what those were assigned.
    if not class_ids:
        raise errors.NotFound("No such learner.")
    decks, quizzes = assigned_items(class_ids=class_ids)
    return Scope(learner=learner, deck_ids=decks, quiz_ids=quizzes)
