"""Locust users for ``tests/load/run.py`` (not imported by the test suite).

Environment (set by ``run.py``):

- ``LOAD_SEED_FILE``: the JSON written by ``tests.load.seed`` (deck, tokens);
- ``LOAD_PHASE``: ``mixed`` (review loops, plus ``GET /api/v1/auth/me/`` at
  ``LOAD_TRIVIAL_WEIGHT`` out of 100 requests) or ``baseline`` (only the
  trivial endpoint, to measure what the same server does for it alone).

A learner's review loop is the client's: fetch the queue once, then answer the
head card with ``next`` so that each answer brings the next card (one round
trip per card); when the queue is empty, fetch it again. Any status other than
the expected one is a failure, a 409 (stale version) included: every learner
has their own memory rows, so none should happen.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import uuid

from locust import FastHttpUser, constant, task

with open(os.environ["LOAD_SEED_FILE"], encoding="utf-8") as _fh:
    _SEED = json.load(_fh)
_DECK = int(_SEED["deck"])
_TOKENS = list(_SEED["tokens"])
_NEXT_TOKEN = itertools.count()
PHASE = os.environ.get("LOAD_PHASE", "mixed")
# Each answer acknowledged with 201, one client_review_id a line, for run.py to
# compare with the rows stored (locust runs its users in one process).
_ACKS = (
    open(os.environ["LOAD_ACK_FILE"], "a", encoding="utf-8", buffering=1)  # noqa: SIM115
    if os.environ.get("LOAD_ACK_FILE")
    else None
)
TRIVIAL_WEIGHT = int(os.environ.get("LOAD_TRIVIAL_WEIGHT", "10"))
# Good mostly; some Again (the card comes back) and Easy (it leaves for days).
RATINGS = [3] * 7 + [1] * 2 + [4]


class Learner(FastHttpUser):
    wait_time = constant(0)
    # A loopback server under 200 users: slow answers are data, not errors.
    network_timeout = 60.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        token = _TOKENS[next(_NEXT_TOKEN) % len(_TOKENS)]
        self.headers = {"Authorization": f"Token {token}"}
        self.card: dict | None = None

    @task
    def step(self) -> None:
        if PHASE == "baseline" or random.randrange(100) < TRIVIAL_WEIGHT:
            self._me()
        elif self.card is None:
            self._queue()
        else:
            self._review()

    def _me(self) -> None:
        with self.client.get(
            "/api/v1/auth/me/",
            headers=self.headers,
            name="GET /auth/me (trivial)",
            catch_response=True,
        ) as resp:
            if resp.status_code != 200:
                resp.failure(f"{resp.status_code}: {(resp.text or '')[:200]}")

    def _queue(self) -> None:
        with self.client.get(
            f"/api/v1/study/queue?deck={_DECK}&limit=1",
            headers=self.headers,
            name="GET /study/queue",
            catch_response=True,
        ) as resp:
            if resp.status_code != 200:
                resp.failure(f"{resp.status_code}: {(resp.text or '')[:200]}")
                return
            cards = resp.json()["cards"]
            self.card = cards[0] if cards else None

    def _review(self) -> None:
        card = self.card
        assert card is not None
        body = {
            "card": card["id"],
            "rating": random.choice(RATINGS),
            "client_review_id": str(uuid.uuid4()),
            "duration_ms": random.randint(1500, 9000),
            "version": card["version"],
            "next": {"deck": _DECK, "limit": 1},
        }
        with self.client.post(
            "/api/v1/reviews/",
            json=body,
            headers=self.headers,
            name="POST /reviews (+next)",
            catch_response=True,
        ) as resp:
            if resp.status_code != 201:
                resp.failure(f"{resp.status_code}: {(resp.text or '')[:200]}")
                self.card = None
                return
            if _ACKS is not None:
                _ACKS.write(body["client_review_id"] + "\n")
            cards = resp.json()["queue"]["cards"]
            self.card = cards[0] if cards else None
