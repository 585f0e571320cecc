"""Writes of quizzes, one module per idea; this package's public API.

- `seeds`: the two seed spaces, a variant's secret seed, fresh draws.
- `problems`: a single problem: create it, grade answers to it.
- `quizzes`: define a quiz; make a learner's variants for an attempt.
- `attempts`: start an attempt or practice, autosave, submit and score.
- `generation`: the background job that makes variants ahead of time.

Callers write ``from lessons.quizzes import services`` and
``services.attempt_start``: the names below are those pages, APIs, tasks and
other apps use. Errors are `studysite.errors` (`Invalid` naming the field,
`Conflict`, `Forbidden`, `Unavailable`); every answer comes from
:mod:`lessons.problems` (and so from :mod:`lessons.precision`).
"""

from lessons.quizzes.services.attempts import (
    PRACTICE_DEFAULT_COUNT,
    answer_save,
    answers_save,
    attempt_start,
    attempt_submit,
    practice_start,
)
from lessons.quizzes.services.generation import (
    dispatch_generation,
    generate_for_learners,
    generation_job_create,
    generation_run,
)
from lessons.quizzes.services.problems import problem_answer, problem_create
from lessons.quizzes.services.quizzes import (
    MAX_COUNT_PER_ITEM,
    MAX_QUESTIONS,
    ensure_variants,
    quiz_create,
    quiz_is_open,
    quiz_slots,
)
from lessons.quizzes.services.seeds import (
    PRACTICE_SEED_MAX,
    QUIZ_SEED_FLOOR,
    REDRAWS,
    check_learner_seed,
    is_quiz_seed,
    new_base_seed,
    new_seed,
    practice_seed,
    variant_seed,
)

__all__ = [
    "MAX_COUNT_PER_ITEM",
    "MAX_QUESTIONS",
    "PRACTICE_DEFAULT_COUNT",
    "PRACTICE_SEED_MAX",
    "QUIZ_SEED_FLOOR",
    "REDRAWS",
    "answer_save",
    "answers_save",
    "attempt_start",
    "attempt_submit",
    "check_learner_seed",
    "dispatch_generation",
    "ensure_variants",
    "generate_for_learners",
    "generation_job_create",
    "generation_run",
    "is_quiz_seed",
    "new_base_seed",
    "new_seed",
    "practice_seed",
    "practice_start",
    "problem_answer",
    "problem_create",
    "quiz_create",
    "quiz_is_open",
    "quiz_slots",
    "variant_seed",
]
