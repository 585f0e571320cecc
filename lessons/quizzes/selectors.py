"""Quiz reads: what a learner may see, an attempt's questions and results, analytics."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from lessons.classes.selectors import problem_names
from lessons.models import AttemptAnswer, GeneratedProblem, Quiz, QuizAttempt
from lessons.problems import get_template, misconception_title, templates
from studysite import errors, permissions


def template_catalog() -> list[dict[str, Any]]:
    return [t.describe() for t in templates()]


def problem_for(user: Any, problem_id: int) -> GeneratedProblem:
    """A problem of the problems API the user may open
    (`studysite.permissions.problem_readable`); 404 otherwise: another
    learner's problem and any quiz variant (its solution is in the attempt's
    result) are not found."""
    gp = GeneratedProblem.objects.filter(
        permissions.problem_readable(user), pk=problem_id
    ).first()
    if gp is None:
        raise errors.NotFound()  # no such problem; the body says "Not found."
    return gp


def quizzes_for(user: Any, now: datetime | None = None) -> QuerySet[Quiz]:
    """Quizzes the user may see now (`studysite.permissions.quiz_visible`):
    a teacher's own, and those assigned to a class the user is in, once open."""
    now = now or timezone.now()
    return Quiz.objects.filter(permissions.quiz_visible(user, now)).select_related(
        "lesson", "teacher"
    )


def quizzes_managed(user: Any) -> QuerySet[Quiz]:
    return Quiz.objects.filter(permissions.quiz_managed(user)).select_related(
        "lesson", "teacher"
    )


def quiz_for(user: Any, quiz_id: int, *, teacher: bool = False) -> Quiz:
    """A quiz the user may see (``teacher=True``: one they manage); 404."""
    qs = (
        Quiz.objects.filter(permissions.quiz_managed(user))
        if teacher
        else quizzes_for(user)
    )
    quiz = qs.filter(pk=quiz_id).select_related("lesson").first()
    if quiz is None:
        raise errors.NotFound()  # no such quiz; the body says "Not found."
    return quiz


def attempt_for(user: Any, attempt_id: int) -> QuizAttempt:
    """The user's own attempt, practice or of a quiz they may still see; 404."""
    attempt = (
        QuizAttempt.objects.filter(
            permissions.attempt_visible(user, timezone.now()), pk=attempt_id
        )
        .select_related("quiz")
        .first()
    )
    if attempt is None:
        raise errors.NotFound()  # no such attempt; the body says "Not found."
    return attempt


def attempts_visible(user: Any, now: datetime | None = None) -> QuerySet[QuizAttempt]:
    """The user's attempts they may still open, newest first."""
    return (
        QuizAttempt.objects.filter(
            permissions.attempt_visible(user, now or timezone.now())
        )
        .select_related("quiz")
        .order_by("-started_at", "-pk")
    )


def quizzes_managed_among(user: Any, quizzes: Iterable[Quiz]) -> set[int]:
    """Which of ``quizzes`` the user manages (sees the base seed, analytics)."""
    ids = [q.pk for q in quizzes]
    if not ids:
        return set()
    return set(
        Quiz.objects.filter(permissions.quiz_managed(user), pk__in=ids).values_list(
            "pk", flat=True
        )
    )


def quiz_member_ids(quiz: Quiz) -> list[int]:
    """Active learners enrolled now in a class the quiz is assigned to."""
    from django.contrib.auth import get_user_model

    return list(
        get_user_model()
        .objects.filter(permissions.quiz_members(quiz), is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def attempt_view(attempt: QuizAttempt, *, reveal: bool | None = None) -> dict[str, Any]:
    """The attempt's questions with saved answers; grades and solutions once submitted.

    Each item's ``seed`` and ``problem_id`` regenerate or open its problem, so
    they are its answer key: they appear only once the attempt is submitted.
    """
    reveal = attempt.is_submitted if reveal is None else reveal
    keyed = attempt.is_submitted
    items = []
    for item in attempt.items.select_related("problem").prefetch_related("answers"):
        problem = item.problem.problem()
        saved = {a.part_key: a for a in item.answers.all()}
        parts = []
        for part in problem.parts:
            a = saved.get(part.key)
            row: dict[str, Any] = part.to_dict(with_answer=reveal)
            row["typed"] = a.text if a else ""
            if reveal:
                row |= {
                    "status": a.status if a else "unanswered",
                    "correct": bool(a and a.status == "correct"),
                    "value_correct": bool(a and a.value_correct),
                    "unit_correct": a.unit_correct if a else None,
                    "misconception": (a.misconception or None) if a else None,
                    "misconception_title": misconception_title(a.misconception)
                    if a and a.misconception
                    else None,
                    "feedback": a.feedback if a else "No answer given.",
                }
            parts.append(row)
        row = {
            "position": item.position,
            "template": problem.template,
            "title": problem.title,
            "prompt": problem.prompt,
            "convention": problem.convention,
            "parts": parts,
            "answered": sum(1 for p in parts if p["typed"]),
        }
        if keyed:
            row |= {"problem_id": item.problem_id, "seed": problem.seed}
        items.append(row)
    return {
        "id": attempt.pk,
        "quiz": attempt.quiz_id,
        "quiz_title": attempt.quiz.title if attempt.quiz_id else "Practice",
        "practice": attempt.is_practice,
        "number": attempt.number,
        "started_at": attempt.started_at.isoformat(),
        "deadline": attempt.deadline.isoformat() if attempt.deadline else None,
        "submitted_at": attempt.submitted_at.isoformat()
        if attempt.submitted_at
        else None,
        "score": attempt.score,
        "correct_parts": attempt.correct_parts if attempt.is_submitted else None,
        "total_parts": attempt.total_parts,
        "items": items,
    }


def _rate(correct: int, total: int) -> float | None:
    return round(correct / total, 4) if total else None


def _new_part_row(template: str, part: str) -> dict[str, Any]:
    return {
        "template": template,
        "part": part,
        "answers": 0,
        "correct": 0,
        "wrong": 0,
        "unreadable": 0,
        "unanswered": 0,
        "wrong_unit": 0,
    }


def _tally(
    answers: Iterable[AttemptAnswer],
) -> tuple[
    dict[int, dict[str, Any]],
    dict[tuple[str, str], dict[str, Any]],
    dict[tuple[str, str, str], int],
    dict[tuple[str, str, str], list[int]],
]:
    """Count the answers per question, part, misconception and parameter value.

    A parameter value's cell is ``[answers, correct]``.
    """
    per_question: dict[int, dict[str, Any]] = {}
    per_part: dict[tuple[str, str], dict[str, Any]] = {}
    per_misconception: dict[tuple[str, str, str], int] = defaultdict(int)
    per_param: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for a in answers:
        gp = a.item.problem
        q = per_question.setdefault(
            a.item.position,
            {
                "position": a.item.position,
                "template": gp.template_key,
                "parts": 0,
                "correct": 0,
            },
        )
        q["parts"] += 1
        q["correct"] += a.status == "correct"
        p = per_part.setdefault(
            (gp.template_key, a.part_key), _new_part_row(gp.template_key, a.part_key)
        )
        p["answers"] += 1
        p[a.status] += 1
        p["wrong_unit"] += a.unit_correct is False
        if a.misconception:
            per_misconception[(gp.template_key, a.part_key, a.misconception)] += 1
        for name, value in (gp.params or {}).items():
            cell = per_param[(gp.template_key, name, str(value))]
            cell[0] += 1
            cell[1] += a.status == "correct"
    return per_question, per_part, per_misconception, per_param


def _misconception_rows(
    per_misconception: dict[tuple[str, str, str], int],
) -> list[dict[str, Any]]:
    """One row per misconception seen, the most frequent first."""
    return sorted(
        (
            {"template": t, "part": p, "misconception": m, "count": n}
            for (t, p, m), n in per_misconception.items()
        ),
        key=lambda r: -r["count"],
    )


def _parameter_rows(
    per_param: dict[tuple[str, str, str], list[int]],
) -> list[dict[str, Any]]:
    """One row per value of a template's parameter, the lowest rate first."""
    return sorted(
        (
            {
                "template": t,
                "param": name,
                "value": v,
                "answers": c[0],
                "correct": c[1],
                "rate": _rate(c[1], c[0]),
            }
            for (t, name, v), c in per_param.items()
            if name in {s.name for s in get_template(t).params}
        ),
        key=lambda r: (
            r["template"],
            r["param"],
            r["rate"] if r["rate"] is not None else 2,
        ),
    )


def quiz_analytics(quiz: Quiz) -> dict[str, Any]:
    """Per question, per part, per misconception and per parameter value.

    Counts only submitted attempts by learners of the classes the quiz is
    assigned to (a teacher's own tries are not counted). "Per parameter value" groups every
    graded part by each of its problem's parameters (model, ZeRO stage,
    format...), so a teacher sees which values trip learners.
    """
    from django.contrib.auth import get_user_model

    members = get_user_model().objects.filter(permissions.quiz_members(quiz))
    counted = QuizAttempt.objects.filter(
        quiz=quiz, submitted_at__isnull=False, learner__in=members
    )
    answers = (
        AttemptAnswer.objects.filter(item__attempt__in=counted)
        .select_related("item__problem")
        .order_by("item__position", "part_key")
    )
    per_question, per_part, per_misconception, per_param = _tally(answers)
    names = problem_names()
    for q in per_question.values():
        q["rate"] = _rate(q["correct"], q["parts"])
    for p in per_part.values():
        p["rate"] = _rate(p["correct"], p["answers"])
    return {
        "quiz": quiz.pk,
        "attempts": counted.count(),
        "per_question": names.label_rows(
            sorted(per_question.values(), key=lambda q: q["position"])
        ),
        "per_part": names.label_rows(per_part.values()),
        "per_misconception": names.label_rows(_misconception_rows(per_misconception)),
        "per_parameter": names.label_rows(_parameter_rows(per_param)),
    }
