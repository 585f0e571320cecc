"""`make run` starts web, embedded Redis and a worker; SIGTERM stops all of them."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(tmp_path: Path, port: int) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="studysite.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        VAR_DIR=str(tmp_path / "var"),
        PORT=str(port),
        HOST="127.0.0.1",
        WORKER_CONCURRENCY="1",
        PYTHONUNBUFFERED="1",
    )
    return env


def _healthz(port: int) -> dict | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as r:
            return json.load(r)
    except urllib.error.HTTPError as exc:
        return json.load(exc)
    except OSError:
        return None


def _still_running(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return False


def test_make_run_serves_healthz_and_stops_cleanly(tmp_path):
    port = _free_port()
    proc = subprocess.Popen(
        ["make", "run"],
        cwd=ROOT,
        env=_env(tmp_path, port),
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        body = None
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline:
            body = _healthz(port)
            if body and body["status"] == "ok":
                break
            assert proc.poll() is None, proc.stdout.read()
            time.sleep(1)
        # ok overall: the database, the embedded Redis and the worker's
        # heartbeat (anyone sees only the statuses).
        assert body is not None and body["status"] == "ok", body
        assert body["workers"] == {"status": "ok"}
        family = psutil.Process(proc.pid).children(recursive=True)
        names = " ".join(" ".join(p.cmdline()) for p in family)
        assert "redis-server" in names and "celery" in names and "runserver" in names
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
    # Give every process a moment to finish exiting after the last line.
    deadline = time.monotonic() + 40
    survivors = [p for p in family if _still_running(p)]
    while survivors and time.monotonic() < deadline:
        time.sleep(0.5)
        survivors = [p for p in survivors if _still_running(p)]
    assert survivors == [], (output[-2000:], [(p.pid, p.cmdline()) for p in survivors])
    assert "Stopped." in output
    assert not (tmp_path / "var" / "devstack.pid").exists()


def test_a_taken_port_is_reported_in_one_line(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "manage.py", "devstack", "--no-setup"],
            cwd=ROOT,
            env=_env(tmp_path, port),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert f"Port {port} on 127.0.0.1 is already in use" in lines[0]


def test_a_stale_pid_file_does_not_block_the_next_start(tmp_path):
    var = tmp_path / "var"
    var.mkdir()
    (var / "devstack.pid").write_text("999999")  # no such process
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
    # The port is free again: the command gets past the pid file to start up;
    # with --no-setup and a bogus broker it fails later, not on the pid file.
    env = _env(tmp_path, port)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            (
                "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','studysite.settings');"
                "django.setup();"
                "from studysite.management.commands.devstack import Command;"
                "from pathlib import Path;"
                f"Command()._claim_pidfile(Path({str(var / 'devstack.pid')!r})); print('claimed')"
            ),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "claimed" in result.stdout
