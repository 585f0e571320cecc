"""Reads of classes: who sees which class, a learner's assignments.

A class is visible to its teacher, to admins, and (without the join code or
the other learners' data) to its enrolled learners; anyone else gets a 404.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from lessons.models import Assignment, Enrollment, QuizAttempt, SchoolClass
from lessons.progress.access import Scope, assigned_items
from studysite import errors, permissions
from studysite.models import User


def classes_taught(*, teacher: User) -> QuerySet[SchoolClass]:
    return SchoolClass.objects.filter(teacher=teacher).annotate(
        learner_count=Count(
            "enrollments", filter=Q(enrollments__left_at__isnull=True), distinct=True
        ),
        assignment_count=Count("assignments", distinct=True),
    )


def classes_joined(*, learner: User) -> QuerySet[SchoolClass]:
    return SchoolClass.objects.filter(
        enrollments__learner=learner, enrollments__left_at__isnull=True
    ).select_related("teacher")


def class_for_teacher(*, user: User, class_id: int) -> SchoolClass:
    """The class if ``user`` teaches it or is an admin; 404 otherwise."""
    found = (
        SchoolClass.objects.select_related("teacher")
        .filter(permissions.class_managed(user), pk=class_id)
        .first()
    )
    if found is None:
        raise errors.NotFound("No such class.")
    return found


def class_for_member(*, user: User, class_id: int) -> SchoolClass:
    """The class if ``user`` teaches it, is enrolled in it or is an admin; 404."""
    found = (
        SchoolClass.objects.select_related("teacher")
        .filter(permissions.class_readable(user), pk=class_id)
        .first()
    )
    if found is None:
        raise errors.NotFound("No such class.")
    return found


def is_enrolled(*, learner: User, school_class: SchoolClass) -> bool:
    return Enrollment.objects.filter(
        school_class=school_class, learner=learner, left_at__isnull=True
    ).exists()


def class_learners(*, school_class: SchoolClass) -> list[User]:
    return list(
        User.objects.filter(
            enrollments__school_class=school_class, enrollments__left_at__isnull=True
        ).order_by("username")
    )


def class_assignments(*, school_class: SchoolClass) -> list[Assignment]:
    return list(
        Assignment.objects.filter(school_class=school_class).select_related(
            "deck", "quiz"
        )
    )


def class_learner_scope(
    *, viewer: User, school_class: SchoolClass, learner_id: int
) -> Scope:
    """A learner of the class, on what the class was assigned.

    The class's teacher and admins may look; so may the learner themselves.
    A user who is not enrolled now is a 404.
    """
    allowed = (
        permissions.is_admin(viewer)
        or school_class.teacher_id == viewer.pk
        or learner_id == viewer.pk
    )
    learner = (
        User.objects.filter(
            pk=learner_id,
            enrollments__school_class=school_class,
            enrollments__left_at__isnull=True,
        ).first()
        if allowed
        else None
    )
    if learner is None:
        raise errors.NotFound("No such learner in this class.")
    decks, quizzes = assigned_items(class_ids=[school_class.pk])
    return Scope(learner=learner, deck_ids=decks, quiz_ids=quizzes)


def _url(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def assignments_for_learner(
    *, learner: User, now: datetime | None = None
) -> list[dict[str, Any]]:
    """The learner's assignments in their classes, soonest due first.

    A quiz is ``done`` once an attempt is submitted; a deck is reviewed for
    good, so it is never done.
    """
    now = now or timezone.now()
    submitted = QuizAttempt.objects.filter(
        learner=learner, quiz=OuterRef("quiz"), submitted_at__isnull=False
    )
    rows = (
        Assignment.objects.filter(
            school_class__enrollments__learner=learner,
            school_class__enrollments__left_at__isnull=True,
        )
        .select_related("school_class", "deck", "quiz")
        .annotate(quiz_done=Exists(submitted))
        .order_by(F("due_at").asc(nulls_last=True), "pk")
    )
    out = []
    for a in rows:
        opens_at = a.quiz.opens_at if a.quiz_id else None
        if a.deck_id:
            url = _url("flashcards:study-deck", a.deck_id) or ""
        elif opens_at and opens_at > now:
            url = ""  # not open yet: nothing to start
        else:
            url = _url("quizzes:quiz-start", a.quiz_id) or ""
        out.append(
            {
                "id": a.pk,
                "class_id": a.school_class_id,
                "class_name": a.school_class.name,
                "kind": a.kind,
                "item_id": a.deck_id or a.quiz_id,
                "title": a.title,
                "due_at": a.due_at,
                "overdue": bool(a.due_at and a.due_at < now and not a.quiz_done),
                "done": bool(a.quiz_done),
                "url": url,
                "opens_at": opens_at if opens_at and opens_at > now else None,
                # Starting a quiz is a POST (it creates an attempt).
                "post": a.kind == "quiz" and bool(url),
            }
        )
    return out


# --- names of problem templates, parts and misconceptions -------------------------

#: Seeds whose problems are read for part labels (a part's label can depend
#: on the drawn parameters: "In GB" or "In GiB").
NAME_SEEDS = range(24)

#: How units and format names are spelled when a key is humanised.
_SPELLING = {
    "b": "B",
    "kb": "kB",
    "mb": "MB",
    "gb": "GB",
    "tb": "TB",
    "kib": "KiB",
    "mib": "MiB",
    "gib": "GiB",
    "tib": "TiB",
    "adam": "Adam",
    "zero": "ZeRO",
    "gpu": "GPU",
    "gpus": "GPUs",
    "kv": "KV",
    "flop": "FLOP",
    "mfu": "MFU",
    "tf32": "TF32",
}


def humanize_key(key: str) -> str:
    """A readable fallback for a key with no title: ``gib_labelled_gb`` ->
    "GiB labelled GB", ``no-such-template`` -> "No such template"."""
    words = [w for w in re.split(r"[_\-\s]+", key) if w]
    if not words:
        return key
    out = [_SPELLING.get(w.lower(), w) for w in words]
    if out[0] == words[0]:
        out[0] = out[0][:1].upper() + out[0][1:]
    return " ".join(out)


@dataclass(frozen=True)
class ProblemNames:
    """Titles for the keys that quiz answers store, with a humanised fallback.

    The teacher's pages read these (the class dashboard here; the quiz
    analytics can call `label_rows` on its rows the same way)."""

    templates: dict[str, str]
    parts: dict[tuple[str, str], str]
    misconceptions: dict[str, str]
    params: dict[tuple[str, str], str]

    def template(self, key: str) -> str:
        return self.templates.get(key) or humanize_key(key)

    def part(self, template: str, key: str) -> str:
        return self.parts.get((template, key)) or humanize_key(key)

    def misconception(self, key: str) -> str:
        return self.misconceptions.get(key) or humanize_key(key)

    def param(self, template: str, name: str) -> str:
        return self.params.get((template, name)) or humanize_key(name)

    def label_rows(self, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """Each row with ``template_title``, ``part_label``, ``param_label``
        and ``misconception_title`` beside the keys it has (``template``,
        ``part``, ``param``, ``misconception``)."""
        out = []
        for row in rows:
            row = dict(row)
            if "template" in row:
                row["template_title"] = self.template(row["template"])
                if "part" in row:
                    row["part_label"] = self.part(row["template"], row["part"])
                if "param" in row:
                    row["param_label"] = self.param(row["template"], row["param"])
            if row.get("misconception"):
                row["misconception_title"] = self.misconception(row["misconception"])
            out.append(row)
        return out


@cache
def problem_names() -> ProblemNames:
    """Template titles and part labels, read once from the template registry
    and problems generated at `NAME_SEEDS`; misconception names from
    `lessons.problems`' register."""
    from lessons import problems

    templates: dict[str, str] = {}
    labels: dict[tuple[str, str], dict[str, None]] = {}
    params: dict[tuple[str, str], str] = {}
    for template in problems.templates():
        templates[template.key] = template.title
        params |= {(template.key, p.name): p.label for p in template.params}
        for seed in NAME_SEEDS:
            for part in problems.generate(template.key, seed).parts:
                labels.setdefault((template.key, part.key), {})[part.label] = None
    parts = {key: _either(list(found)) for key, found in labels.items()}
    return ProblemNames(templates, parts, dict(problems.MISCONCEPTION_TITLES), params)


def _either(labels: list[str]) -> str:
    """One label for a part whose label depends on the drawn parameters
    ("In GB" or "In GiB"): the answers counted together came from both."""
    rest = [label[:1].lower() + label[1:] for label in sorted(labels)[1:]]
    return " or ".join([sorted(labels)[0], *rest])
