"""Workers report that they are alive; ``/healthz`` reads the reports.

Asking the workers (``app.control.ping``) makes the asker wait for the full
timeout to collect every reply, so a health check took over a second. Instead
each worker's consumer writes a heartbeat into Redis (the broker's server, the
cache's URL) every ``WORKER_HEARTBEAT_SECONDS``:

- ``studysite:worker:<name>``: JSON ``{name, queues, pid, started}``, expiring
  after ``WORKER_HEARTBEAT_TTL`` seconds, so a worker that dies (SIGKILL, a
  lost machine) drops out on its own;
- ``studysite:workers``: the set of names that have reported, which a reader
  prunes of names whose key expired.

A worker that stops cleanly deletes its own entry. Expiry is Redis's clock,
so web and worker machines need not agree on the time. Reading is two round
trips, whatever the number of workers.
"""

from __future__ import annotations

import json
import logging
import os
import time
from datetime import UTC, datetime
from typing import Any

from celery import bootsteps

logger = logging.getLogger(__name__)

NAMES_KEY = "studysite:workers"
KEY_PREFIX = "studysite:worker:"


def _key(name: str) -> str:
    return f"{KEY_PREFIX}{name}"


def redis_client(*, timeout: float) -> Any:
    """A client of the Redis the heartbeats go to (``settings.REDIS``)."""
    import redis
    from django.conf import settings

    return redis.Redis.from_url(
        settings.REDIS.cache_url,
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
    )


def beat(
    client: Any, *, name: str, queues: list[str], pid: int, started: str, ttl: int
) -> None:
    """Write (or refresh) one worker's heartbeat for ``ttl`` seconds."""
    report = {"name": name, "queues": sorted(queues), "pid": pid, "started": started}
    pipe = client.pipeline(transaction=True)
    pipe.set(_key(name), json.dumps(report), ex=ttl)
    pipe.sadd(NAMES_KEY, name)
    pipe.execute()


def forget(client: Any, *, name: str) -> None:
    """Remove a worker's heartbeat (it is stopping)."""
    pipe = client.pipeline(transaction=True)
    pipe.delete(_key(name))
    pipe.srem(NAMES_KEY, name)
    pipe.execute()


def alive(client: Any, *, ttl: int) -> list[dict[str, Any]]:
    """The workers whose heartbeat has not expired, by name, each with its
    queues, pid, start time and ``age_s`` (seconds since its last beat)."""
    names = sorted(n.decode() for n in client.smembers(NAMES_KEY))
    if not names:
        return []
    pipe = client.pipeline(transaction=False)
    for name in names:
        pipe.get(_key(name))
        pipe.pttl(_key(name))
    replies = pipe.execute()
    workers, gone = [], []
    for name, raw, pttl in zip(names, replies[::2], replies[1::2], strict=True):
        if raw is None:
            gone.append(name)
            continue
        try:
            report = json.loads(raw)
        except ValueError:
            gone.append(name)
            continue
        left = max(pttl, 0) / 1000 if pttl is not None else 0.0
        report["age_s"] = round(max(ttl - left, 0.0), 1)
        workers.append(report)
    if gone:
        client.srem(NAMES_KEY, *gone)
    return workers


class WorkerHeartbeat(bootsteps.StartStopStep):
    """The consumer's step that writes this worker's heartbeat.

    It starts once the consumer is connected (and again after a reconnect),
    beats at once and then every ``WORKER_HEARTBEAT_SECONDS`` on the worker's
    own timer, and forgets the worker when the consumer stops. A failed write
    is logged and tried again at the next beat; the worker goes on working.
    """

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self.tref: Any = None
        self.client: Any = None
        self.name = ""
        self.queues: list[str] = []
        self.ttl = 30
        self.started = datetime.now(UTC).isoformat(timespec="seconds")

    def start(self, parent: Any) -> None:
        from django.conf import settings

        self.name = parent.hostname
        self.queues = sorted(parent.app.amqp.queues.consume_from)
        self.ttl = int(settings.WORKER_HEARTBEAT_TTL)
        self.client = redis_client(timeout=1.0)
        self._beat()
        self.tref = parent.timer.call_repeatedly(
            float(settings.WORKER_HEARTBEAT_SECONDS), self._beat
        )

    def _beat(self) -> None:
        started = time.monotonic()
        try:
            beat(
                self.client,
                name=self.name,
                queues=self.queues,
                pid=os.getpid(),
                started=self.started,
                ttl=self.ttl,
            )
        except Exception as exc:  # noqa: BLE001 - Redis down: try at the next beat
            logger.warning("worker heartbeat not written: %s", exc)
        else:
            logger.debug("heartbeat in %.1f ms", (time.monotonic() - started) * 1000)

    def stop(self, parent: Any) -> None:
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None
        if self.client is not None:
            try:
                forget(self.client, name=self.name)
            except Exception as exc:  # noqa: BLE001 - it expires on its own
                logger.warning("worker heartbeat not removed: %s", exc)

    shutdown = stop
