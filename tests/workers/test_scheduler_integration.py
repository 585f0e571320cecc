"""A fit and a simulation through a real Celery worker (STUDYSITE_INTEGRATION=1)."""

from __future__ import annotations

import time

import pytest

from tests.workers.test_scheduler_data import give_history

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _wait(api, url: str) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        body = api.get(url).json()
        if body["status"] in ("succeeded", "failed"):
            return body
        time.sleep(0.2)
    raise AssertionError(f"{url} did not finish")


def test_a_fit_and_a_simulation_run_on_a_worker(celery_worker, learner, learner_api):
    give_history(learner, 3000)
    created = learner_api.post("/api/v1/scheduler/fits/", {}, format="json")
    assert created.status_code == 202
    fit = _wait(learner_api, created.json()["links"]["self"])
    assert fit["status"] == "succeeded" and fit["accepted"] is True
    sim = learner_api.post(
        "/api/v1/scheduler/simulations/",
        {"days": 30, "deck_size": 100, "desired_retentions": [0.8, 0.9]},
        format="json",
    )
    done = _wait(learner_api, sim.json()["links"]["self"])
    assert done["status"] == "succeeded" and done["parameters_source"] == "fit"
