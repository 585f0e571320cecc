"""The study page's two ways through a deck, timed: what `bench_round_trip` runs.

* **batch** (the study page's): ``GET /api/v1/study/queue?limit=10&deck=D``,
  then each answer is a ``POST /api/v1/reviews/`` without ``next``; the cards
  its ``buried_siblings`` names leave the batch, and when 3 are left (and the
  server has more) or none, the batch loads again (``limit=10``), replacing
  it as the page's ``study-batch.js`` does. On the page that load runs in the
  background; here it runs at once and its time counts in the answer that
  asked for it ("answer + next card"), and the answer alone is kept too.
* **next** (the older client's): each answer carries ``next: {deck, limit:
  1}`` and its response brings the next card (one round trip per card).

A `Transport` is the Django test client (session, this process) or HTTP to a
server (token, a new connection per request, as gunicorn's sync workers close
each one). A `QueryTally` counts the SQL of each timed step in this process
(``CaptureQueriesContext``); over HTTP it counts nothing.
"""

from __future__ import annotations

import http.client
import json
import statistics
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

BATCH = 10  # cards loaded at once (study.js's BATCH)
LOW = 3  # load again when this many are left (study-batch.js's LOW)
_CONTROL = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "ROLLBACK")
clock = time.perf_counter  # the flows' clock (a test gives its own)


class Transport(Protocol):
    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]: ...


class ClientTransport:
    """``django.test.Client`` logged in as ``user`` (session auth)."""

    def __init__(self, user: Any) -> None:
        from django.test import Client

        self.client = Client()
        self.client.force_login(user)

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        if method == "GET":
            response = self.client.get(path)
        else:
            response = self.client.generic(
                method,
                path,
                json.dumps(body) if body is not None else "",
                content_type="application/json",
            )
        return response.status_code, _json(response.content)


class HttpTransport:
    """HTTP with ``Authorization: Token``, a new connection per request."""

    def __init__(self, base: str, token: str | None) -> None:
        parts = urlsplit(base)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"an http:// server address is needed, not {base!r}")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.prefix = parts.path.rstrip("/")
        self.token = token

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            conn.request(method, self.prefix + path, body=data, headers=headers)
            response = conn.getresponse()
            return response.status, _json(response.read())
        finally:
            conn.close()


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw[:300].decode("utf-8", "replace")


def expect(status: int, body: Any, wanted: int, what: str) -> Any:
    if status != wanted:
        raise RuntimeError(f"{what} answered {status}, not {wanted}: {body!r:.500}")
    return body


class QueryTally:
    """SQL statements of each step (this process's default connection only)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.statements = 0  # without transaction control
        self.all = 0

    @contextmanager
    def step(self) -> Iterator[None]:
        if not self.enabled:
            yield
            return
        from django.db import connection, reset_queries
        from django.test.utils import CaptureQueriesContext

        # The log keeps 9,000 queries: emptied per step, it never fills (a
        # full one would capture nothing).
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            yield
        sqls = [q["sql"].lstrip().upper() for q in captured.captured_queries]
        self.all += len(sqls)
        self.statements += sum(1 for s in sqls if not s.startswith(_CONTROL))


@dataclass
class Figures:
    """One flow through one deck (seconds)."""

    flow: str
    answers: list[float] = field(default_factory=list)  # with the next card ready
    alone: list[float] = field(default_factory=list)  # the POST alone (batch)
    refills: int = 0
    siblings_named: int = 0  # ids the answers' buried_siblings named
    siblings_dropped: int = 0  # of them, those the batch held
    tally: QueryTally | None = None

    def per_answer(self, count: int) -> float:
        return count / len(self.answers) if self.answers else 0.0


def _review_body(card: dict[str, Any]) -> dict[str, Any]:
    return {
        "card": card["id"],
        "rating": 3,
        "client_review_id": str(uuid.uuid4()),
        "duration_ms": 4000,
        "version": card["version"],
    }


def _load(transport: Transport, deck: int) -> tuple[list[dict[str, Any]], bool]:
    """A batch: its cards, and whether the server has more than it sent."""
    status, body = transport.call(
        "GET", f"/api/v1/study/queue?limit={BATCH}&deck={deck}"
    )
    queue = expect(status, body, 200, "GET /api/v1/study/queue")
    cards = list(queue["cards"])
    return cards, sum(queue["counts"].values()) > len(cards)


def run_batch(
    transport: Transport, *, deck: int, answers: int, tally: QueryTally
) -> Figures:
    """The study page's flow: answers without ``next``, batches of 10."""
    figures = Figures(flow="batch", tally=tally)
    with tally.step():
        batch, more = _load(transport, deck)
    for _ in range(answers):
        if not batch:
            raise RuntimeError("the deck ran out of cards before the run ended")
        card = batch.pop(0)
        with tally.step():
            started = clock()
            status, body = transport.call(
                "POST", "/api/v1/reviews/", _review_body(card)
            )
            answered = clock()
            expect(status, body, 201, "POST /api/v1/reviews/")
            buried = set(body.get("buried_siblings") or ())
            figures.siblings_named += len(buried)
            kept = [c for c in batch if c["id"] not in buried]
            figures.siblings_dropped += len(batch) - len(kept)
            batch = kept
            if not batch or (more and len(batch) <= LOW):
                batch, more = _load(transport, deck)
                figures.refills += 1
            ready = clock()
        figures.alone.append(answered - started)
        figures.answers.append(ready - started)
    return figures


def run_next(
    transport: Transport, *, deck: int, answers: int, tally: QueryTally
) -> Figures:
    """The older flow: each answer with ``next: {limit: 1}`` brings the next card."""
    figures = Figures(flow="next", tally=tally)
    with tally.step():
        status, body = transport.call("GET", f"/api/v1/study/queue?limit=1&deck={deck}")
        cards = expect(status, body, 200, "GET /api/v1/study/queue")["cards"]
    for _ in range(answers):
        if not cards:
            raise RuntimeError("the deck ran out of cards before the run ended")
        with tally.step():
            started = clock()
            status, body = transport.call(
                "POST",
                "/api/v1/reviews/",
                {**_review_body(cards[0]), "next": {"deck": deck, "limit": 1}},
            )
            expect(status, body, 201, "POST /api/v1/reviews/ with next")
            cards = body["queue"]["cards"]
            figures.answers.append(clock() - started)
    return figures


def run_trivial(transport: Transport, *, calls: int, tally: QueryTally) -> Figures:
    """``GET /api/v1/auth/me/`` with the same auth (after 5 untimed calls)."""
    figures = Figures(flow="me", tally=tally)
    for _ in range(5):
        expect(*transport.call("GET", "/api/v1/auth/me/"), 200, "GET /api/v1/auth/me/")
    for _ in range(calls):
        with tally.step():
            started = clock()
            status, body = transport.call("GET", "/api/v1/auth/me/")
            elapsed = clock() - started
        expect(status, body, 200, "GET /api/v1/auth/me/")
        figures.answers.append(elapsed)
    return figures


# --- the figures, as printed ------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def summary(times: list[float]) -> str:
    return f"median {ms(statistics.median(times))}, p95 {ms(p95(times))}"


def _sql(figures: Figures) -> str:
    tally = figures.tally
    if tally is None or not tally.enabled:
        return ""
    return (
        f"; SQL per answer {figures.per_answer(tally.statements):.1f} "
        f"({figures.per_answer(tally.all):.1f} with BEGIN/COMMIT/SAVEPOINT/RELEASE)"
    )


def report(out: Any, deck_label: str, figures: Figures, trivial: Figures) -> None:
    """Two lines per flow: answer + next card, then the answer alone or the SQL."""
    me = statistics.median(trivial.answers)
    ratio = statistics.median(figures.answers) / me
    out.write(
        f"  {deck_label}, {figures.flow} flow: answer + next card "
        f"{summary(figures.answers)} ({ratio:.1f}x me){_sql(figures)}"
    )
    if figures.flow == "batch":
        alone = statistics.median(figures.alone) / me
        out.write(
            f"      answer alone (the refill runs in the background on the page) "
            f"{summary(figures.alone)} ({alone:.1f}x me); {figures.refills} "
            f"refills of {BATCH}; buried siblings: {figures.siblings_named} "
            f"named, {figures.siblings_dropped} of them in the batch"
        )


def report_trivial(out: Any, trivial: Figures) -> None:
    tally = trivial.tally
    sql = ""
    if tally is not None and tally.enabled:
        sql = (
            f"; {trivial.per_answer(tally.statements):.1f} SQL statements "
            f"({trivial.per_answer(tally.all):.1f} in all)"
        )
    out.write(f"  GET /api/v1/auth/me/ (me): {summary(trivial.answers)}{sql}")
