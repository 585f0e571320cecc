"""The scheduler settings page: parameters, optimize, last fits, simulator."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.workers.test_scheduler_data import give_history
from workers import scheduler_services as services
from workers.models import SchedulerFit, SchedulerSimulation

pytestmark = pytest.mark.django_db
PAGE = "/settings/scheduler/"


@pytest.fixture
def client_in(learner) -> Client:
    client = Client()
    client.force_login(learner)
    return client


def test_the_page_needs_sign_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_too_little_history_says_how_many_reviews_are_needed(learner, client_in):
    give_history(learner, 40)
    page = client_in.get(PAGE).content.decode()
    assert "Not enough review history to optimize yet" in page
    assert "at least 80" in page
    assert "Optimize now" not in page
    assert "FSRS-6 defaults" in page


def test_optimize_now_shows_both_figures_and_what_changed(learner, client_in):
    give_history(learner, 3000)
    response = client_in.post("/settings/scheduler/fits/", {"reschedule": "on"})
    assert response.status_code == 302
    fit = SchedulerFit.objects.get()
    assert fit.reschedule and fit.status == "succeeded"
    page = client_in.get(PAGE).content.decode()
    assert f"Fit #{fit.pk}: succeeded" in page
    assert "RMSE over bins" in page and "log loss" in page
    assert "What changed" in page and "forgetting curve decay" in page
    assert f"{fit.old_metrics['log_loss']:.4f}" in page
    assert "Fitted to your reviews" in page


def test_optimize_with_too_little_history_shows_the_message(learner, client_in):
    give_history(learner, 40)
    response = client_in.post("/settings/scheduler/fits/", follow=True)
    assert "Not enough review history" in response.content.decode()
    assert not SchedulerFit.objects.exists()


def test_an_unfinished_fit_panel_polls_and_another_learners_is_404(
    learner, other_learner, client_in
):
    give_history(learner, 3000)
    fit, _ = services.scheduler_fit_create(learner=learner)
    panel = client_in.get(f"/settings/scheduler/fits/{fit.pk}/panel/").content.decode()
    assert 'hx-trigger="every 1s"' in panel and "<progress" in panel
    give_history(other_learner, 3000)
    theirs, _ = services.scheduler_fit_create(learner=other_learner)
    assert (
        client_in.get(f"/settings/scheduler/fits/{theirs.pk}/panel/").status_code == 404
    )


def test_the_simulator_draws_charts_with_a_table_behind_them(client_in):
    response = client_in.post(
        "/settings/scheduler/simulations/",
        {
            "desired_retentions": "0.8, 0.9",
            "deck_size": 100,
            "learn_per_day": 10,
            "days": 30,
        },
    )
    assert response.status_code == 302
    sim = SchedulerSimulation.objects.get()
    page = client_in.get(PAGE).content.decode()
    assert "<svg" in page and 'role="img"' in page
    assert "Reviews per day (weekly mean)" in page and "Numbers in this chart" in page
    assert "minutes per day" in page
    panel = client_in.get(f"/settings/scheduler/simulations/{sim.pk}/panel/")
    assert panel.status_code == 200 and "hx-trigger" not in panel.content.decode()


def test_bad_simulator_input_shows_the_field_error(client_in):
    response = client_in.post(
        "/settings/scheduler/simulations/",
        {
            "desired_retentions": "0.5",
            "deck_size": 100,
            "learn_per_day": 10,
            "days": 30,
        },
    )
    assert response.status_code == 400
    assert "from 0.7 to 0.99" in response.content.decode()
    response = client_in.post(
        "/settings/scheduler/simulations/",
        {
            "desired_retentions": "abc",
            "deck_size": 100,
            "learn_per_day": 10,
            "days": 30,
        },
    )
    assert response.status_code == 400 and "Give numbers" in response.content.decode()


def test_reschedule_button_reports_how_many_cards(learner, client_in):
    give_history(learner, 500)
    response = client_in.post("/settings/scheduler/reschedule/", follow=True)
    assert "review cards were recomputed" in response.content.decode()
