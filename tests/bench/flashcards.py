"""Benchmarks of the daily review (``make bench``; figures, not timed tests).

Run::

    make bench BENCH_ARGS="flashcards --quick"          # SQLite, small sizes
    DATABASE_URL=postgres://user@127.0.0.1/studysite make bench BENCH_ARGS=flashcards
    FLASHCARDS_BENCH_URL=http://127.0.0.1:8000 make bench BENCH_ARGS=flashcards.bench_round_trip

The database benchmarks fill a scratch database (`tests.bench.scratch`), never
the configured one. ``bench_progress_dashboard`` of the same group lives in
`tests.bench.progress`.

* ``bench_round_trip``: answering a card with the next one ready, the study
  page's way ("batch": ``GET /api/v1/study/queue?limit=10``, answers without
  ``next``, the batch loaded again when 3 are left, that load's time counted
  in its answer; the answer alone is printed too) and the older client's
  ("next": each answer with ``next: {limit: 1}``), through a deck of basic
  notes and one of reversed notes (two cards a note: every answer buries its
  sibling, which leaves the batch). Median and p95 of each, as a ratio of
  ``GET /api/v1/auth/me/`` (a trivial authenticated endpoint) with the same
  auth, and the SQL statements per answer (refills included; with and
  without BEGIN/COMMIT/SAVEPOINT/RELEASE). First in this process (the Django
  test client, session auth), then over HTTP (token auth) against a gunicorn
  server it starts itself on the same scratch database (a file on SQLite) and
  stops at the end (`tests.bench.live_server`); with ``FLASHCARDS_BENCH_URL``
  set, against that server instead, as a freshly signed-up user. The flows
  are `tests.bench.review_flows`.
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

import os
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from random import Random
from typing import Any

import numpy as np

from flashcards import scheduling
from tests.bench import live_server, review_flows
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

_DECKS = (("basic deck", False), ("reversed deck (2 cards a note)", True))


def _make_deck(learner: Any, notes: int, *, reversed_notes: bool = False) -> Any:
    """A deck of ``notes`` new notes (basic, or reversed: two cards each)."""
    from flashcards import services
    from flashcards.models import Card, Note

    kind = "basic_reversed" if reversed_notes else "basic"
    deck = services.deck_create(
        owner=learner, title=f"bench {kind}", options={"new_per_day": 9999}
    )
    made = Note.objects.bulk_create(
        Note(deck=deck, type=kind, fields={"front": f"q{i} $x^{i}$", "back": "a"})
        for i in range(notes)
    )
    Card.objects.bulk_create(
        Card(note=note, deck=deck, ordinal=ordinal)
        for note in made
        for ordinal in ((1, 2) if reversed_notes else (1,))
    )
    return deck


# A fresh learner's client and, unless asked for None, a fresh deck of theirs
# (reversed notes or not). Each flow has its own learner, so that no learner
# passes the API's per-user throttle in this process (2000 a minute).
Start = Callable[[bool | None], tuple[review_flows.Transport, int]]


def _round_trip_set(
    out: Any, label: str, start: Start, *, answers: int, count_sql: bool
) -> None:
    """The trivial endpoint, then both flows through a basic and a reversed deck."""
    out.write(f"{label}:")
    transport, _ = start(None)
    trivial = review_flows.run_trivial(
        transport, calls=answers, tally=review_flows.QueryTally(count_sql)
    )
    review_flows.report_trivial(out, trivial)
    for deck_label, reversed_notes in _DECKS:
        for flow in (review_flows.run_batch, review_flows.run_next):
            transport, deck = start(reversed_notes)
            figures = flow(
                transport,
                deck=deck,
                answers=answers,
                tally=review_flows.QueryTally(count_sql),
            )
            review_flows.report(out, deck_label, figures, trivial)


def bench_round_trip(*, out: Any, quick: bool) -> None:
    """Answer + next card, both flows, in-process and over HTTP, vs GET /auth/me/."""
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from studysite.models import User

    answers = 100 if quick else 500
    external = os.environ.get("FLASHCARDS_BENCH_URL", "").rstrip("/")

    def learner_and_deck(reversed_notes: bool | None) -> tuple[Any, int]:
        learner = User.objects.create_user(username=f"bench-{uuid.uuid4().hex[:8]}")
        if reversed_notes is None:
            return learner, 0
        deck = _make_deck(learner, answers + 10, reversed_notes=reversed_notes)
        return learner, deck.pk

    def in_process(reversed_notes: bool | None) -> tuple[Any, int]:
        learner, deck = learner_and_deck(reversed_notes)
        return review_flows.ClientTransport(learner), deck

    with live_server.file_backed(), scratch_database():
        out.write(
            f"database: {connection.vendor}; {answers} answers (Good) per flow and "
            f"deck; ratios are to the median of GET /api/v1/auth/me/ (me)"
        )
        label = "in-process (django.test.Client, session auth)"
        _round_trip_set(out, label, in_process, answers=answers, count_sql=True)
        if external:
            _round_trip_external(out=out, base=external, answers=answers)
            return
        with live_server.gunicorn_server() as server:

            def over_http(reversed_notes: bool | None) -> tuple[Any, int]:
                learner, deck = learner_and_deck(reversed_notes)
                token = Token.objects.create(user=learner).key
                return review_flows.HttpTransport(server.url, token), deck

            label = (
                f"HTTP, gunicorn {server.url} ({server.workers} sync workers, "
                f"token auth, the same scratch database)"
            )
            _round_trip_set(out, label, over_http, answers=answers, count_sql=False)


def _round_trip_external(*, out: Any, base: str, answers: int) -> None:
    """The same over HTTP against ``FLASHCARDS_BENCH_URL``, as one fresh user
    (signing up is throttled): its throttle must allow some 3,000 requests a
    minute (``THROTTLE_USER``) for the full run."""
    expect = review_flows.expect
    signup = review_flows.HttpTransport(base, None)
    password = f"Bench-{uuid.uuid4().hex}"
    body = {"username": f"bench{uuid.uuid4().hex[:10]}", "password": password}
    status, made = signup.call("POST", "/api/v1/auth/signup/", body)
    token = expect(status, made, 201, "POST /api/v1/auth/signup/")["token"]
    transport = review_flows.HttpTransport(base, token)
    decks: list[int] = []

    def start(reversed_notes: bool | None) -> tuple[Any, int]:
        if reversed_notes is None:
            return transport, 0
        kind = "basic_reversed" if reversed_notes else "basic"
        options = {"title": f"bench {kind}", "options": {"new_per_day": 9999}}
        status, deck = transport.call("POST", "/api/v1/decks/", options)
        decks.append(expect(status, deck, 201, "POST /api/v1/decks/")["id"])
        for i in range(answers + 10):
            note = {"type": kind, "fields": {"front": f"q{i}", "back": "a"}}
            status, made = transport.call(
                "POST", f"/api/v1/decks/{decks[-1]}/notes/", note
            )
            expect(status, made, 201, "POST /api/v1/decks/{id}/notes/")
        return transport, decks[-1]

    try:
        _round_trip_set(
            out, f"HTTP {base} (token auth)", start, answers=answers, count_sql=False
        )
    finally:
        for deck in decks:
            transport.call("DELETE", f"/api/v1/decks/{deck}/")


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
