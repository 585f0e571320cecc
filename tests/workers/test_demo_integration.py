"""Demo runs through the real broker and a real Celery worker process."""

from __future__ import annotations

import time

import pytest

from workers.demo_params import params_hash
from workers.demos import get_demo, json_safe
from workers.models import DemoRun

pytestmark = [pytest.mark.integration]
SMALL = {"steps": 300, "max_points": 30}


def _wait_finished(run_id: int, timeout: float = 90) -> DemoRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = DemoRun.objects.get(pk=run_id)
        if run.is_finished:
            return run
        time.sleep(0.2)
    pytest.fail(f"run {run_id} did not finish: {DemoRun.objects.get(pk=run_id).status}")


@pytest.mark.django_db(transaction=True)
def test_a_demo_run_goes_through_the_real_worker(celery_worker, learner_api):
    response = learner_api.post(
        "/api/v1/demos/update_swallowing/runs/", {"params": SMALL}, format="json"
    )
    assert response.status_code == 202, response.content
    body = response.json()
    # The test worker consumes "gpu" too but has no CUDA device: CPU placement.
    assert body["queue"] == "demos" and body["device_kind"] == "cpu"
    run = _wait_finished(body["id"])
    assert run.status == DemoRun.Status.SUCCEEDED, run.error
    assert run.progress == 1.0
    assert run.attempts == 1
    assert run.result["summary"]
    assert run.device_label.startswith("CPU, numpy")
    detail = learner_api.get(f"/api/v1/demos/runs/{run.pk}/").json()
    assert detail["status"] == "succeeded" and detail["progress"] == 1.0


@pytest.mark.django_db(transaction=True)
def test_a_run_delivered_twice_produces_one_result(celery_worker):
    from workers.tasks import demo_run

    clean = get_demo("update_swallowing").validate_params(SMALL)
    run = DemoRun.objects.create(
        demo="update_swallowing",
        params=json_safe(clean),
        params_hash=params_hash(clean),
    )
    first = demo_run.apply_async(args=[run.pk])
    second = demo_run.apply_async(args=[run.pk])
    outcomes = sorted(
        [first.get(timeout=90)["outcome"], second.get(timeout=90)["outcome"]]
    )
    # Sequential deliveries: succeeded + skipped; overlapping ones: the newer
    # attempt wins and the older one stops (superseded) without writing.
    assert outcomes.count("succeeded") == 1, outcomes
    assert set(outcomes) - {"succeeded"} <= {"skipped", "superseded"}
    run.refresh_from_db()
    assert run.status == DemoRun.Status.SUCCEEDED
    assert run.progress == 1.0
    assert run.result["demo"] == "update_swallowing"
    assert run.attempts in (1, 2)


@pytest.mark.django_db(transaction=True)
def test_the_worker_reports_its_queues_and_cuda_probe(celery_worker):
    from studysite.celery import app
    from workers import dispatch

    deadline = time.monotonic() + 90
    info: dict = {}
    while time.monotonic() < deadline:
        replies = app.control.broadcast(
            dispatch.CONTROL_COMMAND, reply=True, timeout=1.0
        )
        mine = [i for r in replies for n, i in r.items() if n.startswith("test-")]
        info = mine[0] if mine else {}
        if info.get("state") == "done":
            break
        time.sleep(0.5)
    assert info.get("state") == "done", info
    assert {"default", "demos", "gpu"} <= set(info["queues"])
    assert info["cuda"] is None  # CPU torch (or none) here: not a GPU worker
    assert dispatch.gpu_workers(refresh=True) == []
