"""Locust users for ``tests/load/run.py`` (not imported by the test suite).

Environment (set by ``run.py``):

- ``LOAD_SEED_FILE``: the JSON written by ``tests.load.seed`` (deck, tokens);
- ``LOAD_PHASE``: ``mixed`` (review loops, plus ``GET /api/v1/auth/me/`` at
  ``LOAD_TRIVIAL_WEIGHT`` out of 100 requests) or ``baseline`` (only the
  trivial endpoint, to measure what the same server does for it alone);
- ``LOAD_ACK_FILE``: where each answer acknowledged with 201 is written (its
  ``client_review_id``, one a line), for ``run.py`` to compare with the rows.

A learner's review loop is the study page's (``study.js``, ``study-batch.js``):
load a batch (``GET /api/v1/study/queue?limit=10&deck=D``), answer its cards
one by one with ``POST /api/v1/reviews/`` *without* ``next``, drop the cards an
answer's ``buried_siblings`` names, and load the batch again when 3 are left
and the server has more, or when it runs out (the page loads in the
background while the learner answers; a locust user does one request at a
time, so the load is the next request). An empty queue waits a second before
asking again. Any status other than the expected one is a failure, a 409
(stale version) included: every learner has their own memory rows, so none
should happen.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
import uuid

from locust import FastHttpUser, constant, task

with open(os.environ["LOAD_SEED_FILE"], encoding="utf-8") as _fh:
    _SEED = json.load(_fh)
_DECK = int(_SEED["deck"])
_TOKENS = list(_SEED["tokens"])
_NEXT_TOKEN = itertools.count()
PHASE = os.environ.get("LOAD_PHASE", "mixed")
# Locust runs its users in one process: one file, one line per answer.
_ACKS = (
    open(os.environ["LOAD_ACK_FILE"], "a", encoding="utf-8", buffering=1)  # noqa: SIM115
    if os.environ.get("LOAD_ACK_FILE")
    else None
)
TRIVIAL_WEIGHT = int(os.environ.get("LOAD_TRIVIAL_WEIGHT", "10"))
BATCH = 10  # study.js's BATCH
LOW = 3  # study-batch.js's LOW
# Good mostly; some Again (the card comes back) and Easy (it leaves for days).
RATINGS = [3] * 7 + [1] * 2 + [4]
TRIVIAL = "GET /auth/me (trivial)"
QUEUE = "GET /study/queue (batch)"
ANSWER = "POST /reviews"


class Learner(FastHttpUser):
    wait_time = constant(0)
    # A loopback server under 200 users: slow answers are data, not errors.
    network_timeout = 60.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        token = _TOKENS[next(_NEXT_TOKEN) % len(_TOKENS)]
        self.headers = {"Authorization": f"Token {token}"}
        self.batch: list[dict] = []
        self.more = False  # the server has more than the batch
        self.load_wanted = True

    @task
    def step(self) -> None:
        if PHASE == "baseline" or random.randrange(100) < TRIVIAL_WEIGHT:
            self._me()
        elif self.load_wanted or not self.batch:
            self._load()
        else:
            self._answer()

    def _me(self) -> None:
        with self.client.get(
            "/api/v1/auth/me/", headers=self.headers, name=TRIVIAL, catch_response=True
        ) as resp:
            if resp.status_code != 200:
                resp.failure(f"{resp.status_code}: {(resp.text or '')[:200]}")

    def _load(self) -> None:
        with self.client.get(
            f"/api/v1/study/queue?limit={BATCH}&deck={_DECK}",
            headers=self.headers,
            name=QUEUE,
            catch_response=True,
        ) as resp:
            if resp.status_code != 200:
                resp.failure(f"{resp.status_code}: {(resp.text or '')[:200]}")
                return
            queue = resp.json()
        self.batch = list(queue["cards"])
        self.more = sum(queue["counts"].values()) > len(self.batch)
        self.load_wanted = False
        if not self.batch:
            time.sleep(1)  # nothing due: the page waits for the next learning card

    def _answer(self) -> None:
        card = self.batch.pop(0)
        body = {
            "card": card["id"],
            "rating": random.choice(RATINGS),
            "client_review_id": str(uuid.uuid4()),
            "duration_ms": random.randint(1500, 9000),
            "version": card["version"],
        }
        with self.client.post(
            "/api/v1/reviews/",
            json=body,
            headers=self.headers,
            name=ANSWER,
            catch_response=True,
        ) as resp:
            if resp.status_code != 201:
                resp.failure(f"{resp.status_code}: {(resp.text or '')[:200]}")
                self.load_wanted = True  # the page loads again after a refusal
                return
            if _ACKS is not None:
                _ACKS.write(body["client_review_id"] + "\n")
            buried = set(resp.json().get("buried_siblings") or ())
        self.batch = [c for c in self.batch if c["id"] not in buried]
        if not self.batch or (self.more and len(self.batch) <= LOW):
            self.load_wanted = True
