"""Seeds: the two seed spaces, a variant's secret seed, and fresh draws.

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
  parameter space has no fresh ones left (:func:`fresh_draw`). A practice
  session does the same among its own questions (:func:`practice_seed`).
* Seeds live in two spaces. Quiz variants take ``[2^62, 2^63)``
  (:data:`QUIZ_SEED_FLOOR` up); every seed a learner can choose or get for
  practice (``POST /api/v1/problems/``, practice sessions, random seeds) lies
  in ``[0, 2^62)``, and ``problem_create`` refuses the upper half by name
  (:func:`check_learner_seed`). It also refuses a lower-half seed that a quiz
  variant made before this rule already uses (those were derived from the
  quiz's base seed by a public hash). A practice problem made with a chosen
  seed therefore never coincides with a quiz variant, and a variant's seed,
  once revealed, regenerates nothing.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from django.utils.crypto import salted_hmac

from lessons.models import GeneratedProblem
from lessons.problems import (
    MAX_SEED,
    Problem,
    ProblemInputError,
    check_seed,
    draw_params,
    generate,
    get_template,
)
from studysite import errors

#: Quiz variants' seeds are in [QUIZ_SEED_FLOOR, MAX_SEED]; seeds a learner
#: chooses or practises with are below it.
QUIZ_SEED_FLOOR = 2**62
PRACTICE_SEED_MAX = QUIZ_SEED_FLOOR - 1
_VARIANT_SALT = "lessons.quizzes.variant_seed"

#: Seeds tried per question for parameters the learner has not met yet (a
#: draw costs microseconds: only the chosen seed's problem is built).
REDRAWS = 256


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
    digest = hashlib.sha256(text.encode()).digest()
    return int.from_bytes(digest[:8], "big") & PRACTICE_SEED_MAX


def new_seed() -> int:
    """A random seed for a problem or practice session, in ``[0, 2^62)``."""
    return secrets.randbelow(QUIZ_SEED_FLOOR)


def new_base_seed() -> int:
    """A random base seed for a quiz (an input of :func:`variant_seed`)."""
    return secrets.randbits(63)


def clean_base_seed(seed: object) -> int:
    """A teacher's base seed, or `errors.Invalid` on ``base_seed``."""
    try:
        return check_seed(seed)
    except ProblemInputError as exc:
        raise errors.Invalid({"base_seed": exc.message}) from exc


def check_learner_seed(seed: object, *, template_key: str) -> int:
    """A seed someone chose for a problem: a whole number below ``2^62`` that no
    quiz variant of ``template_key`` uses; `errors.Invalid` on ``seed`` otherwise."""
    try:
        value = check_seed(seed)
    except ProblemInputError as exc:
        raise errors.Invalid({exc.field: exc.message}) from exc
    if is_quiz_seed(value):
        raise errors.Invalid(
            {
                "seed": f"Seeds from {QUIZ_SEED_FLOOR} up are reserved for quiz "
                f"variants; choose one from 0 to {PRACTICE_SEED_MAX}."
            }
        )
    if GeneratedProblem.objects.filter(
        quiz__isnull=False, template_key=template_key, seed=value
    ).exists():
        raise errors.Invalid(
            {"seed": "This seed is taken by a quiz variant; choose another."}
        )
    return value


def numbers_key(template_key: str, params: Mapping[str, Any]) -> str:
    """A question's drawn parameters as one comparable key."""
    names = [spec.name for spec in get_template(template_key).params]
    drawn = {name: params.get(name) for name in names}
    return template_key + json.dumps(drawn, sort_keys=True, default=str)


def fresh_draw(
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
        key = numbers_key(template_key, draw_params(template_key, seed, limits=limits))
        if best is None or seen[key] < best[0]:
            best = (seen[key], seed, key)
        if seen[key] == 0:
            break
    assert best is not None
    seen[best[2]] += 1
    return best[1], generate(template_key, best[1], limits=limits or None)
