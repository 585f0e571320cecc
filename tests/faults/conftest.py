"""Fixtures for the fault tests: services that a test may stop, kill and restart.

Nothing here touches the machine's own Redis or Postgres: each test gets a
private ``redis-server`` on a free port, its own gunicorn and Celery worker
processes (``tests.faults.settings_service``, pointed at the test database and
at that Redis), and, for the database test, a private Postgres cluster.
"""

from __future__ import annotations

import contextlib
import json
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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.studysite.redis_server import RedisServer

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(
    check: Callable[[], Any], *, timeout: float, what: str, every: float = 0.1
) -> Any:
    """Poll ``check`` until it returns something truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)


def stop_group(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(autouse=True)
def _integration_only(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("integration") is None:
        return
    if not settings.INTEGRATION:
        pytest.skip("fault tests run with STUDYSITE_INTEGRATION=1 (see .ci/run)")
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.skip("fault tests need PostgreSQL (DATABASE_URL)")


# --- HTTP -----------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    body: Any
    seconds: float


def http(
    method: str,
    url: str,
    *,
    token: str | None = None,
    data: Any = None,
    timeout: float = 20,
) -> Reply:
    headers = {"Accept": "application/json"}
    payload = None
    if data is not None:
        payload = json.dumps(data).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Token {token}"
    request = urllib.request.Request(url, data=payload, method=method, headers=headers)
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = raw.decode(errors="replace")
    return Reply(status, body, time.monotonic() - started)


# --- Redis ----------------------------------------------------------------------


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A persistent redis-server of the test's own, which it may stop and start."""
    redis = RedisServer(tmp_path, persistent=True)
    redis.start()
    try:
        yield redis
    finally:
        redis.stop()


# --- the service's processes ------------------------------------------------------


def database_url_for_services(**query: str) -> str:
    from tests.conftest import _database_url_for_worker

    url = _database_url_for_worker()
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


@dataclass
class Services:
    """Starts gunicorn and Celery workers; stops whatever is left at the end."""

    workdir: Path
    procs: list[subprocess.Popen] = field(default_factory=list)

    def env(self, *, redis_url: str, database_url: str, **extra: str) -> dict:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.faults.settings_service",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "VAR_DIR": str(self.workdir / "var"),
            "PYTHONWARNINGS": "ignore:No directory at:UserWarning",
            "PYTHONUNBUFFERED": "1",
            **extra,
        }
        env.pop("STUDYSITE_INTEGRATION", None)
        return env

    def web(self, env: dict) -> str:
        """Start gunicorn (one worker, four threads); returns its base URL."""
        port = free_port()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "studysite.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--worker-class",
                "gthread",
                "--threads",
                "4",
                "--timeout",
                "30",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        self.procs.append(proc)
        url = f"http://127.0.0.1:{port}"

        def answers() -> bool:
            if proc.poll() is not None:
                pytest.fail("gunicorn exited during start-up")
            try:
                http("GET", f"{url}/healthz", timeout=3)
            except OSError:
                return False
            return True

        wait_for(answers, timeout=30, what="gunicorn to answer", every=0.2)
        return url

    def worker(
        self, env: dict, *, name: str, redis_url: str, concurrency: int = 1
    ) -> subprocess.Popen:
        """Start a Celery worker (prefork, one process by default) and wait
        until it answers."""
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "studysite",
                "worker",
                "-Q",
                "default,demos,gpu",
                "--pool",
                "prefork",
                "--concurrency",
                str(concurrency),
                "-n",
                f"{name}@%h",
                "--without-mingle",
                "--without-gossip",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        self.procs.append(proc)
        from celery import Celery

        # Never the current app: shared tasks in this process must keep theirs.
        probe = Celery("faults-probe", broker=redis_url, set_as_current=False)
        try:

            def answers() -> bool:
                if proc.poll() is not None:
                    pytest.fail(f"the Celery worker {name} exited during start-up")
                replies = probe.control.ping(timeout=0.5) or []
                return any(n.startswith(f"{name}@") for r in replies for n in r)

            wait_for(answers, timeout=60, what=f"the Celery worker {name}", every=0)
        finally:
            probe.close()
        return proc

    def close(self) -> None:
        for proc in self.procs:  # all at once: each warm shutdown takes a while
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for proc in reversed(self.procs):
            stop_group(proc)


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    started = Services(tmp_path)
    try:
        yield started
    finally:
        started.close()


def token_for(user: Any) -> str:
    from rest_framework.authtoken.models import Token

    return Token.objects.get_or_create(user=user)[0].key


# --- a private Postgres cluster -------------------------------------------------


class PrivateCluster:
    """A throwaway Postgres cluster on a free loopback port, in a temp dir.

    Run as the ``postgres`` system user when the tests run as root (initdb
    refuses root). Stopping it is what "the database went down" means here;
    the machine's own cluster is never touched.
    """

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="studysite-faults-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/studysite"
        self._as_postgres: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            self._as_postgres = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str, timeout: float = 60) -> None:
        done = subprocess.run(
            [*self._as_postgres, *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            pytest.fail(f"{args[0]} failed: {done.stdout[-1000:]}{done.stderr[-1000:]}")

    def init(self) -> None:
        self._run(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
            "--no-instructions",
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off"
        )
        self._run(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.dir / "log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"
        )

    def createdb(self) -> None:
        self._run(
            str(PG_BIN / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "studysite",
        )

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(
                [
                    *self._as_postgres,
                    str(PG_BIN / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ],
                capture_output=True,
                timeout=30,
                check=False,
            )
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def private_cluster() -> Iterator[PrivateCluster]:
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"no PostgreSQL binaries in {PG_BIN}")
    cluster = PrivateCluster()
    try:
        cluster.init()
        cluster.start()
        cluster.createdb()
        yield cluster
    finally:
        cluster.remove()
