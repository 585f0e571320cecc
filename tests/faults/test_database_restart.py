"""The database goes away and comes back: ``/healthz`` says so, the site recovers
without a restart of the web process.

Three cases, none touching the machine's own Postgres cluster:

- a private throwaway cluster is stopped (``pg_ctl stop -m fast``) and started
  again under a running gunicorn: ``/healthz`` answers 503 quickly while it is
  down, then 200, and the API works on the same worker processes;
- every connection of the web process to the test database is terminated
  (``pg_terminate_backend``, what a database restart or failover does to
  clients): the next requests succeed (``CONN_HEALTH_CHECKS``);
- the same for a worker's processes while each holds one job of every kind
  (`tests.faults.kinds.KINDS`): each task retries and succeeds on attempt 2.
"""

from __future__ import annotations

import os
import subprocess
import sys

import psutil
import pytest
from django.apps import apps
from django.db import connection

from tests.factories import UserFactory
from tests.faults.conftest import (
    ROOT,
    database_url_for_services,
    http,
    token_for,
    wait_for,
)
from tests.faults.kinds import KINDS, wait_until_each_ends

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _gunicorn_workers(web_proc: subprocess.Popen) -> set[int]:
    return {p.pid for p in psutil.Process(web_proc.pid).children()}


def test_healthz_reports_a_stopped_database_and_the_site_recovers_without_restart(
    private_cluster, private_redis, services
):
    env = services.env(redis_url=private_redis.url, database_url=private_cluster.url)
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert migrate.returncode == 0, migrate.stderr[-2000:]
    web = services.web(env)
    workers = _gunicorn_workers(services.procs[-1])
    signup = http(
        "POST",
        f"{web}/api/v1/auth/signup/",
        data={"username": "ada", "password": "a-long-enough-password-1"},
    )
    assert signup.status == 201, signup.body
    token = signup.body["token"]
    assert http("GET", f"{web}/healthz").status == 200

    private_cluster.stop()
    down = http("GET", f"{web}/healthz")
    assert down.status == 503, down.body
    assert down.body["status"] == "error"
    assert down.body["database"]["status"] == "error"
    assert down.body["broker"]["status"] == "ok"
    assert down.seconds < 5, down.seconds
    assert http("GET", f"{web}/healthz").status == 503  # still down, still quick

    private_cluster.start()
    up = http("GET", f"{web}/healthz")
    assert up.status == 200, up.body
    assert up.body["database"]["status"] == "ok"
    for _ in range(4):  # every thread's connection, not just the first
        me = http("GET", f"{web}/api/v1/auth/me/", token=token)
        assert me.status == 200, me.body
    deck = http("POST", f"{web}/api/v1/decks/", token=token, data={"title": "After"})
    assert deck.status == 201, deck.body
    assert _gunicorn_workers(services.procs[-1]) == workers  # no worker restarted


def test_requests_succeed_after_the_database_drops_every_connection(
    private_redis, services
):
    app_name = f"faults-web-{os.getpid()}"
    env = services.env(
        redis_url=private_redis.url,
        database_url=database_url_for_services(application_name=app_name),
    )
    web = services.web(env)
    token = token_for(UserFactory())
    for _ in range(4):
        assert http("GET", f"{web}/api/v1/auth/me/", token=token).status == 200

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = %s",
            [app_name],
        )
        (terminated,) = cursor.fetchone()
    assert terminated >= 1

    for _ in range(6):
        me = http("GET", f"{web}/api/v1/auth/me/", token=token)
        assert me.status == 200, me.body
    assert http("GET", f"{web}/healthz").status == 200


def test_every_kind_whose_worker_loses_its_database_connection_mid_job_succeeds(
    private_redis, services, tmp_path
):
    """One job of each kind, all claimed at once (``tests.faults.slow_claim``
    holds them); the database drops every connection of the worker's
    processes: each task's next query fails, the task retries
    (``JobTask.autoretry_for``), claims its job again (attempt 2) on a fresh
    connection and succeeds."""
    worker_app = f"faults-worker-{os.getpid()}"
    log = tmp_path / "claims.log"
    web = services.web(
        services.env(
            redis_url=private_redis.url, database_url=database_url_for_services()
        )
    )
    worker_env = services.env(
        redis_url=private_redis.url,
        database_url=database_url_for_services(application_name=worker_app),
        FAULTS_SLOW_FIRST_CLAIM="4",
        # No redelivery of a held message: the retry is the second delivery.
        FAULTS_VISIBILITY_TIMEOUT="60",
        FAULTS_CLAIM_LOG=str(log),
    )
    ready = [
        (kind, user, {"user": user, **kind.prepare(user)})
        for kind, user in ((kind, kind.user()) for kind in KINDS)
    ]
    services.worker(
        worker_env, name="cut-off", redis_url=private_redis.url, concurrency=len(KINDS)
    )
    jobs = []
    for kind, user, ctx in ready:
        token = token_for(user)
        reply = kind.start(web, token, ctx)
        assert reply.status == 202, (kind.name, reply.body)
        jobs.append((kind, apps.get_model(kind.model), token, ctx, reply.body["id"]))

    def all_claimed() -> bool:
        return all(
            model.objects.filter(pk=job_id, status=model.Status.RUNNING).exists()
            for _, model, _, _, job_id in jobs
        )

    wait_for(all_claimed, timeout=10, what="every kind's job to be claimed")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = %s",
            [worker_app],
        )
        (terminated,) = cursor.fetchone()
    assert terminated >= len(KINDS)

    wait_until_each_ends(web, jobs, after="after the connections dropped")
    lines = log.read_text().splitlines()
    for kind, model, _, _, job_id in jobs:
        name = model._meta.label
        mine = [line for line in lines if line.split()[1:3] == [name, str(job_id)]]
        assert mine == [f"claim {name} {job_id} 1", f"claim {name} {job_id} 2"], (
            kind.name,
            mine,
        )
