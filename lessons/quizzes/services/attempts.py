"""Attempts and grading: start an attempt or a practice session, autosave
answers (graded as they are saved), submit and score.

Answers are shown with their grades once the attempt is submitted
(``selectors.attempt_view``); an attempt past its deadline is submitted with
the answers saved so far.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from lessons.models import (
    AttemptAnswer,
    AttemptItem,
    GeneratedProblem,
    Quiz,
    QuizAttempt,
)
from lessons.problems import ProblemInputError, check_seed, grade_part, templates
from lessons.quizzes.services.problems import input_error, json_params
from lessons.quizzes.services.quizzes import (
    MAX_COUNT_PER_ITEM,
    ensure_variants,
    quiz_is_open,
)
from lessons.quizzes.services.seeds import fresh_draw, new_seed, practice_seed
from studysite import errors

PRACTICE_DEFAULT_COUNT = 5


def attempt_start(
    *, quiz: Quiz, learner: Any, now: datetime | None = None
) -> QuizAttempt:
    """Start (or resume the open) attempt of ``learner`` at ``quiz``."""
    now = now or timezone.now()
    if not quiz_is_open(quiz, now):
        raise errors.Conflict("This quiz is not open now.")
    with transaction.atomic():
        attempts = QuizAttempt.objects.select_for_update().filter(
            quiz=quiz, learner=learner
        )
        current = attempts.filter(submitted_at__isnull=True).first()
        if current is not None:
            if current.deadline and now >= current.deadline:
                attempt_submit(current, now=now)
            else:
                return current
        used = attempts.count()
        if used >= quiz.attempts_allowed:
            raise errors.Conflict(f"No attempts left: {quiz.attempts_allowed} allowed.")
        number = used + 1
        deadline = (
            now + timedelta(minutes=quiz.time_limit_minutes)
            if quiz.time_limit_minutes
            else None
        )
        if quiz.due_at and (deadline is None or quiz.due_at < deadline):
            deadline = quiz.due_at
        try:
            with transaction.atomic():
                attempt = QuizAttempt.objects.create(
                    learner=learner, quiz=quiz, number=number, deadline=deadline
                )
        except IntegrityError as exc:
            raise errors.Conflict() from exc
        variants, _ = ensure_variants(quiz, learner.pk, number)
        _add_items(attempt, variants)
    return attempt


def _add_items(attempt: QuizAttempt, problems: Sequence[GeneratedProblem]) -> None:
    AttemptItem.objects.bulk_create(
        [
            AttemptItem(attempt=attempt, position=i, problem=gp)
            for i, gp in enumerate(problems, start=1)
        ]
    )
    attempt.total_parts = sum(len(gp.problem().parts) for gp in problems)
    attempt.save(update_fields=["total_parts"])


def practice_start(
    *,
    learner: Any,
    templates_: object = "mixed",
    count: object = PRACTICE_DEFAULT_COUNT,
    seed: object = None,
) -> QuizAttempt:
    """Start a practice session: chosen templates (or "mixed"), fresh numbers."""
    keys = [t.key for t in templates()]
    if templates_ in ("mixed", None, "", []):
        chosen = keys
    elif isinstance(templates_, list | tuple) and all(
        isinstance(k, str) for k in templates_
    ):
        unknown = [k for k in templates_ if k not in keys]
        if unknown:
            raise errors.Invalid({"templates": f"Unknown template {unknown[0]!r}."})
        chosen = list(dict.fromkeys(templates_))
    else:
        raise errors.Invalid({"templates": 'A list of template keys, or "mixed".'})
    if (
        isinstance(count, bool)
        or not isinstance(count, int)
        or not 1 <= count <= MAX_COUNT_PER_ITEM
    ):
        raise errors.Invalid(
            {"count": f"A whole number from 1 to {MAX_COUNT_PER_ITEM}."}
        )
    try:
        base = new_seed() if seed is None else check_seed(seed)
    except ProblemInputError as exc:
        raise input_error(exc) from exc
    problems = []
    order = list(chosen)
    # Mixed practice cycles through the templates in an order the seed shuffles.
    random.Random(base).shuffle(order)
    seen: Counter[str] = Counter()
    for position in range(1, count + 1):
        key = order[(position - 1) % len(order)]
        s, problem = fresh_draw(
            key,
            None,
            seen,
            lambda redraw, position=position: practice_seed(  # type: ignore[misc]  # a lambda's default
                base, learner.pk, position, redraw
            ),
        )
        problems.append(
            GeneratedProblem(
                template_key=key,
                seed=s,
                params=json_params(problem.params),
                owner=learner,
            )
        )
    with transaction.atomic():
        attempt = QuizAttempt.objects.create(learner=learner, quiz=None, number=0)
        created = [GeneratedProblem.objects.create(**_fields(gp)) for gp in problems]
        _add_items(attempt, created)
    return attempt


def _fields(gp: GeneratedProblem) -> dict[str, Any]:
    return {
        "template_key": gp.template_key,
        "seed": gp.seed,
        "params": gp.params,
        "owner": gp.owner,
        "limits": gp.limits,
    }


def _check_open(attempt: QuizAttempt, now: datetime) -> None:
    if attempt.is_submitted:
        raise errors.Conflict(
            "This attempt is submitted; answers can no longer change."
        )
    if attempt.deadline and now >= attempt.deadline:
        attempt_submit(attempt, now=now)
        raise errors.Conflict(
            "Time is up: the attempt was submitted with the answers saved so far."
        )


def answer_save(
    *,
    attempt: QuizAttempt,
    position: object,
    part: object,
    text: object,
    now: datetime | None = None,
) -> AttemptAnswer:
    """Autosave one part's answer (graded now, shown after submission)."""
    now = now or timezone.now()
    _check_open(attempt, now)
    if isinstance(position, bool) or not isinstance(position, int):
        raise errors.Invalid({"item": "The question's position, a whole number."})
    item = attempt.items.select_related("problem").filter(position=position).first()
    if item is None:
        raise errors.Invalid({"item": f"This attempt has no question {position}."})
    if not isinstance(text, str) or len(text) > 200:
        raise errors.Invalid({"text": "An answer is text of at most 200 characters."})
    problem = item.problem.problem()
    if part not in problem.part_keys:
        raise errors.Invalid(
            {"part": f"Unknown part {part!r}; parts: {', '.join(problem.part_keys)}."}
        )
    g = grade_part(problem.part(str(part)), text)
    answer, _ = AttemptAnswer.objects.update_or_create(
        item=item,
        part_key=part,
        defaults={
            "text": text,
            "status": g.status,
            "value_correct": g.value_correct,
            "unit_correct": g.unit_correct,
            "misconception": g.misconception or "",
            "feedback": g.feedback,
        },
    )
    return answer


def answers_save(
    *,
    attempt: QuizAttempt,
    answers: Iterable[tuple[int, str, str]],
    now: datetime | None = None,
) -> int:
    """Save several answers at once (a whole page posted); returns how many."""
    n = 0
    for position, part, text in answers:
        answer_save(attempt=attempt, position=position, part=part, text=text, now=now)
        n += 1
    return n


def attempt_submit(attempt: QuizAttempt, *, now: datetime | None = None) -> QuizAttempt:
    """Submit: unanswered parts are recorded as such; the score is fixed."""
    if attempt.is_submitted:
        return attempt
    now = now or timezone.now()
    with transaction.atomic():
        items = list(
            attempt.items.select_related("problem").prefetch_related("answers")
        )
        correct = total = 0
        for item in items:
            saved = {a.part_key: a for a in item.answers.all()}
            for part in item.problem.problem().parts:
                total += 1
                if part.key not in saved:
                    AttemptAnswer.objects.create(
                        item=item,
                        part_key=part.key,
                        status=AttemptAnswer.Status.UNANSWERED,
                        feedback="No answer given.",
                    )
                elif saved[part.key].status == AttemptAnswer.Status.CORRECT:
                    correct += 1
        attempt.submitted_at = min(now, attempt.deadline) if attempt.deadline else now
        attempt.correct_parts, attempt.total_parts = correct, total
        attempt.score = correct / total if total else 0.0
        attempt.save(
            update_fields=["submitted_at", "correct_parts", "total_parts", "score"]
        )
    return attempt
