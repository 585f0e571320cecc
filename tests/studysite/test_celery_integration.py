"""A task goes through the real broker to a real worker and its result comes back."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.integration]


@pytest.mark.django_db(transaction=True)
def test_ping_round_trip_through_a_real_worker(celery_worker):
    from workers.tasks import ping

    result = ping.delay()
    value = result.get(timeout=30)
    assert value["pong"] is True
    assert value["pid"] == value["pid"] and value["pid"] != celery_worker.pid


@pytest.mark.django_db(transaction=True)
def test_healthz_sees_the_worker(celery_worker, client, settings, admin_user):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert client.get("/healthz").json()["workers"] == {"status": "ok"}
    client.force_login(admin_user)
    body = client.get("/healthz").json()
    assert body["broker"]["status"] == "ok"
    assert body["workers"]["status"] == "ok"
    mine = [n for n in body["workers"]["workers"] if n.startswith("test-")]
    assert mine, body["workers"]
    assert "default" in body["workers"]["queues"][mine[0]]  # what it serves


def test_the_worker_writes_its_own_heartbeat_into_redis(celery_worker, settings):
    import json

    import redis

    from studysite import heartbeat

    client = redis.Redis.from_url(settings.REDIS.cache_url)
    alive = heartbeat.alive(client, ttl=settings.WORKER_HEARTBEAT_TTL)
    mine = [w for w in alive if w["pid"] == celery_worker.pid]
    assert len(mine) == 1, alive
    key = heartbeat.KEY_PREFIX + mine[0]["name"]
    assert 0 < client.ttl(key) <= settings.WORKER_HEARTBEAT_TTL
    assert "default" in json.loads(client.get(key))["queues"]
