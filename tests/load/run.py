"""``make load``: simulated learners in review loops against gunicorn + Postgres + Redis.

What it does, all on loopback addresses, and undone on exit (Ctrl-C included):

1. creates a throwaway database ``studysite_load_<pid>`` on the local Postgres
   (``--pg``, trust auth) and starts a private ``redis-server`` on a free port
   (``--redis-url`` uses an existing Redis instead);
2. migrates it and seeds a teacher deck of ``--cards`` notes (``--reversed``
   of them reversed: two cards, sibling burying) and ``--users`` learners with
   tokens (``tests/load/seed.py``);
3. starts ``gunicorn studysite.wsgi`` (``--workers`` gthread workers of
   ``--threads`` threads) with production settings (``DEBUG=False``) and the
   per-user throttle raised so that the load is not throttled;
4. runs locust headless (``tests/load/locustfile.py``) twice with the same
   number of users: a short *baseline* of the trivial endpoint alone
   (``GET /api/v1/auth/me/``), then the *mixed* run: the study page's review
   loop (a batch of 10 cards, answers without ``next``, the batch loaded again
   when 3 are left, buried siblings dropped) with the trivial endpoint at a
   small share;
5. prints each endpoint's requests, errors, p50/p99 and throughput; the
   answers' throughput against the trivial endpoint's alone on the same
   server (their ratio) and the answers' p50 and p99; the errors (any non-2xx
   status, unexpected status or connection error); and the reviews stored for
   the load's learners against the 201 answers the load got (``MISMATCH``
   unless equal). Exits 1 on any error or a mismatch (`tests.load.report`).

Usage: ``make load`` or ``make load LOAD_ARGS="--users 20 --seconds 10"``.

``--sqlite`` runs the laptop default instead (``tests/load/classroom.py``):
``make run``'s stack (runserver, the embedded Redis, one worker) on a fresh
SQLite file, ``--users`` learners (20 by default) answering ``--answers`` cards
each at once while the worker runs simulations; it prints errors, p50/p99 and
reviews sent against reviews stored, and exits 1 on any error::

    make load LOAD_ARGS="--sqlite"
    make load LOAD_ARGS="--sqlite --users 30 --answers 20"
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.load import processes
from tests.load.processes import ROOT, ThrowawayDatabase
from tests.load.report import (
    Row,
    acked_ids,
    locust_count_note,
    read_stats,
    reviews_stored_report,
    throughput_report,
)
from tests.load.seed import LEARNER_PREFIX

LOCUSTFILE = Path(__file__).with_name("locustfile.py")


def _on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run_locust(
    *,
    url: str,
    env: dict[str, str],
    phase: str,
    users: int,
    seconds: int,
    trivial_weight: int,
    out: Path,
) -> dict[str, Row]:
    """One headless locust run; its figures by endpoint."""
    prefix = out / phase
    cmd = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless"]
    cmd += ["--users", str(users), "--spawn-rate", str(max(1, users // 2))]
    cmd += ["--run-time", f"{seconds}s", "--stop-timeout", "10", "--host", url]
    cmd += ["--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"]
    cmd += ["--exit-code-on-error", "0"]
    locust_env = {
        **env,
        "LOAD_PHASE": phase,
        "LOAD_TRIVIAL_WEIGHT": str(trivial_weight),
        "LOAD_ACK_FILE": str(out / f"{phase}_acks.txt"),
    }
    started = time.monotonic()
    done = subprocess.run(
        cmd,
        cwd=ROOT,
        env=locust_env,
        capture_output=True,
        text=True,
        timeout=seconds + 90,
        check=False,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
        raise RuntimeError(f"locust ({phase}) failed (exit {done.returncode})")
    print(f"  locust {phase}: {time.monotonic() - started:.1f} s")
    return read_stats(prefix)


def _sqlite(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from tests.load import classroom

    users = 20 if args.users is None else args.users
    seconds = 45 if args.seconds is None else args.seconds
    if users < 1 or seconds < 1 or args.answers < 1:
        parser.error("--users, --seconds and --answers must be positive")
    if not 0 <= args.simulations <= users:
        parser.error("--simulations must be from 0 to --users")
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return classroom.main(
            ["--users", str(users), "--answers", str(args.answers)]
            + ["--simulations", str(args.simulations), "--seconds", str(seconds)]
        )
    except KeyboardInterrupt:
        print("\ninterrupted; cleaning up", file=sys.stderr)
        return 130
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        print(f"load test could not run: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Review-loop load test against gunicorn + Postgres + Redis."
    )
    add = parser.add_argument
    add("--users", type=int, default=None, help="200; 20 with --sqlite")
    add("--seconds", type=int, default=None, help="60; with --sqlite, a deadline of 45")
    add(
        "--sqlite",
        action="store_true",
        help="the laptop default (make run's stack on SQLite) instead",
    )
    add("--answers", type=int, default=15, help="--sqlite: answers per learner")
    add("--simulations", type=int, default=2, help="--sqlite: worker simulations")
    add(
        "--baseline-seconds",
        type=int,
        default=15,
        help="trivial endpoint alone, for the ratio (0: skip)",
    )
    add("--cards", type=int, default=200, help="notes in the deck")
    add("--reversed", type=int, default=50, help="of them, reversed (two cards)")
    add("--workers", type=int, default=4, help="gunicorn workers")
    add("--threads", type=int, default=4, help="threads per worker")
    add("--trivial-share", type=int, default=10, help="percent of mixed requests")
    add(
        "--pg",
        default=os.environ.get("LOAD_PG_URL", "postgres://postgres@127.0.0.1:5432"),
        help="the local Postgres server (a database is created on it)",
    )
    add("--redis-url", default="", help="use this Redis instead of a private one")
    return parser


def _check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    args.users = 200 if args.users is None else args.users
    args.seconds = 60 if args.seconds is None else args.seconds
    if args.users < 1 or args.seconds < 1 or args.cards < 1:
        parser.error("--users, --seconds and --cards must be positive")
    if not 0 <= args.reversed <= args.cards:
        parser.error("--reversed must be from 0 to --cards")
    for url in (args.pg, args.redis_url):
        if url and not any(
            h in url for h in ("@127.0.0.1", "@localhost", "//127.0.0.1", "//localhost")
        ):
            parser.error(f"only loopback servers: {url}")


def _prepare(
    args: argparse.Namespace,
    db: ThrowawayDatabase,
    stack: contextlib.ExitStack,
    workdir: Path,
) -> tuple[str, dict[str, str], Path]:
    """Database, Redis, migrations, seed and gunicorn: its URL, env and log."""
    print(f"database {db.name}")
    db.create()
    stack.callback(db.drop)
    if args.redis_url:
        redis_url = args.redis_url
    else:
        redis_url = stack.enter_context(processes.throwaway_redis(workdir))
    print(f"redis {redis_url}")
    env = processes.server_env(db.url, redis_url, workdir)
    migrate = [sys.executable, "manage.py", "migrate", "--noinput"]
    processes.run_step(migrate, env, 300, "migrate")
    seed_file = workdir / "seed.json"
    seed = [sys.executable, "-m", "tests.load.seed", "--learners", str(args.users)]
    seed += ["--cards", str(args.cards), "--reversed", str(args.reversed)]
    processes.run_step(seed + ["--out", str(seed_file)], env, 300, "seed")
    port = processes.free_port()
    url = f"http://127.0.0.1:{port}"
    log = workdir / "gunicorn.log"
    server = processes.start_gunicorn(env, port, args.workers, args.threads, log)
    stack.callback(processes.stop_process, server, "gunicorn")
    processes.wait_healthy(url, server)
    print(f"gunicorn {url}: {args.workers} gthread workers x {args.threads} threads")
    return url, {**env, "LOAD_SEED_FILE": str(seed_file)}, log


def _load(args: argparse.Namespace, db: ThrowawayDatabase, workdir: Path) -> int:
    with contextlib.ExitStack() as stack:
        url, env, log = _prepare(args, db, stack, workdir)
        runs = {"url": url, "env": env, "users": args.users, "out": workdir}
        baseline = None
        if args.baseline_seconds > 0:
            baseline = run_locust(
                phase="baseline",
                seconds=args.baseline_seconds,
                trivial_weight=100,
                **runs,
            )
        mixed = run_locust(
            phase="mixed",
            seconds=args.seconds,
            trivial_weight=args.trivial_share,
            **runs,
        )
        print(
            f"\n{args.users} users, {args.seconds} s mixed run "
            f"({args.trivial_share}% trivial), a deck of {args.cards} notes "
            f"({args.reversed} reversed)"
        )
        errors = throughput_report(mixed, baseline, args.seconds)
        acked = acked_ids(workdir / "mixed_acks.txt")
        locust_count_note(mixed, len(acked))
        mismatch = reviews_stored_report(acked, db.review_ids(LEARNER_PREFIX))
        server_errors = log.read_text(errors="replace") if log.exists() else ""
        if "Traceback" in server_errors:
            print("gunicorn logged errors:\n" + server_errors[-3000:])
    if errors or mismatch:
        print(f"FAIL: {errors} error(s)" + (", reviews MISMATCH" if mismatch else ""))
        return 1
    print("OK: zero errors, and every 201 answer is one review stored")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.sqlite:
        return _sqlite(parser, args)
    _check(parser, args)
    signal.signal(signal.SIGTERM, _on_sigterm)
    started = time.monotonic()
    db = ThrowawayDatabase(args.pg, f"studysite_load_{os.getpid()}")
    try:
        with tempfile.TemporaryDirectory(prefix="studysite-load-") as workdir:
            return _load(args, db, Path(workdir))
    except KeyboardInterrupt:
        print("\ninterrupted; cleaning up", file=sys.stderr)
        return 130
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        print(f"load test could not run: {exc}", file=sys.stderr)
        return 2
    finally:
        print(f"wall time {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
