"""Benchmark of the teacher's class dashboard (``make bench``).

It runs in the ``lessons`` group (``manage.py bench
lessons.bench_class_dashboard``; see `tests.bench.SUITES`).

* ``bench_class_dashboard``: a class of 200 learners (``--quick``: 50) with an
  assigned deck of 300 cards (each learner has started 150 and answered 500
  reviews: 100k reviews in all) and an assigned 10-question quiz submitted by
  every learner. Times ``class_dashboard``, the page, the API and the CSV, and
  counts the queries.
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from random import Random
from typing import Any

from flashcards.scheduling import State
from tests.bench.progress import _median_ms, _timed, count_queries
from tests.bench.scratch import scratch_database


def _build_class(*, learners: int, now, rng: Random) -> Any:
    from flashcards.models import Card, CardMemory, Deck, Note, ReviewLog
    from lessons.models import (
        AttemptAnswer,
        AttemptItem,
        Course,
        Enrollment,
        GeneratedProblem,
        Lesson,
        Phase,
        Quiz,
        QuizAttempt,
        SchoolClass,
    )
    from studysite.models import User

    teacher = User.objects.create_user(username=f"t-{uuid.uuid4().hex[:8]}")
    school_class = SchoolClass.objects.create(teacher=teacher, name="Bench class")
    deck = Deck.objects.create(
        owner=teacher, title="Deck", objective_key="fewer-bits-save"
    )
    notes = Note.objects.bulk_create(
        Note(deck=deck, type="basic", fields={"front": f"q{i}", "back": "a"})
        for i in range(300)
    )
    Card.objects.bulk_create(Card(note=n, deck=deck, ordinal=1) for n in notes)
    card_ids = list(Card.objects.filter(deck=deck).values_list("id", flat=True))
    course = Course.objects.create(slug=f"c{uuid.uuid4().hex[:6]}", title="C")
    phase = Phase.objects.create(course=course, number=1, slug="p", title="P")
    lesson = Lesson.objects.create(
        phase=phase, slug=f"l{uuid.uuid4().hex[:6]}", title="L", order=1
    )
    quiz = Quiz.objects.create(
        teacher=teacher, lesson=lesson, title="Quiz", base_seed=1
    )
    school_class.assignments.create(deck=deck)
    school_class.assignments.create(quiz=quiz)
    users = User.objects.bulk_create(
        User(username=f"l{i}-{uuid.uuid4().hex[:6]}") for i in range(learners)
    )
    Enrollment.objects.bulk_create(
        Enrollment(school_class=school_class, learner=u, joined_at=now) for u in users
    )
    memories, logs = [], []
    templates = ("zero-per-gpu", "gb-vs-gib", "loss-scale", "fits-on-gpu")
    for user in users:
        for card_id in rng.sample(card_ids, 150):
            stability = rng.uniform(0.5, 100)
            last = now - timedelta(days=rng.uniform(0, 30))
            memories.append(
                CardMemory(
                    learner=user,
                    card_id=card_id,
                    deck=deck,
                    state=State.REVIEW,
                    due=last + timedelta(days=stability),
                    stability=stability,
                    difficulty=5.0,
                    last_review=last,
                    reps=rng.randint(1, 10),
                    lapses=rng.randint(0, 3),
                )
            )
        for _ in range(500):
            at = now - timedelta(days=rng.uniform(0, 90))
            logs.append(
                ReviewLog(
                    learner=user,
                    card_id=rng.choice(card_ids),
                    deck=deck,
                    client_review_id=uuid.uuid4(),
                    rating=rng.choice((1, 3, 3, 4)),
                    reviewed_at=at,
                    duration_ms=5000,
                    review_state=State.REVIEW,
                    state_before={"state": 2},
                    state_after={"state": 2},
                    interval_days=5,
                )
            )
    CardMemory.objects.bulk_create(memories, batch_size=5000)
    ReviewLog.objects.bulk_create(logs, batch_size=5000)
    attempts = QuizAttempt.objects.bulk_create(
        QuizAttempt(learner=u, quiz=quiz, submitted_at=now, total_parts=10, score=0.5)
        for u in users
    )
    problems = GeneratedProblem.objects.bulk_create(
        GeneratedProblem(
            template_key=templates[i % 4],
            seed=i,
            owner=a.learner,
            quiz=quiz,
            attempt_number=1,
            position=i,
        )
        for a in attempts
        for i in range(10)
    )
    items = AttemptItem.objects.bulk_create(
        AttemptItem(attempt=attempts[k // 10], position=k % 10, problem=p)
        for k, p in enumerate(problems)
    )
    AttemptAnswer.objects.bulk_create(
        AttemptAnswer(
            item=item,
            part_key="answer",
            text="1",
            status=rng.choice(("correct", "wrong")),
            misconception=rng.choice(("", "gb-for-gib", "bits-for-bytes")),
        )
        for item in items
    )
    return teacher, school_class


def bench_class_dashboard(*, out: Any, quick: bool) -> None:
    """The teacher dashboard of a 200-learner class: time and queries."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from lessons.classes.dashboard import class_dashboard

    learners = 50 if quick else 200
    with scratch_database():
        now = timezone.now()
        started = time.perf_counter()
        teacher, school_class = _build_class(learners=learners, now=now, rng=Random(3))
        out.write(
            f"   built a class of {learners} learners ({learners * 500:,} reviews, "
            f"{learners * 150:,} memory rows) in {time.perf_counter() - started:.1f} s "
            f"({connection.vendor})"
        )
        with CaptureQueriesContext(connection) as queries:
            class_dashboard(school_class=school_class, now=now)
        times = _timed(lambda: class_dashboard(school_class=school_class, now=now), 5)
        out.write(f"   class_dashboard: {_median_ms(times)}, {len(queries)} queries")
        client = Client()
        client.force_login(teacher)
        for url in (
            f"/classes/{school_class.pk}/dashboard/",
            f"/api/v1/classes/{school_class.pk}/dashboard/",
            f"/api/v1/classes/{school_class.pk}/dashboard.csv",
        ):
            with count_queries() as queries:
                assert client.get(url).status_code == 200
            times = _timed(lambda url=url: client.get(url), 5)
            out.write(f"   GET {url}: {_median_ms(times)}, {len(queries)} queries")
