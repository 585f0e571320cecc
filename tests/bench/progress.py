"""Benchmarks of the learner dashboard (``make bench``; figures, not tests).

It runs in the ``flashcards`` group (see `tests.bench.SUITES`); alone::

    make bench BENCH_ARGS="flashcards.bench_progress_dashboard --quick"

* ``bench_progress_dashboard``: a learner with 10k cards (10 decks, every card
  started) and 100k reviews over two years (``--quick``: 1k and 10k). Times
  ``selectors.dashboard`` (every figure), the ``/progress/`` page and each
  figure's API, and counts the queries with ``CaptureQueriesContext``.
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime, timedelta
from random import Random
from typing import Any

from flashcards.scheduling import State
from tests.bench.scratch import scratch_database


def _timed(func: Callable[[], Any], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return times


def _median_ms(times: list[float]) -> str:
    return (
        f"median {statistics.median(times) * 1000:.1f} ms (min {min(times) * 1000:.1f})"
    )


class QueryCounter:
    """Counts every query run while active, across requests of the test client
    (which reset ``connection.queries`` when a request starts)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __len__(self) -> int:
        return self.count


@contextmanager
def count_queries():
    from django.db import connection

    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        yield counter


def build_learner(*, cards: int, reviews: int, now: datetime, rng: Random) -> Any:
    """A learner with ``cards`` started cards in 10 decks and ``reviews`` reviews."""
    from flashcards.models import Card, CardMemory, Deck, Note, ReviewLog
    from studysite.models import User

    learner = User.objects.create_user(username=f"bench-{uuid.uuid4().hex[:8]}")
    decks = [
        Deck.objects.create(owner=learner, title=f"D{i}", objective_key=f"obj-{i % 4}")
        for i in range(10)
    ]
    notes = Note.objects.bulk_create(
        (
            Note(
                deck=decks[i % 10], type="basic", fields={"front": f"q{i}", "back": "a"}
            )
            for i in range(cards)
        ),
        batch_size=2000,
    )
    Card.objects.bulk_create(
        (Card(note=n, deck_id=n.deck_id, ordinal=1) for n in notes), batch_size=2000
    )
    card_rows = list(Card.objects.filter(deck__in=decks).values_list("id", "deck_id"))
    memories = []
    for card_id, deck_id in card_rows:
        stability = rng.uniform(0.5, 200)
        last = now - timedelta(days=rng.uniform(0, 60))
        state = rng.choice((State.REVIEW,) * 8 + (State.LEARNING, State.RELEARNING))
        memories.append(
            CardMemory(
                learner=learner,
                card_id=card_id,
                deck_id=deck_id,
                state=state,
                due=last + timedelta(days=stability),
                stability=stability,
                difficulty=5.0,
                last_review=last,
                reps=rng.randint(1, 20),
                lapses=rng.randint(0, 3),
            )
        )
    CardMemory.objects.bulk_create(memories, batch_size=2000)
    logs = []
    for _ in range(reviews):
        card_id, deck_id = card_rows[rng.randrange(len(card_rows))]
        at = now - timedelta(days=rng.uniform(0, 730))
        interval = rng.choice((1, 3, 8, 15, 30, 60, 120))
        logs.append(
            ReviewLog(
                learner=learner,
                card_id=card_id,
                deck_id=deck_id,
                client_review_id=uuid.uuid4(),
                rating=rng.choice((1, 3, 3, 3, 4)),
                reviewed_at=at,
                duration_ms=rng.randint(2000, 20000),
                review_state=State.REVIEW,
                state_before={
                    "state": 2,
                    "due": (at).isoformat(),
                    "last_review": (at - timedelta(days=interval)).isoformat(),
                },
                state_after={"state": 2},
                interval_days=interval,
            )
        )
    ReviewLog.objects.bulk_create(logs, batch_size=5000)
    return learner


def bench_progress_dashboard(*, out: Any, quick: bool) -> None:
    """The learner dashboard at 10k cards and 100k reviews: time and queries."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from lessons.progress import selectors
    from lessons.progress.access import Scope

    cards, reviews = (1_000, 10_000) if quick else (10_000, 100_000)
    repeat = 5
    with scratch_database():
        now = timezone.now()
        started = time.perf_counter()
        learner = build_learner(cards=cards, reviews=reviews, now=now, rng=Random(8))
        out.write(
            f"   built {cards:,} cards, {reviews:,} reviews in "
            f"{time.perf_counter() - started:.1f} s ({connection.vendor})"
        )
        scope = Scope(learner=learner)
        with CaptureQueriesContext(connection) as queries:
            selectors.dashboard(scope, now=now)
        times = _timed(lambda: selectors.dashboard(scope, now=now), repeat)
        out.write(
            f"   selectors.dashboard: {_median_ms(times)}, {len(queries)} queries"
        )
        client = Client()
        client.force_login(learner)
        with count_queries() as queries:
            assert client.get("/progress/").status_code == 200
        times = _timed(lambda: client.get("/progress/"), repeat)
        out.write(
            f"   GET /progress/ (page): {_median_ms(times)}, {len(queries)} queries"
        )
        for name in (
            "summary",
            "heatmap",
            "retention",
            "forecast",
            "mastery",
            "quizzes",
        ):
            url = f"/api/v1/progress/{name}"
            with count_queries() as queries:
                assert client.get(url).status_code == 200
            times = _timed(lambda url=url: client.get(url), repeat)
            out.write(f"   GET {url}: {_median_ms(times)}, {len(queries)} queries")
