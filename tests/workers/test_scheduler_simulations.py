"""The simulator ("help me decide"): a year per desired retention, with progress."""

from __future__ import annotations

import pytest

from tests.workers.test_scheduler_data import give_history
from workers.models import SchedulerSimulation

pytestmark = pytest.mark.django_db
SIMS = "/api/v1/scheduler/simulations/"
SMALL = {"days": 60, "deck_size": 200, "learn_per_day": 10}


def test_a_simulation_runs_each_retention_and_summarizes_the_workload(learner_api):
    response = learner_api.post(
        SIMS, {**SMALL, "desired_retentions": [0.95, 0.8, 0.9]}, format="json"
    )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "succeeded" and body["progress"] == 1.0
    assert body["parameters_source"] == "default"
    result = body["result"]
    assert result["retentions"] == [0.8, 0.9, 0.95]
    assert len(result["series"][0]["reviews_per_day"]) == 60
    summary = result["summary"]
    assert [row["desired_retention"] for row in summary] == [0.8, 0.9, 0.95]
    assert summary[0]["average_reviews"] < summary[2]["average_reviews"]
    assert all(row["average_minutes"] > 0 for row in summary)
    again = learner_api.get(f"{SIMS}{body['id']}/").json()
    assert again["result"] == result


def test_the_simulation_uses_the_learners_fitted_parameters_and_answer_time(
    learner, learner_api
):
    give_history(learner, 3000)
    learner_api.post("/api/v1/scheduler/fits/", {}, format="json")
    body = learner_api.post(SIMS, SMALL, format="json").json()
    assert body["parameters_source"] == "fit"
    assert 2 <= body["params"]["seconds_per_review"] <= 20  # synthetic 2-20 s


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"desired_retentions": [0.5]}, "desired_retentions"),
        ({"desired_retentions": []}, "desired_retentions"),
        ({"desired_retentions": [0.8] * 11}, "desired_retentions"),
        ({"days": 0}, "days"),
        ({"deck_size": 10**6}, "deck_size"),
        ({"seconds_per_review": 0}, "seconds_per_review"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_simulation_input_is_a_400_naming_the_field(learner_api, data, field):
    response = learner_api.post(SIMS, data, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not SchedulerSimulation.objects.exists()


def test_another_learners_simulation_is_a_404(other_learner, learner_api):
    from workers.simulation_services import scheduler_simulation_request

    sim = scheduler_simulation_request(learner=other_learner, data=SMALL)
    assert learner_api.get(f"{SIMS}{sim.pk}/").status_code == 404


def test_a_failed_simulation_says_why(learner_api, monkeypatch):
    from flashcards import fitting

    def broken(*args, **kwargs):
        raise RuntimeError("simulator exploded")

    monkeypatch.setattr(fitting, "simulate_workload", broken)
    body = learner_api.post(SIMS, SMALL, format="json").json()
    assert body["status"] == "failed" and "simulator exploded" in body["error"]
