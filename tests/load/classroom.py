"""A classroom on the laptop default: learners answering at once against ``make run``.

What ``make run`` starts, in a throwaway directory and on loopback only:
``manage.py devstack`` (runserver, threaded, with ``--noreload``; the embedded
Redis; one Celery worker), on a file SQLite database that is migrated and
seeded first (``tests/load/seed.py``: one class deck, ``learners`` learners
with tokens). Then:

- every learner, in a thread of its own and all released at once, fetches its
  queue and answers ``answers`` cards, one ``POST /api/v1/reviews/`` with
  ``next`` per card (the client's loop);
- meanwhile ``simulations`` of them ask the worker for a "help me decide"
  simulation, whose progress the worker writes to the same database, and poll
  it until it is finished.

The run is bounded by count (``learners`` × ``answers``) and by time
(``deadline`` seconds for the load; each request times out too). Afterwards the
database file is read directly: every answer acknowledged with 201 (or 200, a
replay) must have exactly one review row, and no row may lack an answer.

Used by ``tests/load/test_sqlite_classroom.py`` (the integration pass) and by
``make load LOAD_ARGS="--sqlite"`` (``tests/load/run.py``), which prints the
same report.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tests.load.processes import ROOT, free_port, run_step, stop_process

# The variables of the caller's environment that would point the stack
# elsewhere than ``make run``'s defaults, or change its settings.
_CLEARED = (
    "DATABASE_URL",
    "REDIS_URL",
    "STUDYSITE_INTEGRATION",
    "DJANGO_SETTINGS_MODULE",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CELERY_TASK_ALWAYS_EAGER",
    "THROTTLE_USER",
    "THROTTLE_ANON",
    "WORKER_CONCURRENCY",
)
# Good mostly; some Again (the card comes back) and Easy.
_RATINGS = (3, 3, 3, 3, 3, 3, 3, 1, 1, 4)
# A small "help me decide" run: several progress writes, about a second of work.
_SIMULATION = {
    "desired_retentions": [0.75, 0.8, 0.85, 0.9, 0.95],
    "days": 60,
    "deck_size": 200,
    "learn_per_day": 10,
}
_FINISHED = {"succeeded", "failed"}


@dataclass
class Answer:
    """One ``POST /api/v1/reviews/`` as the client saw it."""

    client_review_id: str
    status: int  # 0: no HTTP answer (connection error, client timeout)
    seconds: float
    error: str = ""


@dataclass
class ClassroomResult:
    learners: int
    answers_per_learner: int
    answers: list[Answer] = field(default_factory=list)
    queue_statuses: Counter = field(default_factory=Counter)
    simulations: dict[int, str] = field(default_factory=dict)
    simulation_errors: list[str] = field(default_factory=list)
    stored_ids: Counter = field(default_factory=Counter)
    server_log: str = ""
    load_seconds: float = 0.0
    timed_out: bool = False

    @property
    def statuses(self) -> Counter:
        return Counter(a.status for a in self.answers)

    @property
    def server_errors(self) -> int:
        """Answers with a 5xx status, or no HTTP answer at all."""
        return sum(1 for a in self.answers if a.status >= 500 or a.status == 0)

    @property
    def acknowledged(self) -> list[str]:
        return [a.client_review_id for a in self.answers if a.status in (200, 201)]

    @property
    def stored(self) -> int:
        return sum(self.stored_ids.values())

    @property
    def duplicates(self) -> list[str]:
        return [key for key, n in self.stored_ids.items() if n > 1]

    @property
    def missing(self) -> list[str]:
        """Acknowledged answers with no row."""
        return [key for key in self.acknowledged if key not in self.stored_ids]

    @property
    def unacknowledged_rows(self) -> list[str]:
        """Rows for answers the client never saw acknowledged."""
        acked = set(self.acknowledged)
        return [key for key in self.stored_ids if key not in acked]

    @property
    def database_locked(self) -> int:
        return self.server_log.count("database is locked")

    def percentile_ms(self, q: float) -> float:
        """Nearest-rank percentile of the answers' latencies, in milliseconds."""
        times = sorted(a.seconds for a in self.answers)
        if not times:
            return 0.0
        rank = max(1, math.ceil(q / 100 * len(times)))
        return times[rank - 1] * 1000

    def report(self) -> str:
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses.items()))
        sims = Counter(self.simulations.values())
        lines = [
            f"SQLite classroom (make run: runserver, embedded Redis, one worker): "
            f"{self.learners} learners x {self.answers_per_learner} answers",
            f"  review posts: {len(self.answers)} in {self.load_seconds:.1f} s "
            f"({len(self.answers) / self.load_seconds if self.load_seconds else 0:.1f}/s); "
            f"statuses {{{statuses}}}",
            f"  errors: {self.server_errors} 5xx or no answer, "
            f"{sum(1 for a in self.answers if 400 <= a.status < 500)} 4xx; "
            f"'database is locked' in the server log: {self.database_locked}",
            f"  latency: p50 {self.percentile_ms(50):.0f} ms, "
            f"p99 {self.percentile_ms(99):.0f} ms, max {self.percentile_ms(100):.0f} ms",
            f"  reviews sent (acknowledged) {len(self.acknowledged)}, stored "
            f"{self.stored}; duplicates {len(self.duplicates)}, missing "
            f"{len(self.missing)}, rows never acknowledged "
            f"{len(self.unacknowledged_rows)}",
            f"  queue fetches: {dict(sorted(self.queue_statuses.items()))}",
            f"  worker simulations: {len(self.simulations)} "
            f"{dict(sorted(sims.items()))}",
        ]
        lines += [f"  simulation: {e}" for e in self.simulation_errors]
        if self.timed_out:
            lines.append("  the load stopped at its deadline")
        return "\n".join(lines)


def classroom_env(workdir: Path) -> dict[str, str]:
    """``make run``'s environment, with the database and state under ``workdir``."""
    env = {k: v for k, v in os.environ.items() if k not in _CLEARED}
    env.update(
        {
            # The same SQLite settings as the default db.sqlite3
            # (studysite.settings.SQLITE_OPTIONS), at another path.
            "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
            "VAR_DIR": str(workdir / "var"),
            "MEDIA_ROOT": str(workdir / "media"),
            "RELOAD": "0",
            "PYTHONUNBUFFERED": "1",
            "LOG_LEVEL": "WARNING",
            "PYTHONWARNINGS": "ignore:No directory at:UserWarning",
        }
    )
    return env


class _Client:
    """Loopback HTTP with a token; a new connection per request."""

    def __init__(self, base: str, token: str, timeout: float) -> None:
        self.base = base
        self.token = token
        self.timeout = timeout

    def call(
        self, method: str, path: str, body: object | None = None
    ) -> tuple[int, dict | None, float, str]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(  # noqa: S310 - loopback only
            self.base + path, data=data, method=method
        )
        req.add_header("Authorization", f"Token {self.token}")
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        started = time.monotonic()
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310
                raw = resp.read()
                code = resp.status
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            code = exc.code
        except OSError as exc:  # refused, reset, client timeout
            return 0, None, time.monotonic() - started, f"{type(exc).__name__}: {exc}"
        seconds = time.monotonic() - started
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        text = "" if code < 400 else raw[:300].decode("utf-8", "replace")
        return code, parsed if isinstance(parsed, dict) else None, seconds, text


def _learner(
    *,
    client: _Client,
    deck: int,
    answers: int,
    simulate: bool,
    start: threading.Barrier,
    deadline: float,
    result: ClassroomResult,
    lock: threading.Lock,
) -> None:
    rng_ratings = iter(_RATINGS * (answers // len(_RATINGS) + 1))
    start.wait()
    simulation: int | None = None
    if simulate:
        code, body, _, text = client.call(
            "POST", "/api/v1/scheduler/simulations/", _SIMULATION
        )
        if code == 202 and body:
            simulation = int(body["id"])
            with lock:
                result.simulations[simulation] = body.get("status", "?")
        else:
            with lock:
                result.simulation_errors.append(f"POST answered {code}: {text}")
    card: dict | None = None
    done = 0
    while done < answers and time.monotonic() < deadline:
        if card is None:
            code, body, _, _ = client.call(
                "GET", f"/api/v1/study/queue?deck={deck}&limit=1"
            )
            with lock:
                result.queue_statuses[code] += 1
            cards = (body or {}).get("cards") or []
            if code != 200 or not cards:
                break  # nothing to answer: counted above, the run reports it
            card = cards[0]
        review_id = str(uuid.uuid4())
        code, body, seconds, text = client.call(
            "POST",
            "/api/v1/reviews/",
            {
                "card": card["id"],
                "rating": next(rng_ratings),
                "client_review_id": review_id,
                "duration_ms": 4000,
                "version": card["version"],
                "next": {"deck": deck, "limit": 1},
            },
        )
        with lock:
            result.answers.append(Answer(review_id, code, seconds, text))
        done += 1
        cards = ((body or {}).get("queue") or {}).get("cards") or []
        card = cards[0] if code in (200, 201) and cards else None
    while simulation is not None and time.monotonic() < deadline:
        code, body, _, _ = client.call(
            "GET", f"/api/v1/scheduler/simulations/{simulation}/"
        )
        state = (body or {}).get("status", f"http {code}")
        with lock:
            result.simulations[simulation] = state
        if state in _FINISHED:
            if state == "failed":
                with lock:
                    result.simulation_errors.append(
                        f"{simulation} failed: {(body or {}).get('error', '')}"
                    )
            break
        time.sleep(0.3)


def _wait_for_server(base: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"devstack exited during start-up ({proc.returncode})")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=3):  # noqa: S310
                return
        except urllib.error.HTTPError:
            return  # an HTTP answer, even 503, means the server is up
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not answer /healthz")


def _stored_review_ids(database: Path) -> Counter:
    """Each stored review's client id (hex, as SQLite keeps a UUIDField)."""
    with contextlib.closing(
        sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
    ) as conn:
        rows = conn.execute("SELECT client_review_id FROM flashcards_reviewlog")
        return Counter(str(uuid.UUID(value)) for (value,) in rows)


def run_classroom(
    *,
    learners: int = 20,
    answers: int = 15,
    simulations: int = 2,
    deadline: float = 45.0,
    request_timeout: float = 30.0,
    workdir: Path | None = None,
    log=print,
) -> ClassroomResult:
    """Start ``make run``'s stack on a fresh SQLite file and run the class.

    Everything it starts is stopped before it returns; ``workdir`` (a new
    temporary directory unless given) is removed when it made it.
    """
    if learners < 1 or answers < 1 or not 0 <= simulations <= learners:
        raise ValueError("learners and answers ≥ 1, 0 ≤ simulations ≤ learners")
    result = ClassroomResult(learners=learners, answers_per_learner=answers)
    with contextlib.ExitStack() as stack:
        if workdir is None:
            workdir = Path(
                stack.enter_context(tempfile.TemporaryDirectory(prefix="classroom-"))
            )
        env = classroom_env(workdir)
        run_step(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
            env,
            300,
            "migrate",
        )
        seed_file = workdir / "seed.json"
        run_step(
            [
                sys.executable,
                "-m",
                "tests.load.seed",
                "--learners",
                str(learners),
                "--cards",
                str(answers + 10),
                "--out",
                str(seed_file),
            ],
            env,
            300,
            "seed",
        )
        seed = json.loads(seed_file.read_text(encoding="utf-8"))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server_log = workdir / "devstack.log"
        with open(server_log, "wb") as out:
            server = subprocess.Popen(  # noqa: S603 - our own argv
                [
                    sys.executable,
                    "manage.py",
                    "devstack",
                    "--no-setup",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            started = time.monotonic()
            _wait_for_server(base, server, 60)
            log(f"  devstack {base}: {time.monotonic() - started:.1f} s to answer")
            start = threading.Barrier(learners)
            lock = threading.Lock()
            load_started = time.monotonic()
            stop_at = load_started + deadline
            threads = [
                threading.Thread(
                    target=_learner,
                    kwargs={
                        "client": _Client(base, token, request_timeout),
                        "deck": int(seed["deck"]),
                        "answers": answers,
                        "simulate": i < simulations,
                        "start": start,
                        "deadline": stop_at,
                        "result": result,
                        "lock": lock,
                    },
                    daemon=True,
                )
                for i, token in enumerate(seed["tokens"][:learners])
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(max(0.1, stop_at + request_timeout - time.monotonic()))
            result.load_seconds = time.monotonic() - load_started
            result.timed_out = (
                any(t.is_alive() for t in threads) or time.monotonic() >= stop_at
            )
        finally:
            stop_process(server, "devstack", timeout=20)
        result.server_log = server_log.read_text(errors="replace")
        result.stored_ids = _stored_review_ids(workdir / "db.sqlite3")
    return result


def main(argv: list[str] | None = None) -> int:
    """``make load LOAD_ARGS="--sqlite [--users 20] [--answers 15]"``."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--answers", type=int, default=15, help="per learner")
    parser.add_argument("--simulations", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=45.0, help="load deadline")
    args = parser.parse_args(argv)
    started = time.monotonic()
    result = run_classroom(
        learners=args.users,
        answers=args.answers,
        simulations=min(args.simulations, args.users),
        deadline=args.seconds,
    )
    print()
    print(result.report())
    print(f"wall time {time.monotonic() - started:.0f} s")
    bad = (
        result.server_errors
        or result.missing
        or result.duplicates
        or result.unacknowledged_rows
        or result.simulation_errors
        or len(result.acknowledged) != len(result.answers)
    )
    print("FAIL" if bad else "OK: zero errors")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
