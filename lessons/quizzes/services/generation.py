"""Generating a quiz's variants ahead for a list of learners: a background job.

The web side (`dispatch_generation`) checks who may get variants, creates the
`GenerationJob` and enqueues its task through `studysite.jobs.services`
(on commit; a broker that is down is `errors.Unavailable`, the job kept as
failed). The worker side (`generation_run`, called by the thin task in
`lessons.quizzes.tasks`) claims the job, reports progress after each chunk of
learners, and finishes or fails it. Generation is idempotent: variants are
unique per quiz, learner, attempt and position, so a retry or a second
delivery finds the rows already made.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.db import OperationalError, transaction

from lessons.models import GenerationJob, Quiz
from lessons.quizzes import selectors
from lessons.quizzes.services.quizzes import ensure_variants
from studysite import errors
from studysite.jobs import services as jobs

#: Learners per transaction; progress is reported after each chunk.
CHUNK = 25
#: Deliveries of one job a worker may claim (a database blip retries the task
#: three times; a lost worker's message comes back).
MAX_ATTEMPTS = 5
QUEUE_DOWN_MESSAGE = (
    "The generation queue is unavailable right now, so the variants were "
    "not generated; try again in a minute."
)

Progress = Callable[[int, int, int], None]


def generation_job_create(
    *,
    quiz: Quiz,
    requested_by: Any,
    learner_ids: Sequence[int],
    base_seed: int | None = None,
    task_id: str = "",
) -> GenerationJob:
    return GenerationJob.objects.create(
        quiz=quiz,
        requested_by=requested_by,
        learner_ids=list(learner_ids),
        base_seed=quiz.base_seed if base_seed is None else base_seed,
        total=len(learner_ids),
        task_id=task_id,
    )


def _learners_for(quiz: Quiz, learner_ids: list[int] | None) -> list[int]:
    """The learners to generate for: those named, or every member; each must
    be in a class the quiz is assigned to."""
    members = selectors.quiz_member_ids(quiz)
    if learner_ids is None:
        if not members:
            raise errors.Conflict(
                "No learner would get variants: assign the quiz to a class "
                "with learners first."
            )
        return members
    ids = list(dict.fromkeys(learner_ids))
    known = set(members)
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise errors.Invalid(
            {
                "learner_ids": f"Learner {unknown[0]} is not in a class this "
                "quiz is assigned to."
            }
        )
    return ids


def dispatch_generation(
    quiz: Quiz, user: Any, learner_ids: list[int] | None, base_seed: int | None = None
) -> GenerationJob:
    """Queue the generation of ``quiz``'s variants for its learners.

    Args:
        learner_ids: Learners of the quiz's classes; None: every member.
        base_seed: The seed variants derive from (the quiz's if None).

    Raises:
        errors.Conflict: No learner is in a class the quiz is assigned to.
        errors.Invalid: A named learner is not (on ``learner_ids``).
        errors.Unavailable: The broker did not take the task; the job is
            kept, failed.
    """
    from lessons.quizzes.tasks import generate_quiz_variants

    ids = _learners_for(quiz, learner_ids)
    job = generation_job_create(
        quiz=quiz,
        requested_by=user,
        learner_ids=ids,
        base_seed=base_seed,
        task_id=str(uuid.uuid4()),
    )
    jobs.enqueue(
        job,
        generate_quiz_variants,
        quiz.pk,
        ids,
        job.base_seed,
        job.pk,
        error=lambda exc: f"could not queue: {exc}",
        message=QUEUE_DOWN_MESSAGE,
    )
    job.refresh_from_db()
    return job


def generate_for_learners(
    quiz: Quiz,
    learner_ids: Sequence[int],
    base_seed: int,
    *,
    attempt_number: int = 1,
    progress: Progress | None = None,
    chunk: int = CHUNK,
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


def _active_learner_ids() -> list[int]:
    return list(
        get_user_model()
        .objects.filter(is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def generation_run(
    *,
    quiz_id: int,
    learner_ids: list[int] | None,
    base_seed: int,
    job_id: int | None = None,
    attempt_number: int = 1,
    task_id: str | None = None,
    report: Progress | None = None,
) -> dict[str, Any]:
    """Generate ``attempt_number``'s variants of quiz ``quiz_id`` (the worker side).

    Args:
        learner_ids: Learners to generate for; None means every active learner.
        base_seed: One input of each variant's seed (``seeds.variant_seed``).
        job_id: A `GenerationJob` to claim and report into (None: no job).
        task_id: The delivery's task id: a job whose current message is
            another one is skipped.
        report: Also told ``(done, total, created)`` after each chunk.

    Returns:
        ``{"quiz", "learners", "created", "job"}``; ``created`` is 0 on a
        re-run, and ``learners`` 0 when the job was skipped (finished, or
        taken over by a newer delivery).
    """
    quiz = Quiz.objects.get(pk=quiz_id)
    ids = list(learner_ids) if learner_ids is not None else _active_learner_ids()
    outcome = {"quiz": quiz_id, "learners": 0, "created": 0, "job": job_id}
    if job_id is None:
        learners, created = generate_for_learners(
            quiz, ids, base_seed, attempt_number=attempt_number, progress=report
        )
        return outcome | {"learners": learners, "created": created}
    claim = jobs.claim(
        GenerationJob,
        job_id,
        task_id=task_id,
        max_attempts=MAX_ATTEMPTS,
        fields={"total": len(ids), **({"task_id": task_id} if task_id else {})},
    )
    if claim is None:
        return outcome
    _, attempt = claim

    def progress(done: int, total: int, created: int) -> None:
        jobs.progress(
            GenerationJob,
            job_id,
            attempt,
            done / total if total else 1.0,
            f"{done} of {total} learners",
            done=done,
            created=created,
        )
        if report:
            report(done, total, created)

    try:
        learners, created = generate_for_learners(
            quiz, ids, base_seed, attempt_number=attempt_number, progress=progress
        )
    except jobs.Superseded:
        return outcome
    except OperationalError:
        raise  # the task retries; its next delivery claims the job again
    except Exception as exc:
        jobs.fail(GenerationJob, job_id, attempt, str(exc)[:2000])
        raise
    jobs.finish(
        GenerationJob, job_id, attempt, done=learners, created=created, error=""
    )
    return outcome | {"learners": learners, "created": created}
