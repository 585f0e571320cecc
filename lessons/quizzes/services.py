"""Quiz services: generate problems and variants, start, autosave, submit.

Services validate, write and raise :class:`studysite.api_errors.FieldError`
(400 naming the field) or :class:`Conflict` (409); views and APIs only call
them. Every answer comes from :mod:`lessons.problems` (and so from
:mod:`lessons.precision`).

Seeds
-----
A problem is a pure function of (template, seed, limits), so whoever holds a
quiz variant's seed holds its answer key. Two rules keep quiz variants out of
a learner's reach:

* A variant's seed is an HMAC of the server's ``SECRET_KEY`` over the quiz,
  its base seed, the learner, the attempt number and the position
  (:func:`variant_seed`): stable for those five, so generation stays
  idempotent, and unpredictable to anyone without the secret. It is shown
  only once the attempt is submitted (``selectors.attempt_view``).
* A variant does not repeat numbers the learner has met: where the seed
  draws the same parameters as one of their earlier variants of that
  template in this quiz (an earlier attempt, or an earlier question of this
  one), the seed is redrawn (:data:`REDRAWS` tries; the ``redraw`` input of
  :func:`variant_seed`), keeping the least-seen parameters when a small
  parameter space has no fresh ones left. A practice session does the same
  among its own questions (:func:`practice_seed`).
* Seeds live in two spaces. Quiz variants take ``[2^62, 2^63)``
  (:data:`QUIZ_SEED_FLOOR` up); every seed a learner can choose or get for
  practice (``POST /api/v1/problems/``, practice sessions, random seeds) lies
  in ``[0, 2^62)``, and :func:`problem_create` refuses the upper half by name.
  It also refuses a lower-half seed that a quiz variant made before this rule
  already uses (those were derived from the quiz's base seed by a public hash).
  A practice problem made with a chosen seed therefore never coincides with a
  quiz variant, and a variant's seed, once revealed, regenerates nothing.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from rest_framework.exceptions import PermissionDenied

from lessons.models import (
    AttemptAnswer,
    AttemptItem,
    GeneratedProblem,
    GenerationJob,
    Lesson,
    Quiz,
    QuizAttempt,
)
from lessons.problems import (
    MAX_SEED,
    Problem,
    ProblemInputError,
    check_limits,
    check_seed,
    draw_params,
    generate,
    get_template,
    grade,
    grade_part,
    templates,
)
from studysite.api_errors import Conflict, FieldError

MAX_COUNT_PER_ITEM = 20
MAX_QUESTIONS = 50
PRACTICE_DEFAULT_COUNT = 5


def _field_error(exc: ProblemInputError, prefix: str = "") -> FieldError:
    return FieldError({f"{prefix}{exc.field}": exc.message})


#: Quiz variants' seeds are in [QUIZ_SEED_FLOOR, MAX_SEED]; seeds a learner
#: chooses or practises with are below it.
QUIZ_SEED_FLOOR = 2**62
PRACTICE_SEED_MAX = QUIZ_SEED_FLOOR - 1
_VARIANT_SALT = "lessons.quizzes.variant_seed"


def variant_seed(
    *,
    quiz_id: int,
    base_seed: int,
    learner_id: int,
    attempt_number: int,
    position: int,
    redraw: int = 0,
) -> int:
    """A quiz variant's seed, in ``[2^62, 2^63)``.

    An HMAC (SHA-256, keyed with ``settings.SECRET_KEY``) of the quiz, its base
    seed, the learner, the attempt and the position: the same five give the
    same seed on every process of a deployment; without the secret, nothing a
    learner sees predicts it. ``redraw`` > 0 gives the position's next seeds,
    for a variant whose first draw repeats the learner's numbers.
    """
    message = f"{quiz_id}:{base_seed}:{learner_id}:{attempt_number}:{position}"
    if redraw:
        message += f":{redraw}"
    digest = salted_hmac(_VARIANT_SALT, message, algorithm="sha256").digest()
    return QUIZ_SEED_FLOOR | (int.from_bytes(digest[:8], "big") & PRACTICE_SEED_MAX)


def is_quiz_seed(seed: int) -> bool:
    """Whether ``seed`` lies in the space reserved for quiz variants."""
    return QUIZ_SEED_FLOOR <= seed <= MAX_SEED


def practice_seed(
    base_seed: int, learner_id: int, position: int, redraw: int = 0
) -> int:
    """A practice problem's seed, in ``[0, 2^62)``: stable for (base, learner,
    position), so the same practice seed gives the same session. ``redraw`` > 0
    gives the position's next seeds (a first draw that repeats the numbers of
    an earlier question of the session)."""
    text = f"{base_seed}:{learner_id}:0:{position}" + (f":{redraw}" if redraw else "")
    text = text.encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big") & PRACTICE_SEED_MAX


def new_seed() -> int:
    """A random seed for a problem or practice session, in ``[0, 2^62)``."""
    return secrets.randbelow(QUIZ_SEED_FLOOR)


def new_base_seed() -> int:
    """A random base seed for a quiz (an input of :func:`variant_seed`)."""
    return secrets.randbits(63)


def _base_seed(seed: object) -> int:
    """A teacher's base seed, or a 400 on ``base_seed``."""
    try:
        return check_seed(seed)
    except ProblemInputError as exc:
        raise FieldError({"base_seed": exc.message}) from exc


def check_learner_seed(seed: object, *, template_key: str) -> int:
    """A seed someone chose for a problem: a whole number below ``2^62`` that no
    quiz variant of ``template_key`` uses; ``FieldError("seed")`` otherwise."""
    try:
        value = check_seed(seed)
    except ProblemInputError as exc:
        raise _field_error(exc) from exc
    if is_quiz_seed(value):
        raise FieldError(
            {
                "seed": f"Seeds from {QUIZ_SEED_FLOOR} up are reserved for quiz "
                f"variants; choose one from 0 to {PRACTICE_SEED_MAX}."
            }
        )
    if GeneratedProblem.objects.filter(
        quiz__isnull=False, template_key=template_key, seed=value
    ).exists():
        raise FieldError(
            {"seed": "This seed is taken by a quiz variant; choose another."}
        )
    return value


# --- single problems --------------------------------------------------------


def problem_create(
    *, owner: Any, template: object, seed: object = None, limits: object = None
) -> GeneratedProblem:
    """Generate and store a problem for ``owner`` (a random seed if none)."""
    try:
        tpl = get_template(template)
    except ProblemInputError as exc:
        raise _field_error(exc) from exc
    value = (
        new_seed() if seed is None else check_learner_seed(seed, template_key=tpl.key)
    )
    try:
        limits_ = check_limits(tpl, limits) if limits else {}  # type: ignore[arg-type]
        problem = generate(tpl.key, value, limits=limits_ or None)
    except ProblemInputError as exc:
        raise _field_error(
            exc, "limits." if exc.field not in {"template", "seed", "limits"} else ""
        ) from exc
    return GeneratedProblem.objects.create(
        template_key=tpl.key,
        seed=value,
        limits=limits_,
        params=_json_params(problem.params),
        owner=owner,
    )


def _json_params(params: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k: v
        for k, v in params.items()
        if isinstance(v, str | int | float | bool) or v is None
    }


def problem_answer(gp: GeneratedProblem, answers: object) -> dict[str, Any]:
    """Grade ``answers`` ({part: text}) to a stored problem; with the solution."""
    if not isinstance(answers, Mapping) or not answers:
        raise FieldError({"answers": "Give answers as {part_key: text}."})
    problem = gp.problem()
    for key, text in answers.items():
        if key not in problem.part_keys:
            raise FieldError(
                {
                    f"answers.{key}": f"Unknown part; this problem's parts: {', '.join(problem.part_keys)}."
                }
            )
        if (
            not isinstance(text, str | int | float)
            or isinstance(text, bool)
            or len(str(text)) > 200
        ):
            raise FieldError(
                {f"answers.{key}": "An answer is text of at most 200 characters."}
            )
    result = grade(problem, {k: str(v) for k, v in answers.items()}, partial=True)
    return {
        "problem": problem.to_dict(with_answers=True),
        "grade": result.to_dict(),
    }


# --- quizzes ----------------------------------------------------------------


def _clean_items(items: object) -> list[dict[str, Any]]:
    if not isinstance(items, list) or not items:
        raise FieldError({"items": "List at least one {template, count}."})
    cleaned = []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise FieldError(
                {f"items[{i}]": "Each item is {template, count, limits?}."}
            )
        try:
            tpl = get_template(item.get("template"))
        except ProblemInputError as exc:
            raise FieldError({f"items[{i}].template": exc.message}) from exc
        count = item.get("count", 1)
        if (
            isinstance(count, bool)
            or not isinstance(count, int)
            or not 1 <= count <= MAX_COUNT_PER_ITEM
        ):
            raise FieldError(
                {f"items[{i}].count": f"A whole number from 1 to {MAX_COUNT_PER_ITEM}."}
            )
        try:
            limits = check_limits(tpl, item.get("limits") or None)
        except ProblemInputError as exc:
            raise FieldError({f"items[{i}].limits.{exc.field}": exc.message}) from exc
        cleaned.append({"template": tpl.key, "count": count, "limits": limits})
    if sum(c["count"] for c in cleaned) > MAX_QUESTIONS:
        raise FieldError({"items": f"At most {MAX_QUESTIONS} questions in a quiz."})
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
    if not getattr(teacher, "is_teacher", False):
        raise PermissionDenied("Only teachers create quizzes.")
    cleaned = _clean_items(items)
    if opens_at and due_at and due_at <= opens_at:
        raise FieldError({"due_at": "The due date must come after the opening date."})
    if time_limit_minutes is not None and not 1 <= time_limit_minutes <= 24 * 60:
        raise FieldError({"time_limit_minutes": "From 1 minute to 24 hours."})
    if not 1 <= attempts_allowed <= 100:
        raise FieldError({"attempts_allowed": "From 1 to 100."})
    return Quiz.objects.create(
        teacher=teacher,
        lesson=lesson,
        title=title.strip() or "Quiz",
        items=cleaned,
        time_limit_minutes=time_limit_minutes,
        attempts_allowed=attempts_allowed,
        opens_at=opens_at,
        due_at=due_at,
        base_seed=new_base_seed() if base_seed is None else _base_seed(base_seed),
    )


def quiz_slots(quiz: Quiz) -> list[tuple[int, dict[str, Any]]]:
    """(position, item) for every question of the quiz, positions from 1."""
    slots, position = [], 1
    for item in quiz.items:
        for _ in range(int(item["count"])):
            slots.append((position, item))
            position += 1
    return slots


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
        _numbers(gp.template_key, gp.params)
        for gp in GeneratedProblem.objects.filter(
            quiz=quiz, owner_id=learner_id, attempt_number__lte=attempt_number
        )
    )
    missing = []
    for position, item in quiz_slots(quiz):
        if position in existing:
            continue
        seed, problem = _fresh_draw(
            item["template"],
            item.get("limits"),
            seen,
            lambda redraw, position=position: variant_seed(
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
                params=_json_params(problem.params),
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


#: Seeds tried per question for parameters the learner has not met yet (a
#: draw costs microseconds: only the chosen seed's problem is built).
REDRAWS = 256


def _numbers(template_key: str, params: Mapping[str, Any]) -> str:
    """A question's drawn parameters as one comparable key."""
    names = [spec.name for spec in get_template(template_key).params]
    drawn = {name: params.get(name) for name in names}
    return template_key + json.dumps(drawn, sort_keys=True, default=str)


def _fresh_draw(
    template_key: str,
    limits: Mapping[str, Any] | None,
    seen: Counter[str],
    seed_for: Callable[[int], int],
) -> tuple[int, Problem]:
    """The first of ``seed_for(0), seed_for(1), ...`` whose parameters the
    learner has not met, else the least-met of :data:`REDRAWS` draws (the
    earliest on a tie); counts the chosen one in ``seen``."""
    best: tuple[int, int, str] | None = None
    for redraw in range(REDRAWS):
        seed = seed_for(redraw)
        key = _numbers(template_key, draw_params(template_key, seed, limits=limits))
        if best is None or seen[key] < best[0]:
            best = (seen[key], seed, key)
        if seen[key] == 0:
            break
    assert best is not None
    seen[best[2]] += 1
    return best[1], generate(template_key, best[1], limits=limits or None)


def quiz_is_open(quiz: Quiz, now: datetime) -> bool:
    return (quiz.opens_at is None or quiz.opens_at <= now) and (
        quiz.due_at is None or now < quiz.due_at
    )


def attempt_start(
    *, quiz: Quiz, learner: Any, now: datetime | None = None
) -> QuizAttempt:
    """Start (or resume the open) attempt of ``learner`` at ``quiz``."""
    now = now or timezone.now()
    if not quiz_is_open(quiz, now):
        raise Conflict("This quiz is not open now.")
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
            raise Conflict(f"No attempts left: {quiz.attempts_allowed} allowed.")
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
            raise Conflict() from exc
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
            raise FieldError({"templates": f"Unknown template {unknown[0]!r}."})
        chosen = list(dict.fromkeys(templates_))
    else:
        raise FieldError({"templates": 'A list of template keys, or "mixed".'})
    if (
        isinstance(count, bool)
        or not isinstance(count, int)
        or not 1 <= count <= MAX_COUNT_PER_ITEM
    ):
        raise FieldError({"count": f"A whole number from 1 to {MAX_COUNT_PER_ITEM}."})
    try:
        base = new_seed() if seed is None else check_seed(seed)
    except ProblemInputError as exc:
        raise _field_error(exc) from exc
    problems = []
    order = list(chosen)
    # Mixed practice cycles through the templates in an order the seed shuffles.
    import random

    random.Random(base).shuffle(order)
    seen: Counter[str] = Counter()
    for position in range(1, count + 1):
        key = order[(position - 1) % len(order)]
        s, problem = _fresh_draw(
            key,
            None,
            seen,
            lambda redraw, position=position: practice_seed(
                base, learner.pk, position, redraw
            ),
        )
        problems.append(
            GeneratedProblem(
                template_key=key,
                seed=s,
                params=_json_params(problem.params),
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
        raise Conflict("This attempt is submitted; answers can no longer change.")
    if attempt.deadline and now >= attempt.deadline:
        attempt_submit(attempt, now=now)
        raise Conflict(
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
        raise FieldError({"item": "The question's position, a whole number."})
    item = attempt.items.select_related("problem").filter(position=position).first()
    if item is None:
        raise FieldError({"item": f"This attempt has no question {position}."})
    if not isinstance(text, str) or len(text) > 200:
        raise FieldError({"text": "An answer is text of at most 200 characters."})
    problem = item.problem.problem()
    if part not in problem.part_keys:
        raise FieldError(
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


# --- generation for a class (used by the Celery task) -------------------------


def generation_job_create(
    *,
    quiz: Quiz,
    requested_by: Any,
    learner_ids: Sequence[int],
    base_seed: int | None = None,
) -> GenerationJob:
    return GenerationJob.objects.create(
        quiz=quiz,
        requested_by=requested_by,
        learner_ids=list(learner_ids),
        base_seed=quiz.base_seed if base_seed is None else base_seed,
        total=len(learner_ids),
    )


def generate_for_learners(
    quiz: Quiz,
    learner_ids: Sequence[int],
    base_seed: int,
    *,
    attempt_number: int = 1,
    progress: Callable[[int, int, int], None] | None = None,
    chunk: int = 25,
) -> tuple[int, int]:
    """Make every listed learner's variants for ``attempt_number``.

    Returns:
        (learners done, problems created). Re-running creates nothing new.
    """
    created = done = 0
    for start in range(0, len(learner_ids), chunk):
        # One transaction per chunk: one commit (one fsync) per chunk of
        # learners, and a retry after a crash redoes at most one chunk.
        with transaction.atomic():
            for learner_id in learner_ids[start : start + chunk]:
                _, made = ensure_variants(
                    quiz, learner_id, attempt_number, base_seed=base_seed
                )
                created += made
                done += 1
        if progress:
            progress(done, len(learner_ids), created)
    return len(learner_ids), created
