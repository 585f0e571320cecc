"""The round-trip benchmark's flows follow the study page: batches of 10 loaded
again when 3 are left, buried siblings dropped, or one ``next`` card per answer;
a refused request stops the run with what was refused, never a wrong figure."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from flashcards.models import ReviewLog
from tests.bench import review_flows
from tests.bench.flashcards import _make_deck
from tests.bench.review_flows import (
    ClientTransport,
    HttpTransport,
    QueryTally,
    run_batch,
    run_next,
    run_trivial,
)


class FakeServer:
    """A deck of ``cards`` new cards; ``siblings`` maps a card to those it buries."""

    def __init__(self, cards: int, siblings: dict[int, list[int]] | None = None):
        self.due = list(range(1, cards + 1))
        self.siblings = siblings or {}
        self.calls: list[tuple[str, str, Any]] = []
        self.answer_status = 201

    def _queue(self, limit: int) -> dict[str, Any]:
        cards = [{"id": i, "version": 0} for i in self.due[:limit]]
        return {
            "counts": {"new": len(self.due), "learning": 0, "review": 0},
            "cards": cards,
        }

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        self.calls.append((method, path, body))
        if method == "GET" and path.startswith("/api/v1/study/queue"):
            return 200, self._queue(int(path.split("limit=")[1].split("&")[0]))
        if method == "GET" and path == "/api/v1/auth/me/":
            return 200, {"username": "x"}
        if self.answer_status != 201:
            return self.answer_status, {"error": {"code": "conflict"}}
        card = body["card"]
        buried = self.siblings.get(card, [])
        self.due = [c for c in self.due if c != card and c not in buried]
        answer = {"review": {"card": card}, "buried_siblings": buried}
        if body.get("next"):
            answer["queue"] = self._queue(body["next"]["limit"])
        return 201, answer

    def gets(self) -> list[str]:
        return [path for method, path, _ in self.calls if method == "GET"]


def test_the_batch_flow_loads_ten_and_loads_again_when_three_are_left():
    server = FakeServer(40)
    figures = run_batch(server, deck=7, answers=15, tally=QueryTally(False))
    assert len(figures.answers) == len(figures.alone) == 15
    # 10 loaded; after 7 answers 3 are left: a load; 7 more: another.
    assert figures.refills == 2
    assert server.gets() == ["/api/v1/study/queue?limit=10&deck=7"] * 3
    posts = [body for method, _, body in server.calls if method == "POST"]
    assert [p["card"] for p in posts] == list(range(1, 16))
    assert all("next" not in p for p in posts)
    assert len({p["client_review_id"] for p in posts}) == 15


class ClockedServer(FakeServer):
    """Each answer takes one tick of a fake clock, each queue load ten."""

    def __init__(self, cards: int) -> None:
        super().__init__(cards)
        self.now = 0.0

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        self.now += 10 if method == "GET" else 1
        return super().call(method, path, body)


def test_the_batch_flow_counts_the_refill_in_the_answer_that_asked_for_it(
    monkeypatch,
):
    server = ClockedServer(40)
    monkeypatch.setattr(review_flows, "clock", lambda: server.now)
    figures = run_batch(server, deck=1, answers=8, tally=QueryTally(False))
    assert figures.alone == [1.0] * 8
    assert figures.answers == [1.0] * 6 + [11.0, 1.0]  # the 7th left 3
    assert figures.refills == 1


def test_the_batch_flow_goes_through_a_batch_when_the_server_has_no_more():
    server = FakeServer(10)
    figures = run_batch(server, deck=1, answers=10, tally=QueryTally(False))
    assert figures.refills == 1  # only when it ran out, after the tenth
    assert len(server.gets()) == 2


def test_buried_siblings_leave_the_batch():
    server = FakeServer(30, siblings={1: [2], 3: [4]})
    figures = run_batch(server, deck=1, answers=6, tally=QueryTally(False))
    answered = [body["card"] for method, _, body in server.calls if method == "POST"]
    assert answered == [1, 3, 5, 6, 7, 8]
    assert figures.siblings_named == figures.siblings_dropped == 2


def test_the_next_flow_asks_for_one_next_card_with_each_answer():
    server = FakeServer(20)
    figures = run_next(server, deck=3, answers=5, tally=QueryTally(False))
    assert len(figures.answers) == 5 and figures.alone == []
    assert server.gets() == ["/api/v1/study/queue?limit=1&deck=3"]
    posts = [body for method, _, body in server.calls if method == "POST"]
    assert [p["card"] for p in posts] == [1, 2, 3, 4, 5]
    assert all(p["next"] == {"deck": 3, "limit": 1} for p in posts)


@pytest.mark.parametrize("flow", [run_batch, run_next])
def test_a_refused_answer_stops_the_run_naming_the_status(flow):
    server = FakeServer(20)
    server.answer_status = 409
    with pytest.raises(RuntimeError, match=r"POST /api/v1/reviews/.* answered 409"):
        flow(server, deck=1, answers=3, tally=QueryTally(False))


@pytest.mark.parametrize("flow", [run_batch, run_next])
def test_a_deck_too_small_for_the_run_is_an_error(flow):
    with pytest.raises(RuntimeError, match="ran out of cards"):
        flow(FakeServer(4), deck=1, answers=5, tally=QueryTally(False))


def test_the_trivial_endpoint_is_timed_after_five_untimed_calls():
    server = FakeServer(0)
    figures = run_trivial(server, calls=20, tally=QueryTally(False))
    assert len(figures.answers) == 20
    assert server.gets() == ["/api/v1/auth/me/"] * 25


def test_an_http_transport_needs_an_http_address():
    with pytest.raises(ValueError, match="http://"):
        HttpTransport("ftp://127.0.0.1:8000", "token")
    with pytest.raises(ValueError, match="http://"):
        HttpTransport("127.0.0.1:8000", "token")


@pytest.mark.django_db
def test_the_tally_counts_statements_without_and_with_transaction_control(learner):
    tally = QueryTally(True)
    with tally.step(), transaction.atomic():  # a savepoint in the test's transaction
        list(ReviewLog.objects.all())
    assert tally.statements == 1
    assert tally.all == 3  # SAVEPOINT, the SELECT, RELEASE SAVEPOINT
    off = QueryTally(False)
    with off.step():
        list(ReviewLog.objects.all())
    assert off.statements == off.all == 0


@pytest.mark.django_db
def test_the_batch_flow_answers_a_real_deck_once_per_answer(learner):
    deck = _make_deck(learner, 20)
    tally = QueryTally(True)
    figures = run_batch(ClientTransport(learner), deck=deck.pk, answers=12, tally=tally)
    assert ReviewLog.objects.filter(learner=learner).count() == 12
    assert figures.refills == 1
    assert tally.statements > 0 and tally.all >= tally.statements


@pytest.mark.django_db
def test_each_answer_of_a_reversed_deck_buries_its_new_sibling(learner):
    deck = _make_deck(learner, 12, reversed_notes=True)
    figures = run_batch(
        ClientTransport(learner), deck=deck.pk, answers=10, tally=QueryTally(False)
    )
    assert figures.siblings_named == 10
    figures = run_next(
        ClientTransport(learner),
        deck=_make_deck(learner, 12, reversed_notes=True).pk,
        answers=10,
        tally=QueryTally(False),
    )
    assert ReviewLog.objects.filter(learner=learner).count() == 20


@pytest.mark.django_db
@pytest.mark.parametrize("flow", [run_batch, run_next])
def test_a_learner_cannot_run_through_another_learners_deck(
    flow, learner, other_learner
):
    deck = _make_deck(other_learner, 5)
    with pytest.raises(RuntimeError, match=r"study/queue answered 404"):
        flow(ClientTransport(learner), deck=deck.pk, answers=1, tally=QueryTally(False))
    assert not ReviewLog.objects.exists()


def test_the_p95_is_the_nearest_rank_of_the_sorted_times():
    times = [i / 1000 for i in range(100, 0, -1)]
    assert review_flows.p95(times) == pytest.approx(0.096)


def test_the_round_trip_gives_the_trivial_endpoint_and_each_flow_a_learner_of_its_own():
    from io import StringIO

    from django.core.management.base import OutputWrapper

    from tests.bench.flashcards import _round_trip_set

    asked: list[bool | None] = []

    def start(reversed_notes: bool | None) -> tuple[FakeServer, int]:
        asked.append(reversed_notes)
        return FakeServer(30), 1

    buffer = StringIO()
    _round_trip_set(
        OutputWrapper(buffer), "fake server", start, answers=5, count_sql=False
    )
    # Under the API's per-user throttle: one learner per flow and deck.
    assert asked == [None, False, False, True, True]
    lines = buffer.getvalue().splitlines()
    assert lines[0] == "fake server:"
    assert lines[1].startswith("  GET /api/v1/auth/me/ (me): median ")
    flows = [line.split(": answer")[0].strip() for line in lines if "flow:" in line]
    assert flows == [
        "basic deck, batch flow",
        "basic deck, next flow",
        "reversed deck (2 cards a note), batch flow",
        "reversed deck (2 cards a note), next flow",
    ]


@pytest.mark.slow
@pytest.mark.django_db
def test_the_tally_keeps_counting_past_the_query_logs_9000(learner):
    tally = QueryTally(True)
    for _ in range(9_100):
        with tally.step():
            ReviewLog.objects.exists()
    assert tally.statements == tally.all == 9_100
