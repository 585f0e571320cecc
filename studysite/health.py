"""``GET /healthz``: the state of the database, the broker and the workers.

200 when the database answers (the site can serve pages), 503 when it does not.
Broker and worker failures are reported but do not fail the check: reviews and
quizzes work without them. The overall ``status`` is ``ok``, ``degraded`` (the
database answers, something else does not) or ``error``; each component says
``ok`` or ``error``.

Anyone (a load balancer, a monitor) gets only those words. Staff (a session or
an API token of a staff account) also get the details: latencies, the error
text, the database vendor, and each worker's name, queues and heartbeat age.

Workers are not asked anything: each writes a heartbeat into Redis
(``studysite.heartbeat``) and the check reads them, so it answers in a few
milliseconds instead of waiting out a ping's timeout. Every probe has a short
timeout, so the check never hangs.
"""

from __future__ import annotations

import time
from typing import Any

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from studysite import heartbeat

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


# One client (a connection pool) per Redis URL and process: a check reuses a
# connection instead of opening two. The pool reconnects after an outage.
_clients: dict[str, redis.Redis] = {}


def _redis_client() -> redis.Redis:
    url = settings.REDIS.cache_url
    client = _clients.get(url)
    if client is None:
        client = _clients.setdefault(url, heartbeat.redis_client(timeout=PROBE_TIMEOUT))
    return client


def check_broker() -> dict[str, Any]:
    _redis_client().ping()
    return {"embedded": settings.EMBEDDED_REDIS}


def check_workers() -> dict[str, Any]:
    """The workers whose heartbeat is fresh; an error when there is none."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"mode": "eager", "workers": []}
    workers = heartbeat.alive(_redis_client(), ttl=settings.WORKER_HEARTBEAT_TTL)
    if not workers:
        raise RuntimeError(
            "no worker has reported a heartbeat in the last "
            f"{settings.WORKER_HEARTBEAT_TTL} s"
        )
    return {
        "workers": [w["name"] for w in workers],
        "queues": {w["name"]: w["queues"] for w in workers},
        "heartbeat_age_s": {w["name"]: w["age_s"] for w in workers},
    }


def health_report() -> tuple[int, dict[str, Any]]:
    """The HTTP status and the full report (what staff see)."""
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


def public_report(body: dict[str, Any]) -> dict[str, Any]:
    """What anyone may see: the overall status and each component's."""
    return {
        "status": body["status"],
        **{
            name: {"status": body[name]["status"]}
            for name in ("database", "broker", "workers")
        },
    }


def _is_staff(request: HttpRequest) -> bool:
    """Whether the caller is staff, by session or ``Authorization: Token``.

    Only asked when the database answers and the request carries credentials,
    so an anonymous monitor costs no query and a database outage is no 500.
    """
    has_session = settings.SESSION_COOKIE_NAME in request.COOKIES
    has_token = request.META.get("HTTP_AUTHORIZATION", "").startswith("Token ")
    if not (has_session or has_token):
        return False
    try:
        if has_session and request.user.is_authenticated:
            return bool(request.user.is_staff)
        if has_token:
            from rest_framework.authentication import TokenAuthentication
            from rest_framework.exceptions import AuthenticationFailed

            try:
                found = TokenAuthentication().authenticate(request)
            except AuthenticationFailed:
                return False
            return bool(found and found[0].is_staff)
    except DatabaseError:
        return False
    return False


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    status, body = health_report()
    if body["database"]["status"] != "ok" or not _is_staff(request):
        body = public_report(body)
    return JsonResponse(body, status=status)
