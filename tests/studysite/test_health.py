from __future__ import annotations

import pytest
from django.db import OperationalError

from studysite import health


@pytest.mark.django_db
def test_healthz_reports_database_broker_and_workers(client, monkeypatch):
    monkeypatch.setattr(health, "check_broker", lambda: {"embedded": False})
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"]["status"] == "ok"
    assert body["broker"]["status"] == "ok"
    assert body["workers"]["status"] == "ok"
    assert body["workers"]["mode"] == "eager"
    assert body["status"] == "ok"


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_does_not_answer(client, monkeypatch):
    def down():
        raise OperationalError("connection refused")

    monkeypatch.setattr(health, "check_database", down)
    monkeypatch.setattr(health, "check_broker", lambda: {})
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert "connection refused" in body["database"]["error"]


@pytest.mark.django_db
def test_healthz_stays_200_but_degraded_when_the_broker_is_down(client, settings):
    # Nothing listens on port 1: the probe fails fast instead of hanging.
    settings.REDIS = settings.REDIS.from_url("redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["broker"]["status"] == "error"
    assert body["workers"] == {"status": "error", "error": "broker unavailable"}


@pytest.mark.django_db
def test_healthz_reports_no_worker_when_none_answers(client, settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(health, "check_broker", lambda: {})
    from studysite.celery import app

    monkeypatch.setattr(app.control, "ping", lambda timeout: [])
    body = client.get("/healthz").json()
    assert body["workers"]["status"] == "error"
    assert "no worker" in body["workers"]["error"]


def test_healthz_refuses_post(client):
    assert client.post("/healthz").status_code == 405
