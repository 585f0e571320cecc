"""``make load``: simulated learners in review loops against gunicorn + Postgres + Redis.

What it does, all on loopback addresses, and undone on exit (Ctrl-C included):

1. creates a throwaway database ``studysite_load_<pid>`` on the local Postgres
   (``--pg``, trust auth) and starts a private ``redis-server`` on a free port
   (``--redis-url`` uses an existing Redis instead);
2. migrates it and seeds a teacher deck and ``--users`` learners with tokens
   (``tests/load/seed.py``);
3. starts ``gunicorn studysite.wsgi`` (``--workers`` gthread workers of
   ``--threads`` threads) with production settings (``DEBUG=False``) and the
   per-user throttle raised so that the load is not throttled;
4. runs locust headless (``tests/load/locustfile.py``) twice with the same
   number of users: a short *baseline* of the trivial endpoint alone
   (``GET /api/v1/auth/me/``), then the *mixed* run: review loops (queue, then
   answers with ``next``) with the trivial endpoint at a small share;
5. prints requests, errors, p50/p99 per endpoint, throughput, and the review
   loop as a ratio of the trivial endpoint on the same server; exits 1 if any
   request failed.

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
import csv
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
TRIVIAL = "GET /auth/me (trivial)"
LOOP = ("GET /study/queue", "POST /reviews (+next)")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def stop_process(proc: subprocess.Popen, name: str, timeout: float = 15) -> None:
    """SIGTERM the process group, then SIGKILL it if it lingers."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        print(f"{name} did not stop; killing it", file=sys.stderr)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


# --- Postgres ---------------------------------------------------------------


class ThrowawayDatabase:
    def __init__(self, server_url: str, name: str) -> None:
        self.server_url = server_url.rstrip("/")
        self.name = name
        self.url = f"{self.server_url}/{name}"

    def _admin(self):
        import psycopg

        return psycopg.connect(
            f"{self.server_url}/postgres", autocommit=True, connect_timeout=5
        )

    def create(self) -> None:
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self.name}"')

    def review_ids(self) -> Counter:
        """Each stored review's ``client_review_id``, with its count."""
        import psycopg

        with psycopg.connect(self.url, connect_timeout=5) as conn:
            rows = conn.execute("SELECT client_review_id FROM flashcards_reviewlog")
            return Counter(str(value) for (value,) in rows)

    def drop(self) -> None:
        try:
            with self._admin() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        except Exception as exc:  # noqa: BLE001 - report, never mask the result
            print(f"could not drop database {self.name}: {exc}", file=sys.stderr)


# --- Redis -------------------------------------------------------------------


def start_redis(workdir: Path) -> tuple[subprocess.Popen, str]:
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    port = free_port()
    proc = subprocess.Popen(
        [
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
            "--loglevel",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock,
        ):
            sock.sendall(b"PING\r\n")
            if sock.recv(16).startswith(b"+PONG"):
                return proc, url
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_process(proc, "redis-server")
            raise RuntimeError("redis-server did not start")
        time.sleep(0.1)


# --- the server ----------------------------------------------------------------


def server_env(database_url: str, redis_url: str, workdir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "studysite.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DEBUG": "False",
        "SECRET_KEY": "load-test-only-" + os.urandom(24).hex(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "False",
        "THROTTLE_USER": "1000000/min",
        "THROTTLE_ANON": "1000000/min",
        "LOG_LEVEL": "WARNING",
        "VAR_DIR": str(workdir / "var"),
        "MEDIA_ROOT": str(workdir / "media"),
        "PYTHONUNBUFFERED": "1",
        # No collectstatic here; the API serves no static files.
        "PYTHONWARNINGS": "ignore:No directory at:UserWarning",
    }
    env.pop("STUDYSITE_INTEGRATION", None)
    return env


def run_step(cmd: list[str], env: dict[str, str], timeout: float, what: str) -> None:
    started = time.monotonic()
    done = subprocess.run(
        cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
        raise RuntimeError(f"{what} failed (exit {done.returncode})")
    print(f"  {what}: {time.monotonic() - started:.1f} s")


def start_gunicorn(
    env: dict[str, str], port: int, workers: int, threads: int, log: Path
) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "studysite.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--backlog",
            "2048",
            "--timeout",
            "60",
            "--log-level",
            "warning",
            "--error-logfile",
            str(log),
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited during start-up")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=3) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer /healthz")


# --- locust -----------------------------------------------------------------------


@dataclass
class Row:
    name: str
    requests: int
    failures: int
    p50: float
    p99: float
    rps: float


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
    prefix = out / phase
    cmd = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(max(1, users // 2)),
        "--run-time",
        f"{seconds}s",
        "--stop-timeout",
        "10",
        "--host",
        url,
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--exit-code-on-error",
        "0",
    ]
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
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
        raise RuntimeError(f"locust ({phase}) failed (exit {done.returncode})")
    print(f"  locust {phase}: {time.monotonic() - started:.1f} s")
    rows: dict[str, Row] = {}
    with open(f"{prefix}_stats.csv", newline="", encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            name = rec["Name"]
            rows[name] = Row(
                name=name,
                requests=int(rec["Request Count"]),
                failures=int(rec["Failure Count"]),
                p50=float(rec["50%"] or 0),
                p99=float(rec["99%"] or 0),
                rps=float(rec["Requests/s"] or 0),
            )
    failures = Path(f"{prefix}_failures.csv")
    if failures.exists():
        with open(failures, newline="", encoding="utf-8") as fh:
            for rec in csv.DictReader(fh):
                print(
                    f"  FAILED {rec['Method']} {rec['Name']} x{rec['Occurrences']}: "
                    f"{rec['Error'][:300]}"
                )
    return rows


def _loop_p(rows: dict[str, Row], attr: str) -> float:
    """Request-weighted mean of a percentile over the review-loop endpoints
    (an approximation; each endpoint's own figure is printed too)."""
    loop = [rows[name] for name in LOOP if name in rows and rows[name].requests]
    total = sum(r.requests for r in loop)
    return sum(getattr(r, attr) * r.requests for r in loop) / total if total else 0.0


def report(mixed: dict[str, Row], baseline: dict[str, Row] | None, seconds: int) -> int:
    total = mixed.get("Aggregated")
    if total is None:
        print("no requests were made")
        return 1
    errors = total.failures + (baseline["Aggregated"].failures if baseline else 0)
    print()
    print(
        f"{'endpoint':28} {'requests':>9} {'errors':>7} {'p50 ms':>8} "
        f"{'p99 ms':>8} {'req/s':>8}"
    )
    for name, row in mixed.items():
        print(
            f"{name:28} {row.requests:9d} {row.failures:7d} {row.p50:8.0f} "
            f"{row.p99:8.0f} {row.rps:8.1f}"
        )
    loop_rps = sum(mixed[n].rps for n in LOOP if n in mixed)
    print()
    print(f"total requests (mixed run): {total.requests}   errors: {errors}")
    print(
        f"throughput (mixed run): {total.rps:.1f} req/s over {seconds} s; "
        f"review loop {loop_rps:.1f} req/s"
    )
    if baseline and TRIVIAL in baseline:
        base = baseline[TRIVIAL]
        print(
            f"trivial endpoint alone (baseline): {base.requests} requests, "
            f"{base.rps:.1f} req/s, p50 {base.p50:.0f} ms, p99 {base.p99:.0f} ms"
        )
        if base.rps:
            print(
                f"ratio review-loop throughput / trivial-alone throughput: "
                f"{loop_rps / base.rps:.2f}  (mixed total {total.rps / base.rps:.2f})"
            )
        if base.p50 and base.p99:
            print(
                f"ratio review-loop latency / trivial-alone latency: "
                f"p50 {_loop_p(mixed, 'p50') / base.p50:.2f}, "
                f"p99 {_loop_p(mixed, 'p99') / base.p99:.2f}"
            )
    if TRIVIAL in mixed and mixed[TRIVIAL].p50:
        triv = mixed[TRIVIAL]
        print(
            f"in the mixed run, review-loop p50 / trivial p50: "
            f"{_loop_p(mixed, 'p50') / triv.p50:.2f}"
        )
    if errors:
        print(f"FAIL: {errors} request(s) failed")
        return 1
    print("OK: zero errors")
    return 0


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
            [
                "--users",
                str(users),
                "--answers",
                str(args.answers),
                "--simulations",
                str(args.simulations),
                "--seconds",
                str(seconds),
            ]
        )
    except KeyboardInterrupt:
        print("\ninterrupted; cleaning up", file=sys.stderr)
        return 130
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        print(f"load test could not run: {exc}", file=sys.stderr)
        return 2


def acked_ids(path: Path) -> list[str]:
    """The ``client_review_id`` of each answer locust saw acknowledged (201)."""
    if not path.exists():
        return []
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def reviews_stored_report(acked: list[str], stored: Counter) -> int:
    """Reviews acknowledged against rows stored: 1 unless one row each.

    Every answer has a fresh ``client_review_id`` (the baseline posts none), so
    each acknowledged answer must be exactly one row. Rows whose answer was
    not acknowledged are answers still in flight when locust stopped its users
    (shown, not an error).
    """
    missing = [key for key in acked if key not in stored]
    duplicates = [key for key, n in stored.items() if n > 1]
    unacked = len(set(stored) - set(acked))
    print(
        f"reviews sent (acknowledged) {len(acked)}, stored {sum(stored.values())}: "
        f"missing {len(missing)}, duplicates {len(duplicates)}, "
        f"stored but not acknowledged (in flight at the stop) {unacked}"
    )
    if missing or duplicates or len(set(acked)) != len(acked):
        print("FAIL: an acknowledged review is not stored exactly once")
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Review-loop load test against gunicorn + Postgres + Redis."
    )
    parser.add_argument("--users", type=int, default=None, help="200; 20 with --sqlite")
    parser.add_argument(
        "--seconds", type=int, default=None, help="60; with --sqlite, a deadline of 45"
    )
    parser.add_argument(
        "--sqlite",
        action="store_true",
        help="the laptop default (make run's stack on SQLite) instead",
    )
    parser.add_argument(
        "--answers", type=int, default=15, help="--sqlite: answers per learner"
    )
    parser.add_argument(
        "--simulations", type=int, default=2, help="--sqlite: worker simulations"
    )
    parser.add_argument(
        "--baseline-seconds",
        type=int,
        default=15,
        help="trivial endpoint alone, for the ratio (0: skip)",
    )
    parser.add_argument("--cards", type=int, default=200, help="cards in the deck")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument(
        "--trivial-share", type=int, default=10, help="percent of mixed requests"
    )
    parser.add_argument(
        "--pg",
        default=os.environ.get("LOAD_PG_URL", "postgres://postgres@127.0.0.1:5432"),
        help="the local Postgres server (a database is created on it)",
    )
    parser.add_argument(
        "--redis-url", default="", help="use this Redis instead of a private one"
    )
    args = parser.parse_args(argv)
    if args.sqlite:
        return _sqlite(parser, args)
    args.users = 200 if args.users is None else args.users
    args.seconds = 60 if args.seconds is None else args.seconds
    if args.users < 1 or args.seconds < 1:
        parser.error("--users and --seconds must be positive")
    for url in (args.pg, args.redis_url):
        if url and not any(
            h in url for h in ("@127.0.0.1", "@localhost", "//127.0.0.1", "//localhost")
        ):
            parser.error(f"only loopback servers: {url}")

    signal.signal(signal.SIGTERM, _on_sigterm)
    started = time.monotonic()
    db = ThrowawayDatabase(args.pg, f"studysite_load_{os.getpid()}")
    with contextlib.ExitStack() as stack:
        workdir = Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="studysite-load-"))
        )
        try:
            print(f"database {db.name}")
            db.create()
            stack.callback(db.drop)
            if args.redis_url:
                redis_url = args.redis_url
            else:
                redis_proc, redis_url = start_redis(workdir)
                stack.callback(stop_process, redis_proc, "redis-server")
            print(f"redis {redis_url}")
            env = server_env(db.url, redis_url, workdir)
            run_step(
                [sys.executable, "manage.py", "migrate", "--noinput"],
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
                    str(args.users),
                    "--cards",
                    str(args.cards),
                    "--out",
                    str(seed_file),
                ],
                env,
                300,
                "seed",
            )
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            log = workdir / "gunicorn.log"
            server = start_gunicorn(env, port, args.workers, args.threads, log)
            stack.callback(stop_process, server, "gunicorn")
            wait_healthy(url, server)
            print(
                f"gunicorn {url}: {args.workers} gthread workers x {args.threads} threads"
            )
            locust_env = {**env, "LOAD_SEED_FILE": str(seed_file)}
            baseline = None
            if args.baseline_seconds > 0:
                baseline = run_locust(
                    url=url,
                    env=locust_env,
                    phase="baseline",
                    users=args.users,
                    seconds=args.baseline_seconds,
                    trivial_weight=100,
                    out=workdir,
                )
            mixed = run_locust(
                url=url,
                env=locust_env,
                phase="mixed",
                users=args.users,
                seconds=args.seconds,
                trivial_weight=args.trivial_share,
                out=workdir,
            )
            print(
                f"\n{args.users} users, {args.seconds} s mixed run "
                f"({args.trivial_share}% trivial), {args.cards}-card deck"
            )
            code = report(mixed, baseline, args.seconds)
            code = max(
                code,
                reviews_stored_report(
                    acked_ids(workdir / "mixed_acks.txt"), db.review_ids()
                ),
            )
            server_errors = log.read_text(errors="replace") if log.exists() else ""
            if "Traceback" in server_errors:
                print("gunicorn logged errors:\n" + server_errors[-3000:])
            print(f"wall time {time.monotonic() - started:.0f} s")
            return code
        except KeyboardInterrupt:
            print("\ninterrupted; cleaning up", file=sys.stderr)
            return 130
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            print(f"load test could not run: {exc}", file=sys.stderr)
            return 2


if __name__ == "__main__":
    sys.exit(main())
