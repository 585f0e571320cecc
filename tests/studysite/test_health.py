from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import redis
from django.db import OperationalError
from django.test import Client
from rest_framework.authtoken.models import Token

from studysite import health, heartbeat
from studysite.redis_urls import RedisUrls
from tests.studysite.redis_server import RedisServer, running

PUBLIC_KEYS = {"status", "database", "broker", "workers"}


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    with running(tmp_path) as server:
        yield server


@pytest.fixture
def real_workers(settings, redis_server) -> redis.Redis:
    """Health reads heartbeats from a real Redis; tasks are not eager."""
    settings.REDIS = RedisUrls.from_url(redis_server.url)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    return redis.Redis.from_url(redis_server.url)


def _staff(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def _beat(client: redis.Redis, name: str = "w1@host", ttl: int = 30) -> None:
    heartbeat.beat(
        client,
        name=name,
        queues=["gpu", "default"],
        pid=4242,
        started="2025-01-01T00:00:00+00:00",
        ttl=ttl,
    )


def _assert_public(body: dict) -> None:
    assert set(body) == PUBLIC_KEYS
    for name in ("database", "broker", "workers"):
        assert set(body[name]) == {"status"}
        assert body[name]["status"] in ("ok", "error")


@pytest.mark.django_db
def test_healthz_reports_database_broker_and_workers_to_staff(admin_user, monkeypatch):
    monkeypatch.setattr(health, "check_broker", lambda: {"embedded": False})
    response = _staff(admin_user).get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"]["status"] == "ok"
    assert body["database"]["vendor"]
    assert body["broker"]["status"] == "ok"
    assert body["workers"]["status"] == "ok"
    assert body["workers"]["mode"] == "eager"
    assert body["status"] == "ok"


@pytest.mark.django_db
def test_anyone_gets_only_the_status_of_each_component(client, monkeypatch):
    monkeypatch.setattr(health, "check_broker", lambda: {"embedded": False})
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    _assert_public(body)
    assert body["status"] == "ok"


@pytest.mark.django_db
def test_a_learner_or_a_bad_token_gets_the_public_answer(learner, monkeypatch):
    monkeypatch.setattr(health, "check_broker", lambda: {"embedded": False})
    signed_in = Client()
    signed_in.force_login(learner)
    _assert_public(signed_in.get("/healthz").json())
    bad = Client().get("/healthz", HTTP_AUTHORIZATION="Token not-a-token")
    assert bad.status_code == 200
    _assert_public(bad.json())


@pytest.mark.django_db
def test_a_staff_token_gets_the_details(admin_user, monkeypatch):
    monkeypatch.setattr(health, "check_broker", lambda: {"embedded": False})
    token = Token.objects.create(user=admin_user)
    body = Client().get("/healthz", HTTP_AUTHORIZATION=f"Token {token.key}").json()
    assert body["workers"]["mode"] == "eager"
    assert "latency_ms" in body["database"]


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_does_not_answer(
    client, admin_user, monkeypatch
):
    def down():
        raise OperationalError("connection refused by db.internal:5432")

    monkeypatch.setattr(health, "check_database", down)
    monkeypatch.setattr(health, "check_broker", lambda: {})
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    _assert_public(body)
    assert body["status"] == "error"
    assert body["database"]["status"] == "error"
    assert b"db.internal" not in response.content
    # A session cookie does not turn the outage into a 500.
    staff = _staff(admin_user).get("/healthz")
    assert staff.status_code == 503
    _assert_public(staff.json())


@pytest.mark.django_db
def test_healthz_stays_200_but_degraded_when_the_broker_is_down(
    client, admin_user, settings
):
    # Nothing listens on port 1: the probe fails fast instead of hanging.
    settings.REDIS = settings.REDIS.from_url("redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    _assert_public(body)
    assert body["status"] == "degraded"
    assert body["broker"]["status"] == "error"
    assert body["workers"] == {"status": "error"}
    assert b"127.0.0.1" not in response.content  # no exception text
    detail = _staff(admin_user).get("/healthz").json()
    assert "127.0.0.1:1" in detail["broker"]["error"]
    assert detail["workers"] == {"status": "error", "error": "broker unavailable"}


@pytest.mark.django_db
def test_a_worker_that_reports_a_heartbeat_is_seen(
    client, admin_user, real_workers, monkeypatch
):
    from studysite.celery import app

    def no_ping(**kwargs):
        raise AssertionError("health must not ping the workers")

    monkeypatch.setattr(app.control, "ping", no_ping)
    _beat(real_workers, "w1@host")
    _beat(real_workers, "gpu@box")
    public = client.get("/healthz").json()
    assert public == {
        "status": "ok",
        "database": {"status": "ok"},
        "broker": {"status": "ok"},
        "workers": {"status": "ok"},
    }
    body = _staff(admin_user).get("/healthz").json()
    workers = body["workers"]
    assert workers["workers"] == ["gpu@box", "w1@host"]
    assert workers["queues"]["w1@host"] == ["default", "gpu"]
    assert 0 <= workers["heartbeat_age_s"]["w1@host"] <= 30


@pytest.mark.django_db
def test_no_heartbeat_means_no_worker(client, admin_user, real_workers):
    public = client.get("/healthz")
    assert public.status_code == 200
    assert public.json()["status"] == "degraded"
    assert public.json()["workers"] == {"status": "error"}
    detail = _staff(admin_user).get("/healthz").json()["workers"]
    assert "no worker has reported a heartbeat" in detail["error"]


@pytest.mark.django_db
def test_a_worker_whose_heartbeat_expired_or_that_stopped_is_gone(
    admin_user, real_workers
):
    _beat(real_workers, "dead@host")
    _beat(real_workers, "stopped@host")
    _beat(real_workers, "live@host")
    real_workers.delete("studysite:worker:dead@host")  # what its TTL does
    heartbeat.forget(real_workers, name="stopped@host")
    body = _staff(admin_user).get("/healthz").json()
    assert body["workers"]["workers"] == ["live@host"]
    # The reader pruned the expired name from the set of names.
    assert real_workers.smembers(heartbeat.NAMES_KEY) == {b"live@host"}


def test_a_heartbeat_expires_on_its_own(real_workers):
    _beat(real_workers, "w@host", ttl=30)
    key = "studysite:worker:w@host"
    assert 0 < real_workers.ttl(key) <= 30
    report = json.loads(real_workers.get(key))
    assert report == {
        "name": "w@host",
        "queues": ["default", "gpu"],
        "pid": 4242,
        "started": "2025-01-01T00:00:00+00:00",
    }


class _Timer:
    def __init__(self) -> None:
        self.calls: list[tuple[float, object]] = []
        self.cancelled = False

    def call_repeatedly(self, seconds: float, fun: object) -> _Timer:
        self.calls.append((seconds, fun))
        return self

    def cancel(self) -> None:
        self.cancelled = True


def test_the_worker_step_beats_on_start_on_its_timer_and_forgets_on_stop(
    settings, real_workers
):
    from types import SimpleNamespace

    from studysite.celery import app

    timer = _Timer()
    consumer = SimpleNamespace(hostname="step@host", app=app, timer=timer)
    step = heartbeat.WorkerHeartbeat(consumer)
    step.start(consumer)
    assert real_workers.exists("studysite:worker:step@host")
    assert timer.calls[0][0] == settings.WORKER_HEARTBEAT_SECONDS
    real_workers.delete("studysite:worker:step@host")
    timer.calls[0][1]()  # the next beat writes it again
    assert real_workers.exists("studysite:worker:step@host")
    step.stop(consumer)
    assert timer.cancelled
    assert not real_workers.exists("studysite:worker:step@host")
    assert real_workers.smembers(heartbeat.NAMES_KEY) == set()


def test_a_heartbeat_that_cannot_be_written_does_not_stop_the_worker(settings, caplog):
    from types import SimpleNamespace

    from studysite.celery import app

    settings.REDIS = RedisUrls.from_url("redis://127.0.0.1:1/0")
    consumer = SimpleNamespace(hostname="x@host", app=app, timer=_Timer())
    step = heartbeat.WorkerHeartbeat(consumer)
    step.start(consumer)  # logs, does not raise
    step.stop(consumer)
    assert "worker heartbeat not written" in caplog.text


def test_the_worker_app_runs_the_heartbeat_step():
    from studysite.celery import app

    assert heartbeat.WorkerHeartbeat in app.steps["consumer"]


def test_healthz_refuses_post(client):
    assert client.post("/healthz").status_code == 405
