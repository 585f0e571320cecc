"""A Celery worker killed (SIGKILL) in the middle of a demo run.

Late acks + ``reject_on_worker_lost`` leave the message unacknowledged in
Redis; once the visibility timeout has passed (a few seconds here, see
``settings_service``) a live worker takes it again, ``demo_run_execute``
re-claims the run left ``running`` (attempt 2) and stores one result.

Then the same for every kind of job (`tests.faults.kinds.KINDS`) at once:
``tests.faults.slow_claim`` holds each first attempt right after its claim,
a worker with a process per kind is killed while it holds them all, and the
lifecycle's ``claim`` makes each redelivery safe.
"""

from __future__ import annotations

import os
import signal
import time

import pytest
from django.apps import apps

from tests.factories import UserFactory
from tests.faults.conftest import database_url_for_services, http, token_for, wait_for
from tests.faults.kinds import KINDS, SMALL, wait_until_each_ends
from workers.models import DemoRun

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


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


def test_every_kind_whose_worker_is_killed_mid_job_finishes_once_on_a_new_worker(
    private_redis, services, tmp_path
):
    """One job of each kind, all claimed at once by a five-process worker that
    is then SIGKILLed: each comes back to a new worker, is claimed again
    (attempt 2) and succeeds once; no delivery after that."""
    log = tmp_path / "claims.log"
    env = services.env(
        redis_url=private_redis.url,
        database_url=database_url_for_services(),
        FAULTS_SLOW_FIRST_CLAIM="30",
        FAULTS_CLAIM_LOG=str(log),
    )
    web = services.web(env)
    ready = [
        (kind, user, {"user": user, **kind.prepare(user)})
        for kind, user in ((kind, kind.user()) for kind in KINDS)
    ]
    first = services.worker(
        env, name="doomed-all", redis_url=private_redis.url, concurrency=len(KINDS)
    )
    jobs = []
    for kind, user, ctx in ready:
        token = token_for(user)
        reply = kind.start(web, token, ctx)
        assert reply.status == 202, (kind.name, reply.body)
        jobs.append((kind, apps.get_model(kind.model), token, ctx, reply.body["id"]))

    def all_claimed() -> bool:
        return all(
            model.objects.filter(
                pk=job_id, status=model.Status.RUNNING, attempts=1
            ).exists()
            for _, model, _, _, job_id in jobs
        )

    wait_for(all_claimed, timeout=15, what="every kind's job to be claimed")
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    for kind, model, _, _, job_id in jobs:
        killed = model.objects.get(pk=job_id)
        assert (killed.status, killed.attempts) == (model.Status.RUNNING, 1), kind.name

    services.worker(env, name="replacement-all", redis_url=private_redis.url)
    wait_until_each_ends(web, jobs, after="on the new worker")

    # No third attempt after the visibility timeout: one outcome, stored once.
    # (A delivery that ``claim`` skips, a message restored while its job
    # ran past the test's short visibility timeout, does no work.)
    time.sleep(4)
    lines = [line for line in _log_lines(log) if line.startswith("claim ")]
    for kind, model, _, _, job_id in jobs:
        name = model._meta.label
        mine = [line for line in lines if line.split()[1:3] == [name, str(job_id)]]
        assert mine == [f"claim {name} {job_id} 1", f"claim {name} {job_id} 2"], (
            kind.name,
            mine,
        )
        again = model.objects.get(pk=job_id)
        assert (again.status, again.attempts) == (model.Status.SUCCEEDED, 2), kind.name
