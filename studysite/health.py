"""``GET /healthz``: the state of the database, the broker and the workers.

200 when the database answers (the site can serve pages), 503 when it does not.
Broker and worker failures are reported but do not fail the check: reviews and
quizzes work without them. Every probe has a short timeout so the check never
hangs.
"""

from __future__ import annotations

import time
from typing import Any

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

PROBE_TIMEOUT = 1.0


def _timed(probe: Any) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        detail = probe()
    except Exception as exc:  # noqa: BLE001 - any failure is a status to report
        state = {"status": "error", "error": f"{type(exc).__name__}: {exc}"[:300]}
    else:
        state = {"status": "ok", **(detail or {})}
    state["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return state


def check_database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"vendor": connection.vendor}


def _redis_client() -> redis.Redis:
    return redis.Redis.from_url(
        settings.REDIS.cache_url,
        socket_connect_timeout=PROBE_TIMEOUT,
        socket_timeout=PROBE_TIMEOUT,
    )


def check_broker() -> dict[str, Any]:
    client = _redis_client()
    try:
        client.ping()
    finally:
        client.close()
    return {"embedded": settings.EMBEDDED_REDIS}


def check_workers() -> dict[str, Any]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"mode": "eager", "workers": []}
    from studysite.celery import app

    replies = app.control.ping(timeout=settings.HEALTHZ_WORKER_TIMEOUT) or []
    names = sorted(name for reply in replies for name in reply)
    if not names:
        raise RuntimeError("no worker answered a ping")
    return {"workers": names, "queues": _queues(names)}


def _queues(names: list[str]) -> dict[str, list[str]]:
    from studysite.celery import app

    try:
        active = app.control.inspect(
            destination=names, timeout=settings.HEALTHZ_WORKER_TIMEOUT
        ).active_queues()
    except Exception:  # noqa: BLE001 - queue detail is optional
        return {}
    return {
        name: sorted(q["name"] for q in queues)
        for name, queues in (active or {}).items()
    }


def health_report() -> tuple[int, dict[str, Any]]:
    database = _timed(check_database)
    broker = _timed(check_broker)
    workers = (
        _timed(check_workers)
        if broker["status"] == "ok"
        else {"status": "error", "error": "broker unavailable"}
    )
    ok = database["status"] == "ok"
    body = {
        "status": "ok"
        if ok and broker["status"] == workers["status"] == "ok"
        else ("degraded" if ok else "error"),
        "database": database,
        "broker": broker,
        "workers": workers,
    }
    return (200 if ok else 503), body


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    status, body = health_report()
    return JsonResponse(body, status=status)
