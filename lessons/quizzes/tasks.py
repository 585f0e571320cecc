"""Celery tasks: generate a quiz's variants for a list of learners.

The task takes ids and a seed only; it is idempotent (variants are unique per
quiz, learner, attempt and position, so a retry or a duplicate delivery finds
the rows already made) and reports progress both through ``update_state``
(``PROGRESS`` with ``done``/``total``) and the :class:`GenerationJob` row the
teacher's page polls.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import OperationalError
from django.utils import timezone

from lessons.models import GenerationJob, Quiz
from lessons.quizzes import services

#: Learners per transaction; progress is reported after each chunk.
CHUNK = 25


@shared_task(
    bind=True,
    name="lessons.quizzes.generate_quiz_variants",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def generate_quiz_variants(
    self: Any,
    quiz_id: int,
    learner_ids: list[int] | None,
    base_seed: int,
    job_id: int | None = None,
    attempt_number: int = 1,
) -> dict[str, Any]:
    """Generate ``attempt_number``'s variants of quiz ``quiz_id`` for each learner.

    Args:
        quiz_id: The quiz.
        learner_ids: Learners to generate for; None means every active learner.
        base_seed: The quiz's base seed (normally ``quiz.base_seed``), one input
            of each variant's seed with the server's secret, the learner, the
            attempt and the position (``services.variant_seed``).
        job_id: A :class:`GenerationJob` to report progress into.
        attempt_number: Which attempt's variants (1 for a new quiz).

    Returns:
        ``{"quiz", "learners", "created", "job"}``; ``created`` is 0 on a re-run.
    """
    quiz = Quiz.objects.get(pk=quiz_id)
    if learner_ids is None:
        learner_ids = list(
            get_user_model()
            .objects.filter(is_active=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    job = GenerationJob.objects.filter(pk=job_id).first() if job_id else None
    if job is not None:
        GenerationJob.objects.filter(pk=job.pk).update(
            state=GenerationJob.State.RUNNING,
            total=len(learner_ids),
            started_at=timezone.now(),
            task_id=getattr(self.request, "id", None) or "",
        )

    def progress(done: int, total: int, created: int) -> None:
        if job is not None:
            GenerationJob.objects.filter(pk=job.pk).update(done=done, created=created)
        if getattr(self.request, "id", None) and not self.request.is_eager:
            self.update_state(
                state="PROGRESS",
                meta={"done": done, "total": total, "created": created},
            )

    try:
        learners, created = services.generate_for_learners(
            quiz,
            learner_ids,
            base_seed,
            attempt_number=attempt_number,
            progress=progress,
            chunk=CHUNK,
        )
    except Exception as exc:
        if job is not None:
            GenerationJob.objects.filter(pk=job.pk).update(
                state=GenerationJob.State.FAILED, error=str(exc)[:2000]
            )
        raise
    if job is not None:
        GenerationJob.objects.filter(pk=job.pk).update(
            state=GenerationJob.State.DONE,
            done=learners,
            created=created,
            finished_at=timezone.now(),
        )
    return {"quiz": quiz_id, "learners": learners, "created": created, "job": job_id}
