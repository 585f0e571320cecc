"""Quizzes: define one (templates and counts, limits, dates) and make its
variants, one learner and attempt at a time.

A quiz lists templates and counts; each learner's variants are problems
whose seeds come from :mod:`lessons.quizzes.services.seeds`, made when the
learner starts an attempt or ahead of time (`generation`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from lessons.models import GeneratedProblem, Lesson, Quiz
from lessons.problems import ProblemInputError, check_limits, get_template
from lessons.quizzes.services.problems import json_params
from lessons.quizzes.services.seeds import (
    clean_base_seed,
    fresh_draw,
    new_base_seed,
    numbers_key,
    variant_seed,
)
from studysite import errors, permissions

MAX_COUNT_PER_ITEM = 20
MAX_QUESTIONS = 50


def _clean_items(items: object) -> list[dict[str, Any]]:
    if not isinstance(items, list) or not items:
        raise errors.Invalid({"items": "List at least one {template, count}."})
    cleaned: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise errors.Invalid(
                {f"items[{i}]": "Each item is {template, count, limits?}."}
            )
        try:
            tpl = get_template(item.get("template"))
        except ProblemInputError as exc:
            raise errors.Invalid({f"items[{i}].template": exc.message}) from exc
        count = item.get("count", 1)
        if (
            isinstance(count, bool)
            or not isinstance(count, int)
            or not 1 <= count <= MAX_COUNT_PER_ITEM
        ):
            raise errors.Invalid(
                {f"items[{i}].count": f"A whole number from 1 to {MAX_COUNT_PER_ITEM}."}
            )
        try:
            limits = check_limits(tpl, item.get("limits") or None)
        except ProblemInputError as exc:
            raise errors.Invalid(
                {f"items[{i}].limits.{exc.field}": exc.message}
            ) from exc
        cleaned.append({"template": tpl.key, "count": count, "limits": limits})
    if sum(c["count"] for c in cleaned) > MAX_QUESTIONS:
        raise errors.Invalid({"items": f"At most {MAX_QUESTIONS} questions in a quiz."})
    return cleaned


def quiz_create(
    *,
    teacher: Any,
    lesson: Lesson,
    title: str,
    items: object,
    time_limit_minutes: int | None = None,
    attempts_allowed: int = 1,
    opens_at: datetime | None = None,
    due_at: datetime | None = None,
    base_seed: int | None = None,
) -> Quiz:
    """Create a quiz; only teachers may."""
    if not permissions.can_teach(teacher):
        raise errors.Forbidden("Only teachers create quizzes.")
    cleaned = _clean_items(items)
    if opens_at and due_at and due_at <= opens_at:
        raise errors.Invalid(
            {"due_at": "The due date must come after the opening date."}
        )
    if time_limit_minutes is not None and not 1 <= time_limit_minutes <= 24 * 60:
        raise errors.Invalid({"time_limit_minutes": "From 1 minute to 24 hours."})
    if not 1 <= attempts_allowed <= 100:
        raise errors.Invalid({"attempts_allowed": "From 1 to 100."})
    return Quiz.objects.create(
        teacher=teacher,
        lesson=lesson,
        title=title.strip() or "Quiz",
        items=cleaned,
        time_limit_minutes=time_limit_minutes,
        attempts_allowed=attempts_allowed,
        opens_at=opens_at,
        due_at=due_at,
        base_seed=new_base_seed() if base_seed is None else clean_base_seed(base_seed),
    )


def quiz_slots(quiz: Quiz) -> list[tuple[int, dict[str, Any]]]:
    """(position, item) for every question of the quiz, positions from 1."""
    slots, position = [], 1
    for item in quiz.items:
        for _ in range(int(item["count"])):
            slots.append((position, item))
            position += 1
    return slots


def quiz_is_open(quiz: Quiz, now: datetime) -> bool:
    return (quiz.opens_at is None or quiz.opens_at <= now) and (
        quiz.due_at is None or now < quiz.due_at
    )


def ensure_variants(
    quiz: Quiz, learner_id: int, attempt_number: int, *, base_seed: int | None = None
) -> tuple[list[GeneratedProblem], int]:
    """The learner's variants for an attempt, creating the missing ones.

    Idempotent and safe to run concurrently: rows are unique on (quiz, owner,
    attempt, position); a row another process made first is found, not doubled.

    Returns:
        The variants in position order, and how many were created now.
    """
    base = quiz.base_seed if base_seed is None else base_seed
    existing = {
        gp.position: gp
        for gp in GeneratedProblem.objects.filter(
            quiz=quiz, owner_id=learner_id, attempt_number=attempt_number
        )
    }
    seen = Counter(
        numbers_key(gp.template_key, gp.params)
        for gp in GeneratedProblem.objects.filter(
            quiz=quiz, owner_id=learner_id, attempt_number__lte=attempt_number
        )
    )
    missing = []
    for position, item in quiz_slots(quiz):
        if position in existing:
            continue
        seed, problem = fresh_draw(
            item["template"],
            item.get("limits"),
            seen,
            lambda redraw, position=position: variant_seed(  # type: ignore[misc]  # a lambda's default
                quiz_id=quiz.pk,
                base_seed=base,
                learner_id=learner_id,
                attempt_number=attempt_number,
                position=position,
                redraw=redraw,
            ),
        )
        missing.append(
            GeneratedProblem(
                template_key=item["template"],
                seed=seed,
                limits=item.get("limits") or {},
                params=json_params(problem.params),
                owner_id=learner_id,
                quiz=quiz,
                attempt_number=attempt_number,
                position=position,
            )
        )
    if missing:
        GeneratedProblem.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {
            gp.position: gp
            for gp in GeneratedProblem.objects.filter(
                quiz=quiz, owner_id=learner_id, attempt_number=attempt_number
            )
        }
    return [existing[p] for p, _ in quiz_slots(quiz)], len(missing)
