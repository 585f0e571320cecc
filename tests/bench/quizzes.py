"""Benchmarks of generated problems and quizzes (``make bench``).

They run in the ``lessons`` group (``manage.py bench lessons``; see
`tests.bench.SUITES`).

* ``bench_problem_generation``: problems generated per second, per template.
* ``bench_quiz_for_500_learners``: generating a 10-question quiz's variants
  for 500 learners through the Celery task, on a running worker when one
  answers a ping, else eagerly in this process (the output says which). The
  eager run happens in a scratch database (`tests.bench.scratch`), inside a
  transaction that is rolled back; the worker run commits its rows to the
  configured database and deletes them afterwards.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from django.db import transaction

from lessons.problems import generate, templates
from tests.bench.scratch import scratch_database

QUIZ_ITEMS = [
    {"template": key, "count": 1, "limits": {}}
    for key in (
        "training-memory-mixed",
        "zero-per-gpu",
        "quantized-weights",
        "fits-on-gpu",
        "kv-cache-gqa",
        "activation-recompute",
        "round-to-format",
        "smallest-update",
        "loss-scale",
        "training-compute",
    )
]


def bench_problem_generation(out: Any, quick: bool = False) -> None:
    n = 200 if quick else 2000
    total = 0.0
    for t in templates():
        start = time.perf_counter()
        for seed in range(n):
            generate(t.key, seed)
        elapsed = time.perf_counter() - start
        total += elapsed
        out.write(f"   {t.key:28s} {n / elapsed:10,.0f} problems/s")
    out.write(
        f"   {'all templates':28s} {n * len(templates()) / total:10,.0f} problems/s (mean)"
    )


def _worker_available() -> bool:
    try:
        from studysite.celery import app

        return bool(app.control.inspect(timeout=1.0).ping())
    except Exception:
        return False


class _Rollback(Exception):
    pass


def _setup(learners: int) -> tuple[Any, list[int]]:
    from django.contrib.auth import get_user_model

    from lessons.models import Course, Lesson, Phase, Quiz

    tag = uuid.uuid4().hex[:8]
    User = get_user_model()  # noqa: N806
    teacher = User.objects.create(username=f"bench-teacher-{tag}")
    lesson = Lesson.objects.filter(slug="why-precision-matters").first()
    if lesson is None:
        course = Course.objects.create(slug=f"bench-{tag}", title="bench")
        phase = Phase.objects.create(
            course=course, number=1, slug="bench", title="bench"
        )
        lesson = Lesson.objects.create(
            phase=phase, slug=f"bench-{tag}", title="bench", order=1
        )
    quiz = Quiz.objects.create(
        teacher=teacher,
        lesson=lesson,
        title=f"bench {tag}",
        items=QUIZ_ITEMS,
        base_seed=12345,
    )
    users = User.objects.bulk_create(
        [User(username=f"bench-{tag}-{i}") for i in range(learners)]
    )
    return quiz, [u.pk for u in users]


def bench_quiz_for_500_learners(out: Any, quick: bool = False) -> None:
    from lessons.models import GenerationJob
    from lessons.quizzes import services
    from lessons.quizzes.tasks import generate_quiz_variants

    learners = 50 if quick else 500
    if _worker_available():
        quiz, ids = _setup(learners)
        try:
            job = services.generation_job_create(
                quiz=quiz, requested_by=None, learner_ids=ids
            )
            start = time.perf_counter()
            result = generate_quiz_variants.apply_async(
                args=(quiz.pk, ids, quiz.base_seed, job.pk)
            )
            result.get(timeout=600)
            elapsed = time.perf_counter() - start
            job = GenerationJob.objects.get(pk=job.pk)
            out.write(
                f"   through a running Celery worker: {learners} learners × {len(QUIZ_ITEMS)} questions"
            )
            out.write(
                f"   {elapsed:.2f} s ({job.created} problems, {job.created / elapsed:,.0f} problems/s)"
            )
        finally:
            teacher, lesson = quiz.teacher, quiz.lesson
            quiz.delete()
            type(teacher).objects.filter(pk__in=ids).delete()
            teacher.delete()
            if lesson.slug.startswith("bench-"):
                lesson.phase.course.delete()
        return
    # No worker: in a scratch database, as the configured one may be empty.
    with scratch_database():
        try:
            with transaction.atomic():
                quiz, ids = _setup(learners)
                job = services.generation_job_create(
                    quiz=quiz, requested_by=None, learner_ids=ids
                )
                start = time.perf_counter()
                generate_quiz_variants.apply(
                    args=(quiz.pk, ids, quiz.base_seed, job.pk)
                ).get()
                elapsed = time.perf_counter() - start
                job = GenerationJob.objects.get(pk=job.pk)
                again = time.perf_counter()
                generate_quiz_variants.apply(args=(quiz.pk, ids, quiz.base_seed)).get()
                rerun = time.perf_counter() - again
                out.write(
                    f"   no worker answered: eager, in this process: {learners} learners × {len(QUIZ_ITEMS)} questions"
                )
                out.write(
                    f"   {elapsed:.2f} s ({job.created} problems, {job.created / elapsed:,.0f} problems/s); idempotent re-run {rerun:.2f} s, 0 new"
                )
                raise _Rollback
        except _Rollback:
            pass
