"""The GPU worker path end to end: API, broker, a worker consuming ``gpu``.

Runs with the integration tests (``STUDYSITE_INTEGRATION=1``; ``make
gpu-check`` starts a throwaway Redis for it). On a machine with a CUDA device
every demo is placed on the ``gpu`` queue, runs on torch there, names the GPU
and shows it on its page; without one the same path places it on ``demos``
(numpy on the CPU), which is what this test checks here.
"""

from __future__ import annotations

import time

import pytest

from tests.workers.test_demo_integration import _wait_finished
from workers import dispatch
from workers.demos import DEMOS
from workers.models import DemoRun

pytestmark = [pytest.mark.integration]

# Small runs: the point is the path, not the figures.
SMALL: dict[str, dict] = {
    "range_precision": {"points_per_octave": 2},
    "update_swallowing": {"steps": 300, "max_points": 30},
    "loss_scaling": {"count": 2000, "steps": 100, "batch": 16},
    "quantization": {"rows": 32, "cols": 64},
    "matmul_throughput": {"min_size": 256, "max_size": 512, "repeats": 2},
    "mixed_precision_training": {"steps": 60, "hidden": 32, "batch": 64},
}


def _cuda_name() -> str | None:
    try:
        import torch
    except ImportError:
        return None
    return torch.cuda.get_device_name() if torch.cuda.is_available() else None


def _wait_for_probe(expect_gpu: bool, timeout: float = 120) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        found = dispatch.gpu_workers(refresh=True)
        if bool(found) == expect_gpu or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def test_every_demo_listed_here_has_small_parameters():
    assert set(SMALL) == set(DEMOS)


@pytest.mark.django_db(transaction=True)
def test_each_demo_runs_from_the_api_on_the_device_its_placement_chose(
    celery_worker, learner_api, client, learner
):
    gpu = _cuda_name()
    workers = _wait_for_probe(expect_gpu=gpu is not None)
    assert bool(workers) == (gpu is not None), workers
    client.force_login(learner)
    for name, params in SMALL.items():
        response = learner_api.post(
            f"/api/v1/demos/{name}/runs/", {"params": params}, format="json"
        )
        assert response.status_code == 202, response.content
        body = response.json()
        if gpu:
            assert (body["queue"], body["device_kind"]) == ("gpu", "gpu"), body
        else:
            assert (body["queue"], body["device_kind"]) == ("demos", "cpu"), body
        run = _wait_finished(body["id"], timeout=300)
        assert run.status == DemoRun.Status.SUCCEEDED, (name, run.error)
        if gpu:
            assert gpu in run.device_label and run.device.startswith("cuda")
        else:
            assert run.device_label.startswith("CPU, numpy")
        page = client.get(f"/demos/runs/{run.pk}/")
        assert page.status_code == 200
        html = page.content.decode()
        assert run.device_label in html, name
        assert "<svg" in html, name
