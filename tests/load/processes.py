"""The processes behind ``make load`` (``tests/load/run.py``), all on loopback:
a throwaway Postgres database, a private ``redis-server``, gunicorn, and the
steps (migrate, seed) run with the server's environment. Each is stopped or
dropped by the caller's exit stack, Ctrl-C included.
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

from tests.bench.live_server import (  # noqa: F401 - the load run's helpers too
    ROOT,
    free_port,
    server_env,
    stop_process,
    throwaway_redis,
)

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

    def review_ids(self, username_prefix: str) -> Counter:
        """Each stored review's ``client_review_id``, with its count, of the
        learners whose username starts with ``username_prefix``."""
        import psycopg

        with psycopg.connect(self.url, connect_timeout=5) as conn:
            rows = conn.execute(
                "SELECT r.client_review_id FROM flashcards_reviewlog r "
                "JOIN studysite_user u ON u.id = r.learner_id "
                "WHERE u.username LIKE %s",
                (username_prefix.replace("%", r"\%").replace("_", r"\_") + "%",),
            )
            return Counter(str(value) for (value,) in rows)

    def drop(self) -> None:
        try:
            with self._admin() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        except Exception as exc:  # noqa: BLE001 - report, never mask the result
            print(f"could not drop database {self.name}: {exc}", file=sys.stderr)


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
