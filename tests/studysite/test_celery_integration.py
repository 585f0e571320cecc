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
def test_healthz_sees_the_worker(celery_worker, client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    body = client.get("/healthz").json()
    assert body["broker"]["status"] == "ok"
    assert body["workers"]["status"] == "ok"
    assert any(name.startswith("test-") for name in body["workers"]["workers"])
