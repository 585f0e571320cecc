"""Celery tasks: generate a quiz's variants for a list of learners.

Thin: ids and a seed in, `services.generation_run` does the work (claims the
`GenerationJob`, reports progress into it, finishes or fails it), JSON out.
The task also reports ``PROGRESS`` (``done``/``total``/``created``) through
``update_state`` when a worker runs it.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from lessons.quizzes.services import generation
from studysite.jobs.tasks import JobTask


class GenerationTask(JobTask):
    """Marks the generation job failed when the task dies (its fourth argument)."""

    job_model = "lessons.GenerationJob"

    def job_id_of(self, args: Any, kwargs: Any) -> Any:
        return args[3] if len(args) > 3 else kwargs.get("job_id")


@shared_task(
    bind=True, base=GenerationTask, name="lessons.quizzes.generate_quiz_variants"
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
        job_id: A `GenerationJob` to report progress into.
        attempt_number: Which attempt's variants (1 for a new quiz).

    Returns:
        ``{"quiz", "learners", "created", "job"}``; ``created`` is 0 on a re-run.
    """
    task_id = getattr(self.request, "id", None)

    def report(done: int, total: int, created: int) -> None:
        if task_id and not self.request.is_eager:
            self.update_state(
                state="PROGRESS",
                meta={"done": done, "total": total, "created": created},
            )

    return generation.generation_run(
        quiz_id=quiz_id,
        learner_ids=learner_ids,
        base_seed=base_seed,
        job_id=job_id,
        attempt_number=attempt_number,
        task_id=task_id,
        report=report,
    )
