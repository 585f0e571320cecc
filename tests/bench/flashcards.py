"""Benchmarks of the daily review (``make bench``; figures, not timed tests).

Run::

    make bench BENCH_ARGS="flashcards --quick"          # SQLite, small sizes
    DATABASE_URL=postgres://user@127.0.0.1/studysite make bench BENCH_ARGS=flashcards
    FLASHCARDS_BENCH_URL=http://127.0.0.1:8000 make bench BENCH_ARGS=flashcards.bench_round_trip

The database benchmarks fill a scratch database (`tests.bench.scratch`), never
the configured one. ``bench_progress_dashboard`` of the same group lives in
`tests.bench.progress`.

* ``bench_round_trip``: answer-and-next-card (``POST /api/v1/reviews/`` with
  ``next``: one request per card) through the Django test client, against
  ``GET /api/v1/auth/me/`` (a trivial authenticated endpoint) as a ratio. With
  ``FLASHCARDS_BENCH_URL`` set to a running server (``gunicorn
  studysite.wsgi``), the same over HTTP: it signs up a fresh user, makes a deck
  and answers its cards.
* ``bench_due_queue``: the due-queue query with 10k, 100k and 1M memory states
  (``--quick``: 1k, 10k, 100k): 100 cards per learner (10k learners at 1M)
  plus one big learner with a tenth of the rows (100k cards at 1M). A typical
  learner's queue time must stay flat as the table grows (index-backed); the
  big learner's grows with its own due cards only.
* ``bench_scheduling_overhead``: `flashcards.scheduling.review` per answer
  against the bare ``fsrs`` ``Scheduler.review_card`` call (a fresh card every
  20 answers, so the dates stay in range).
* ``bench_retrievability``: `retrievability_many` (numpy) over all of a
  learner's cards against a per-card loop of `retrievability`.
"""

from __future__ import annotations

import json
import os
import statistics
import time
import urllib.request
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from random import Random
from typing import Any

import numpy as np

from flashcards import scheduling
from tests.bench.scratch import scratch_database


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def _timed(func: Callable[[], Any], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return times


def _summary(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"median {_ms(statistics.median(ordered))}, p95 {_ms(p95)}"


# --- answer and next card ------------------------------------------------------------


def _make_learner_with_deck(cards: int) -> tuple[Any, Any]:
    from flashcards import services
    from flashcards.models import Card, Note
    from studysite.models import User

    learner = User.objects.create_user(username=f"bench-{uuid.uuid4().hex[:8]}")
    deck = services.deck_create(
        owner=learner, title="bench", options={"new_per_day": 9999}
    )
    notes = Note.objects.bulk_create(
        Note(deck=deck, type="basic", fields={"front": f"q{i} $x^{i}$", "back": "a"})
        for i in range(cards)
    )
    Card.objects.bulk_create(Card(note=note, deck=deck, ordinal=1) for note in notes)
    return learner, deck


def bench_round_trip(*, out: Any, quick: bool) -> None:
    """Answer-and-next-card vs a trivial authenticated endpoint."""
    from django.test import Client

    answers = 100 if quick else 500
    with scratch_database():
        learner, deck = _make_learner_with_deck(answers + 10)
        client = Client()
        client.force_login(learner)
        first = client.get(f"/api/v1/study/queue?deck={deck.pk}&limit=1").json()
        current = {"card": first["cards"][0]}

        def answer() -> None:
            card = current["card"]
            body = {
                "card": card["id"],
                "rating": 3,
                "client_review_id": str(uuid.uuid4()),
                "version": card["version"],
                "next": {"deck": deck.pk, "limit": 1},
            }
            response = client.post(
                "/api/v1/reviews/", json.dumps(body), content_type="application/json"
            )
            assert response.status_code == 201, response.content
            current["card"] = response.json()["queue"]["cards"][0]

        def me() -> None:
            assert client.get("/api/v1/auth/me/").status_code == 200

        _timed(me, 5)
        review_times = _timed(answer, answers)
        me_times = _timed(me, answers)
    ratio = statistics.median(review_times) / statistics.median(me_times)
    out.write(f"in-process, {answers} answers: answer+next {_summary(review_times)}")
    out.write(f"in-process: GET /api/v1/auth/me/ {_summary(me_times)}")
    out.write(f"in-process ratio (medians): {ratio:.1f}x")
    url = os.environ.get("FLASHCARDS_BENCH_URL")
    if url:
        _round_trip_http(out=out, base=url.rstrip("/"), answers=answers)
    else:
        out.write("over HTTP: set FLASHCARDS_BENCH_URL to a running gunicorn server")


def _http(
    base: str, method: str, path: str, token: str | None, body: Any = None
) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Token {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def _round_trip_http(*, out: Any, base: str, answers: int) -> None:
    name = f"bench{uuid.uuid4().hex[:10]}"
    signup = _http(
        base,
        "POST",
        "/api/v1/auth/signup/",
        None,
        {"username": name, "password": f"Bench-{uuid.uuid4().hex}"},
    )
    token = signup["token"]
    deck = _http(
        base,
        "POST",
        "/api/v1/decks/",
        token,
        {"title": "bench", "options": {"new_per_day": 9999}},
    )
    for i in range(answers + 5):
        _http(
            base,
            "POST",
            f"/api/v1/decks/{deck['id']}/notes/",
            token,
            {"type": "basic", "fields": {"front": f"q{i}", "back": "a"}},
        )
    queue = _http(base, "GET", f"/api/v1/study/queue?deck={deck['id']}&limit=1", token)
    current = {"card": queue["cards"][0]}

    def answer() -> None:
        card = current["card"]
        body = {
            "card": card["id"],
            "rating": 3,
            "client_review_id": str(uuid.uuid4()),
            "version": card["version"],
            "next": {"deck": deck["id"], "limit": 1},
        }
        current["card"] = _http(base, "POST", "/api/v1/reviews/", token, body)["queue"][
            "cards"
        ][0]

    def me() -> None:
        _http(base, "GET", "/api/v1/auth/me/", token)

    _timed(me, 5)
    review_times = _timed(answer, answers)
    me_times = _timed(me, answers)
    ratio = statistics.median(review_times) / statistics.median(me_times)
    out.write(f"HTTP {base}: answer+next {_summary(review_times)}")
    out.write(f"HTTP {base}: GET /api/v1/auth/me/ {_summary(me_times)}")
    out.write(f"HTTP ratio (medians): {ratio:.1f}x")
    _http(base, "DELETE", f"/api/v1/decks/{deck['id']}/", token)


# --- the due queue --------------------------------------------------------------------

_PER_LEARNER = 100


def _memory_rows(
    learner_id: int, cards: list[tuple[int, int]], rng: Random, now: datetime
):
    from flashcards.models import CardMemory

    for card_id, deck_id in cards:
        roll = rng.random()
        if roll < 0.05:
            state, due = 1, now - timedelta(minutes=rng.randint(1, 600))
        elif roll < 0.15:
            state, due = 2, now - timedelta(days=rng.random() * 20)
        else:
            state, due = 2, now + timedelta(days=1 + rng.random() * 300)
        stability = 1 + rng.random() * 100
        yield CardMemory(
            learner_id=learner_id,
            card_id=card_id,
            deck_id=deck_id,
            state=state,
            due=due,
            stability=stability,
            difficulty=1 + rng.random() * 9,
            step=0,
            last_review=due - timedelta(days=stability),
            reps=3,
            lapses=0,
        )


def _grow(*, target: int, world: dict[str, Any], rng: Random, now: datetime) -> None:
    from django.contrib.auth.models import Group

    from flashcards.models import Card, CardMemory, Deck, DeckSubscription, Note
    from studysite.models import TEACHER_GROUP, User

    if not world:
        teacher = User.objects.create_user(username="bench-teacher")
        teacher.groups.add(Group.objects.get_or_create(name=TEACHER_GROUP)[0])
        # A public deck every learner subscribes to (a lesson deck's shape).
        shared = Deck.objects.create(owner=teacher, title="shared", visibility="public")
        notes = Note.objects.bulk_create(
            Note(deck=shared, type="basic", fields={"front": "q", "back": "a"})
            for _ in range(_PER_LEARNER)
        )
        cards = Card.objects.bulk_create(
            Card(note=n, deck=shared, ordinal=1) for n in notes
        )
        big = User.objects.create_user(username="bench-big")
        world.update(
            shared=[(c.pk, shared.pk) for c in cards],
            big=big,
            big_deck=Deck.objects.create(owner=big, title="big"),
            learners=[],
            big_cards=0,
            rows=0,
        )
    big_target = target // 10
    extra = big_target - world["big_cards"]
    deck = world["big_deck"]
    for start in range(0, extra, 10_000):
        size = min(10_000, extra - start)
        notes = Note.objects.bulk_create(
            Note(deck=deck, type="basic", fields={"front": "q", "back": "a"})
            for _ in range(size)
        )
        cards = Card.objects.bulk_create(
            Card(note=n, deck=deck, ordinal=1) for n in notes
        )
        CardMemory.objects.bulk_create(
            _memory_rows(world["big"].pk, [(c.pk, deck.pk) for c in cards], rng, now),
            batch_size=5000,
        )
    world["big_cards"] = big_target
    shared_id = world["shared"][0][1]
    world["rows"] += max(extra, 0)
    while world["rows"] < target:
        count = min(500, (target - world["rows"]) // _PER_LEARNER + 1)
        base = len(world["learners"])
        users = User.objects.bulk_create(
            User(username=f"bench-l{base + i}", password="!") for i in range(count)
        )
        rows = [
            row
            for user in users
            for row in _memory_rows(user.pk, world["shared"], rng, now)
        ]
        CardMemory.objects.bulk_create(rows, batch_size=5000)
        DeckSubscription.objects.bulk_create(
            [DeckSubscription(learner=user, deck_id=shared_id) for user in users],
            batch_size=5000,
        )
        world["learners"] += [u.pk for u in users]
        world["rows"] += len(rows)


def bench_due_queue(*, out: Any, quick: bool) -> None:
    """Due-queue time as the memory table grows (index-backed: stays flat)."""
    from django.db import connection

    from flashcards import selectors
    from flashcards.models import CardMemory
    from studysite.models import User

    sizes = (1_000, 10_000, 100_000) if quick else (10_000, 100_000, 1_000_000)
    rng = Random(42)
    now = datetime.now(UTC)
    world: dict[str, Any] = {}
    out.write(f"database: {connection.vendor}")
    with scratch_database():
        for size in sizes:
            started = time.perf_counter()
            _grow(target=size, world=world, rng=rng, now=now)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            filled = time.perf_counter() - started
            typical = User.objects.get(
                pk=world["learners"][len(world["learners"]) // 2]
            )
            big = world["big"]
            typical_times = _timed(
                lambda u=typical: selectors.study_queue(learner=u, now=now, limit=10),
                20,
            )
            big_times = _timed(
                lambda u=big: selectors.study_queue(learner=u, now=now, limit=10), 5
            )
            total = CardMemory.objects.count()
            out.write(
                f"{total:>9,} memory states ({len(world['learners']):,} learners + one "
                f"with {world['big_cards']:,} cards; filled in {filled:.1f} s)"
            )
            out.write(
                f"    typical learner ({_PER_LEARNER} cards): {_summary(typical_times)}"
            )
            out.write(f"    big learner: {_summary(big_times)}")
        plan = (
            CardMemory.objects.filter(
                learner=typical, suspended=False, state__gt=0, due__lt=now
            )
            .values_list("card_id", "due")
            .explain()
        )
        out.write("plan of the due rows query: " + " | ".join(plan.splitlines()[:3]))


# --- pure scheduling --------------------------------------------------------------------


# Answers per card before a fresh one: a card's reviews over its life. Without
# a cap, intervals of up to 100 years carry the dates past year 9999
# (OverflowError) within the full run's 20k answers.
_ANSWERS_PER_CARD = 20


def bench_scheduling_overhead(*, out: Any, quick: bool) -> None:
    """`scheduling.review` per answer over the bare ``fsrs`` call."""
    import fsrs

    answers = 2_000 if quick else 20_000
    rng = Random(3)
    ratings = [rng.choice((1, 3, 3, 3, 4, 2)) for _ in range(answers)]
    options = scheduling.DeckOptions(enable_fuzz=False)
    scheduler = fsrs.Scheduler(enable_fuzzing=False)
    start = datetime(2030, 1, 1, tzinfo=UTC)

    def bare() -> None:
        for i, rating in enumerate(ratings):
            if i % _ANSWERS_PER_CARD == 0:
                card, now = fsrs.Card(card_id=1, due=start), start
            card, _ = scheduler.review_card(
                card, fsrs.Rating(rating), review_datetime=now
            )
            now = max(now, card.due)

    def ours() -> None:
        for i, rating in enumerate(ratings):
            if i % _ANSWERS_PER_CARD == 0:
                state, now = scheduling.CardState(due=start), start
            state = scheduling.review(
                state, scheduling.Rating(rating), options=options, now=now, rng=rng
            ).state
            now = max(now, state.due)

    bare_time = min(_timed(bare, 3)) / answers
    ours_time = min(_timed(ours, 3)) / answers
    out.write(f"bare fsrs review_card: {bare_time * 1e6:.1f} µs per answer")
    out.write(f"scheduling.review:     {ours_time * 1e6:.1f} µs per answer")
    out.write(
        f"overhead: {(ours_time - bare_time) * 1e6:.1f} µs ({ours_time / bare_time:.2f}x)"
    )


def bench_retrievability(*, out: Any, quick: bool) -> None:
    """All of a learner's cards at once (numpy) vs a per-card loop."""
    cards = 10_000 if quick else 100_000
    rng = np.random.default_rng(5)
    now = datetime(2030, 1, 1, tzinfo=UTC)
    stabilities = rng.uniform(0.5, 300, cards)
    elapsed = rng.uniform(0, 400, cards)
    options = scheduling.DeckOptions()
    states = [
        scheduling.CardState(
            state=scheduling.State.REVIEW,
            due=now,
            stability=float(s),
            difficulty=5.0,
            last_review=now - timedelta(days=float(e)),
        )
        for s, e in zip(stabilities, elapsed, strict=True)
    ]
    vector = min(
        _timed(
            lambda: scheduling.retrievability_many(stabilities, elapsed, options.decay),
            5,
        )
    )
    loop = min(
        _timed(lambda: [scheduling.retrievability(s, now, options) for s in states], 1)
    )
    out.write(f"{cards:,} cards: numpy {_ms(vector)}, per-card loop {_ms(loop)}")
    out.write(f"speed-up: {loop / vector:,.0f}x")
