"""Limits hold while the cache's Redis is unreachable: the cache counts in the
process's memory instead of answering every read with a miss."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
import redis
from django.core.cache import cache
from django.test import Client
from rest_framework.throttling import AnonRateThrottle

from tests.factories import PASSWORD
from tests.studysite.redis_server import RedisServer, running

pytestmark = pytest.mark.django_db

UNREACHABLE = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    with running(tmp_path) as server:
        yield server


@pytest.fixture
def redis_cache(settings) -> Iterator[Callable[..., None]]:
    """Point the default cache at a Redis URL (the service's own backend)."""

    def use(url: str, **options: object) -> None:
        settings.CACHES = {
            "default": {
                "BACKEND": "studysite.cache.ResilientRedisCache",
                "LOCATION": url,
                "KEY_PREFIX": "studysite",
                "TIMEOUT": 300,
                "OPTIONS": {
                    "socket_connect_timeout": 0.5,
                    "socket_timeout": 0.5,
                    **options,
                },
            }
        }

    yield use
    cache.clear()  # the fallback's counts too, while it is still the cache


def _login(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_the_login_page_refuses_the_eleventh_attempt_with_redis_down(
    redis_cache, learner
):
    redis_cache(UNREACHABLE)
    client = Client()
    codes = [_login(client, learner.username, "wrong").status_code for _ in range(10)]
    assert codes == [200] * 10
    refused = _login(client, learner.username, PASSWORD)
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_token_endpoint_refuses_the_eleventh_attempt_with_redis_down(
    redis_cache, learner
):
    redis_cache(UNREACHABLE)
    client = Client()
    body = json.dumps({"username": learner.username, "password": "wrong"})
    codes = [
        client.post(
            "/api/v1/auth/token/", body, content_type="application/json"
        ).status_code
        for _ in range(11)
    ]
    assert codes == [400] * 10 + [429]


def test_anonymous_api_calls_are_still_throttled_with_redis_down(
    redis_cache, monkeypatch
):
    redis_cache(UNREACHABLE)
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/min"})
    client = Client()
    codes = [client.get("/api/v1/formats/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_a_limit_keeps_counting_when_redis_goes_away_mid_way(
    redis_cache, redis_server, learner
):
    redis_cache(redis_server.url)
    client = Client()
    before = [_login(client, learner.username, "wrong").status_code for _ in range(5)]
    assert before == [200] * 5
    assert redis.Redis.from_url(redis_server.url).keys("studysite:*login-throttle*")
    redis_server.stop()
    after = [_login(client, learner.username, "wrong").status_code for _ in range(11)]
    assert 429 in after  # counted in memory from the outage on: never no limit
    assert after[: after.index(429)] == [200] * after.index(429)
    assert set(after[after.index(429) :]) == {429}


def test_the_cache_answers_from_memory_while_redis_is_down_and_returns_to_it(
    redis_cache, redis_server
):
    redis_cache(redis_server.url, RETRY_SECONDS=0)
    raw = redis.Redis.from_url(redis_server.url)
    cache.set("kept", "in redis")
    assert cache.get("kept") == "in redis"
    redis_server.stop()

    assert cache.get("kept") is None  # a miss, not an error
    assert cache.add("count", 1) is True
    assert cache.add("count", 1) is False
    assert cache.incr("count") == 2
    cache.set_many({"a": 1, "b": 2})
    assert cache.get_many(["a", "b", "c"]) == {"a": 1, "b": 2}
    assert cache.has_key("a") and cache.delete("a") and not cache.has_key("a")
    with pytest.raises(ValueError, match="never-set"):
        cache.incr("never-set")

    redis_server.start()  # an empty Redis on the same port
    cache.set("after", "back in redis")
    assert raw.exists("studysite:1:after")
    assert cache.get("count") is None  # Redis answers again, not the memory
