"""Scheduler fits: on demand, weekly, kept unless better, failures change nothing."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from flashcards import fitting, parameters
from flashcards.fitting import training
from flashcards.models import CardMemory
from flashcards.scheduling import State
from tests.workers.test_scheduler_data import give_history
from workers import scheduler_services as services
from workers import selectors
from workers.models import SchedulerFit

pytestmark = pytest.mark.django_db
FITS = "/api/v1/scheduler/fits/"


def test_optimize_now_fits_and_the_better_parameters_become_the_learners(
    learner, learner_api
):
    give_history(learner, 3000)
    assert parameters.learner_parameters(learner) is None
    response = learner_api.post(FITS, {}, format="json")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "succeeded" and body["accepted"] is True  # eager
    assert body["new_metrics"]["log_loss"] < body["old_metrics"]["log_loss"]
    assert {"log_loss", "rmse_bins", "auc"} <= set(body["new_metrics"])
    assert body["old_parameters"] == list(fitting.DEFAULT_PARAMETERS)
    assert len(body["changes"]) == 21 and body["changes"][20]["index"] == 20
    assert body["train_reviews"] + body["holdout_reviews"] == 1798
    assert parameters.learner_parameters(learner) == body["new_parameters"]
    params = learner_api.get("/api/v1/scheduler/parameters/").json()
    assert params["source"] == "fit" and params["fit"] == body["id"]
    assert params["parameters"] == body["new_parameters"]
    assert params["can_fit"] is True and params["recent_fits"][0]["id"] == body["id"]


def test_too_little_history_is_a_409_saying_how_many_reviews_are_needed(
    learner, learner_api
):
    give_history(learner, 60)
    counts = selectors.history_counts(learner=learner)
    response = learner_api.post(FITS, {}, format="json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "not_enough_history"
    assert f"at least {fitting.MIN_REVIEWS_FOR_FIT} reviews" in error["message"]
    assert f"you have {counts.usable}" in error["message"]
    assert not SchedulerFit.objects.exists()
    params = learner_api.get("/api/v1/scheduler/parameters/").json()
    assert params["can_fit"] is False and params["reviews_needed"] == 80
    assert params["reviews_available"] == counts.usable < 80


def test_a_fit_returning_non_finite_parameters_fails_and_changes_nothing(
    learner, learner_api
):
    give_history(learner, 3000)
    learner_api.post(FITS, {}, format="json")
    before = parameters.learner_parameters(learner)
    bad = [float("nan")] * 21
    with mock.patch.object(training, "compute_parameters", return_value=bad):
        body = learner_api.post(FITS, {}, format="json").json()
    assert body["status"] == "failed" and body["accepted"] is False
    assert "kept" in body["error"] and "finite" in body["error"]
    assert body["new_parameters"] is None
    assert parameters.learner_parameters(learner) == before


def test_an_optimizer_error_fails_the_fit_and_changes_nothing(learner, learner_api):
    give_history(learner, 3000)
    with mock.patch.object(
        training, "compute_parameters", side_effect=ValueError("boom")
    ):
        body = learner_api.post(FITS, {}, format="json").json()
    assert body["status"] == "failed" and "boom" in body["error"]
    assert parameters.learner_parameters(learner) is None


def test_new_parameters_that_predict_worse_are_not_used(learner, learner_api):
    give_history(learner, 3000)
    worse = list(fitting.DEFAULT_PARAMETERS)
    worse[:4] = [0.01, 0.01, 0.01, 0.01]  # forget everything at once
    with mock.patch.object(training, "compute_parameters", return_value=worse):
        body = learner_api.post(FITS, {}, format="json").json()
    assert body["status"] == "succeeded" and body["accepted"] is False
    assert body["new_metrics"]["log_loss"] > body["old_metrics"]["log_loss"]
    assert parameters.learner_parameters(learner) is None
    assert learner_api.get("/api/v1/scheduler/parameters/").json()["source"] == (
        "default"
    )


def test_another_learners_fit_is_a_404(learner, other_learner, learner_api):
    give_history(other_learner, 3000)
    fit, _ = services.scheduler_fit_create(learner=other_learner)
    assert learner_api.get(f"{FITS}{fit.pk}/").status_code == 404
    mine = learner_api.get(f"{FITS}999999/")
    assert mine.status_code == 404


def test_signed_out_requests_are_refused(api):
    assert api.post(FITS, {}, format="json").status_code in (401, 403)
    assert api.get("/api/v1/scheduler/parameters/").status_code in (401, 403)


def test_unknown_fields_and_invisible_decks_are_refused(
    learner, other_learner, learner_api
):
    response = learner_api.post(FITS, {"scope": "all"}, format="json")
    assert response.status_code == 400 and "scope" in response.json()["error"]["fields"]
    private = give_history(other_learner, 100, title="Private")
    assert learner_api.post(FITS, {"deck": private.pk}, format="json").status_code == (
        404
    )


def test_a_second_request_gets_the_fit_in_flight(learner, learner_api):
    give_history(learner, 3000)
    queued, created = services.scheduler_fit_create(learner=learner)
    assert created
    response = learner_api.post(FITS, {}, format="json")
    assert response.status_code == 200
    assert response.json()["id"] == queued.pk and response.json()["created"] is False


def test_a_fit_queued_with_no_worker_expires_and_a_new_one_can_start(
    learner, learner_api
):
    give_history(learner, 3000)
    stale, _ = services.scheduler_fit_create(learner=learner)
    SchedulerFit.objects.filter(pk=stale.pk).update(
        created_at=timezone.now() - timedelta(hours=1)
    )
    body = learner_api.get(f"{FITS}{stale.pk}/").json()
    assert body["status"] == "failed" and "No worker" in body["error"]
    assert learner_api.post(FITS, {}, format="json").status_code == 202


def test_a_broker_that_is_down_is_a_503_and_the_fit_is_marked_failed(
    learner, learner_api
):
    give_history(learner, 3000)
    with mock.patch(
        "workers.tasks.scheduler_fit.apply_async",
        side_effect=OperationalError("down"),
    ):
        response = learner_api.post(FITS, {}, format="json")
    assert response.status_code == 503
    fit = SchedulerFit.objects.get()
    assert fit.status == "failed" and "broker" in fit.error


def test_running_a_finished_fit_again_changes_nothing(learner, learner_api):
    give_history(learner, 3000)
    body = learner_api.post(FITS, {}, format="json").json()
    assert services.scheduler_fit_execute(body["id"]) == "skipped"
    assert SchedulerFit.objects.get().attempts == 1


def test_a_deck_fit_is_used_for_that_deck_before_the_learners_own(learner):
    first = give_history(learner, 3000, title="First")
    second = give_history(learner, 3000, seed=2, title="Second")
    services.scheduler_fit_request(learner=learner)
    overall = parameters.learner_parameters(learner)
    fit, _ = services.scheduler_fit_request(learner=learner, deck=first)
    fit.refresh_from_db()
    assert fit.scope == f"deck:{first.pk}" and fit.review_count == 3000
    if fit.accepted:
        assert parameters.learner_parameters(learner, first) == fit.new_parameters
    assert parameters.learner_parameters(learner, second) == overall
    options = parameters.deck_options_for(learner=learner, deck=second)
    assert list(options.parameters) == overall
    assert options.desired_retention == second.scheduling_options.desired_retention


def test_an_accepted_fit_with_reschedule_moves_due_dates(learner, learner_api):
    give_history(learner, 3000)
    before = dict(CardMemory.objects.values_list("pk", "due"))
    body = learner_api.post(FITS, {"reschedule": True}, format="json").json()
    assert body["accepted"] and body["rescheduled_cards"] > 0
    after = dict(CardMemory.objects.values_list("pk", "due"))
    assert sum(before[k] != after[k] for k in before) == body["rescheduled_cards"]


def test_weekly_fits_only_learners_with_enough_new_reviews(
    learner, other_learner, teacher
):
    give_history(learner, 3000)
    give_history(other_learner, 50)  # too few reviews to be a candidate
    assert services.scheduler_fits_request_weekly() == {
        "queued": 1,
        "skipped": 0,
        "failed": 0,
    }
    fit = SchedulerFit.objects.get()
    assert fit.learner == learner and fit.trigger == "weekly"
    assert fit.status == "succeeded"
    # nothing new since: no second fit
    assert services.scheduler_fits_request_weekly()["queued"] == 0
    give_history(learner, 200, seed=5, title="More")
    assert services.scheduler_fits_request_weekly()["queued"] == 1


def test_weekly_skips_a_learner_whose_reviews_are_all_same_day(learner):
    give_history(learner, 100)
    with mock.patch.object(
        selectors,
        "history_counts",
        return_value=selectors.HistoryCounts(100, 10, 80, 1),
    ):
        assert services.scheduler_fits_request_weekly()["skipped"] == 1
    assert not SchedulerFit.objects.exists()


def test_the_weekly_task_fans_out(learner):
    from workers.tasks import scheduler_fits_weekly

    give_history(learner, 3000)
    assert scheduler_fits_weekly.delay().get()["queued"] == 1


def test_reschedule_recomputes_review_cards_in_one_pass(learner, learner_api):
    deck = give_history(learner, 1000)
    learning = CardMemory.objects.filter(learner=learner).first()
    CardMemory.objects.filter(pk=learning.pk).update(state=State.LEARNING)
    learning.refresh_from_db()
    deck.options = {"desired_retention": 0.8, "enable_fuzz": False}
    deck.save()
    response = learner_api.post("/api/v1/scheduler/reschedule/", {}, format="json")
    assert response.status_code == 200
    count = response.json()["rescheduled"]
    assert count > 0
    decay = -fitting.DEFAULT_PARAMETERS[20]
    for memory in CardMemory.objects.filter(state=State.REVIEW)[:50]:
        days = fitting.next_intervals(
            [memory.stability], desired_retention=0.8, decay=decay
        )[0]
        assert memory.due == memory.last_review + timedelta(days=int(days))
        assert memory.version == 1
    untouched = CardMemory.objects.get(pk=learning.pk)
    assert untouched.due == learning.due and untouched.version == 0


def test_deck_options_map_gives_every_deck_the_learners_parameters(learner):
    first = give_history(learner, 3000, title="First")
    second = give_history(learner, 3000, seed=2, title="Second")
    services.scheduler_fit_request(learner=learner)
    services.scheduler_fit_request(learner=learner, deck=first)
    options = parameters.deck_options_map(learner=learner, decks=[first, second])
    for deck in (first, second):
        expected = parameters.deck_options_for(learner=learner, deck=deck)
        assert options[deck.pk] == expected
    assert list(options[second.pk].parameters) == parameters.learner_parameters(learner)
