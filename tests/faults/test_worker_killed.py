"""A Celery worker killed (SIGKILL) in the middle of a demo run.

Late acks + ``reject_on_worker_lost`` leave the message unacknowledged in
Redis; once the visibility timeout has passed (a few seconds here, see
``settings_service``) a live worker takes it again, ``demo_run_execute``
re-claims the run left ``running`` (attempt 2) and stores one result.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests.factories import UserFactory
from tests.faults.conftest import database_url_for_services, http, token_for, wait_for
from workers.models import DemoRun

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
SMALL = {"steps": 300, "max_points": 30}


def _log_lines(path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def test_a_run_whose_worker_is_killed_finishes_once_on_a_new_worker(
    private_redis, services, tmp_path
):
    log = tmp_path / "demo.log"
    env = services.env(
        redis_url=private_redis.url,
        database_url=database_url_for_services(),
        FAULTS_SLOW_FIRST_ATTEMPT="30",
        FAULTS_DEMO_LOG=str(log),
    )
    web = services.web(env)
    first = services.worker(env, name="doomed", redis_url=private_redis.url)
    token = token_for(UserFactory())

    reply = http(
        "POST",
        f"{web}/api/v1/demos/update_swallowing/runs/",
        token=token,
        data={"params": SMALL, "fresh": True},
    )
    assert reply.status == 202, reply.body
    run_id = reply.body["id"]

    def in_the_middle() -> bool:
        run = DemoRun.objects.get(pk=run_id)
        return run.status == DemoRun.Status.RUNNING and run.progress > 0.05

    wait_for(in_the_middle, timeout=30, what="the run to be half-way")
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    killed = DemoRun.objects.get(pk=run_id)
    assert killed.status == DemoRun.Status.RUNNING and killed.attempts == 1
    assert _log_lines(log) == [f"start {run_id} 1"]

    services.worker(env, name="replacement", redis_url=private_redis.url)
    run = wait_for(
        lambda: (r := DemoRun.objects.get(pk=run_id)).is_finished and r,
        timeout=30,
        what="the run to finish on the new worker",
        every=0.2,
    )
    assert run.status == DemoRun.Status.SUCCEEDED, run.error
    assert run.attempts == 2
    assert run.progress == 1.0 and run.result["demo"] == "update_swallowing"
    assert run.error == ""

    # No third delivery after the visibility timeout: one result, stored once.
    time.sleep(4)
    assert _log_lines(log) == [
        f"start {run_id} 1",
        f"start {run_id} 2",
        f"finish {run_id} 2",
    ]
    again = DemoRun.objects.get(pk=run_id)
    assert (again.attempts, again.status, again.finished_at) == (
        2,
        DemoRun.Status.SUCCEEDED,
        run.finished_at,
    )
    assert DemoRun.objects.count() == 1
    detail = http("GET", f"{web}/api/v1/demos/runs/{run_id}/", token=token)
    assert detail.status == 200
    assert detail.body["status"] == "succeeded" and detail.body["attempts"] == 2
