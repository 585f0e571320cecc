"""Imports when the task queue (Redis) is down: a 503 that names the queue,
the job kept and marked not queued, and a retry by its owner (API and page).

The broker is made unreachable the way the demo tests do it: the task's
``apply_async`` raises kombu's ``OperationalError``. The fault test in
``tests/faults/test_redis_down.py`` does the same against a Redis it stops.
"""

from __future__ import annotations

import io
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from flashcards import interop
from flashcards.models import Deck, ImportJob
from studysite.errors import Unavailable
from tests.flashcards.test_interop import genanki_deck

pytestmark = pytest.mark.django_db

CSV = b"q,a\n1+1,2\n2+2,4\n"
MAPPING = {"columns": {"front": 0, "back": 1}, "header": False}


def broker_down():
    return mock.patch(
        "flashcards.tasks.import_run.apply_async",
        side_effect=OperationalError("Error 111 connecting to 127.0.0.1:6379."),
    )


def _csv_job(owner) -> ImportJob:
    return interop.import_job_create(owner=owner, filename="cards.csv", data=CSV)


def _not_queued(job: ImportJob) -> None:
    interop.import_job_map(job=job, columns={"front": 0, "back": 1}, header=False)
    with broker_down(), pytest.raises(Unavailable, match="import queue"):
        interop.import_job_start(job=job)


def _apkg(name: str = "deck.apkg") -> io.BytesIO:
    upload = io.BytesIO(genanki_deck())
    upload.name = name
    return upload


def _message(response) -> str:
    return response.json()["error"]["message"]


# --- the API ----------------------------------------------------------------------


def test_mapping_with_the_queue_down_is_503_and_the_job_is_marked_not_queued(
    learner, learner_api
):
    job = _csv_job(learner)
    with broker_down():
        response = learner_api.post(
            f"/api/v1/imports/{job.pk}/mapping/", MAPPING, format="json"
        )
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "unavailable"
    message = _message(response)
    assert "import queue is unavailable" in message
    assert f"/api/v1/imports/{job.pk}/retry/" in message
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.phase == "not_queued"
    assert "could not be queued" in job.error and "retry" in job.error
    assert job.finished_at is not None
    assert job.options["columns"] == {"front": 0, "back": 1}  # the mapping is kept
    detail = learner_api.get(f"/api/v1/imports/{job.pk}/").json()
    assert detail["state"] == "failed" and detail["phase"] == "not_queued"
    assert detail["retryable"] is True
    assert detail["links"]["retry"] == f"/api/v1/imports/{job.pk}/retry/"
    assert not Deck.objects.filter(owner=learner).exists()


def test_the_owner_retries_once_the_queue_is_back(learner, learner_api):
    job = _csv_job(learner)
    with broker_down():
        learner_api.post(f"/api/v1/imports/{job.pk}/mapping/", MAPPING, format="json")
        still_down = learner_api.post(f"/api/v1/imports/{job.pk}/retry/")
    assert still_down.status_code == 503
    assert ImportJob.objects.get(pk=job.pk).phase == "not_queued"  # still retryable
    response = learner_api.post(f"/api/v1/imports/{job.pk}/retry/")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["state"] == "done" and body["retryable"] is False
    assert body["result"]["notes"] == 3 and body["error"] == ""
    assert Deck.objects.filter(owner=learner).count() == 1
    again = learner_api.post(f"/api/v1/imports/{job.pk}/retry/")
    assert again.status_code == 409
    assert "only an import that could not be queued" in _message(again)
    assert Deck.objects.filter(owner=learner).count() == 1


def test_an_upload_with_the_queue_down_is_503_naming_the_kept_job(learner_api):
    with broker_down():
        response = learner_api.post(
            "/api/v1/imports/", {"file": _apkg()}, format="multipart"
        )
    assert response.status_code == 503
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED and job.phase == "not_queued"
    assert f"import {job.pk} is kept" in _message(response)
    retried = learner_api.post(f"/api/v1/imports/{job.pk}/retry/")
    assert retried.status_code == 202
    assert retried.json()["result"]["notes"] == 3


def test_retry_is_refused_for_jobs_that_were_queued_or_failed_otherwise(
    learner, learner_api
):
    mapping = _csv_job(learner)
    assert learner_api.post(f"/api/v1/imports/{mapping.pk}/retry/").status_code == 409
    with mock.patch("flashcards.tasks.import_run.apply_async"):  # queued, no worker
        learner_api.post(
            f"/api/v1/imports/{mapping.pk}/mapping/", MAPPING, format="json"
        )
    waiting = learner_api.post(f"/api/v1/imports/{mapping.pk}/retry/")
    assert waiting.status_code == 409
    assert "waiting for a worker" in _message(waiting)
    bad = ImportJob.objects.create(
        owner=learner,
        kind="csv",
        status=ImportJob.Status.FAILED,
        filename="x.csv",
        data=b"",
        error="Nothing was imported. Row 2: no front.",
    )
    refused = learner_api.post(f"/api/v1/imports/{bad.pk}/retry/")
    assert refused.status_code == 409
    assert learner_api.get(f"/api/v1/imports/{bad.pk}/").json()["retryable"] is False


def test_another_users_job_cannot_be_retried(learner, other_learner, api):
    job = _csv_job(learner)
    _not_queued(job)
    api.force_authenticate(other_learner)
    assert api.post(f"/api/v1/imports/{job.pk}/retry/").status_code == 404
    api.force_authenticate(None)
    assert api.post(f"/api/v1/imports/{job.pk}/retry/").status_code in (401, 403)
    assert ImportJob.objects.get(pk=job.pk).phase == "not_queued"


def test_a_job_stuck_pending_past_the_queue_timeout_may_be_retried(
    learner, learner_api, settings
):
    """A job whose message was lost (or queued by a version that lost it on a
    down broker) waits in ``pending``; past the timeout its owner queues it."""
    settings.FLASHCARDS_IMPORT_QUEUE_TIMEOUT = 600
    job = _csv_job(learner)
    interop.import_job_map(job=job, columns={"front": 0, "back": 1}, header=False)
    ImportJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - timedelta(minutes=11)
    )
    body = learner_api.get(f"/api/v1/imports/{job.pk}/").json()
    assert body["state"] == "pending" and body["retryable"] is True
    response = learner_api.post(f"/api/v1/imports/{job.pk}/retry/")
    assert response.status_code == 202
    assert response.json()["state"] == "done"


def test_a_message_superseded_by_a_retry_imports_nothing(learner):
    """The lost message turning up after the retry must not import twice."""
    job = _csv_job(learner)
    interop.import_job_map(job=job, columns={"front": 0, "back": 1}, header=False)
    with mock.patch("flashcards.tasks.import_run.apply_async") as sent:
        interop.import_job_start(job=job)
    first_id = sent.call_args.kwargs["task_id"]
    ImportJob.objects.filter(pk=job.pk).update(
        options={**ImportJob.objects.get(pk=job.pk).options, "queued_at": None},
        created_at=timezone.now() - timedelta(hours=1),
    )
    job.refresh_from_db()
    with mock.patch("flashcards.tasks.import_run.apply_async") as resent:
        interop.import_job_retry(job=job)
    second_id = resent.call_args.kwargs["task_id"]
    assert second_id != first_id
    late = interop.import_job_run(job_id=job.pk, task_id=first_id)
    assert late.status == ImportJob.Status.QUEUED
    assert not Deck.objects.filter(owner=learner).exists()
    done = interop.import_job_run(job_id=job.pk, task_id=second_id)
    assert done.status == ImportJob.Status.SUCCEEDED
    assert interop.import_job_run(job_id=job.pk, task_id=second_id).deck == done.deck
    assert Deck.objects.filter(owner=learner).count() == 1


def test_a_redelivered_message_runs_a_job_its_worker_lost(learner):
    job = _csv_job(learner)
    interop.import_job_map(job=job, columns={"front": 0, "back": 1}, header=False)
    with mock.patch("flashcards.tasks.import_run.apply_async") as sent:
        interop.import_job_start(job=job)
    task_id = sent.call_args.kwargs["task_id"]
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now()
    )
    assert interop.import_job_run(job_id=job.pk, task_id=task_id).status == "done"


# --- the pages --------------------------------------------------------------------


def test_the_mapping_page_with_the_queue_down_is_503_with_a_retry_button(
    learner, client
):
    client.force_login(learner)
    job = _csv_job(learner)
    url = f"/imports/{job.pk}/"
    with broker_down():
        response = client.post(
            url, {"col_front": "0", "col_back": "1", "default_type": "basic"}
        )
    assert response.status_code == 503
    page = response.content.decode()
    assert "import queue is unavailable" in page
    assert "could not be queued" in page
    assert 'name="action" value="retry"' in page and ">Retry</button>" in page
    status = client.get(f"/imports/{job.pk}/status/").content.decode()
    assert ">Retry</button>" in status and "hx-trigger" not in status
    with broker_down():
        refused = client.post(url, {"action": "retry"})
    assert refused.status_code == 503
    retried = client.post(url, {"action": "retry"})
    assert retried.status_code == 302 and retried["Location"] == url
    job.refresh_from_db()
    assert job.status == ImportJob.Status.SUCCEEDED and job.deck.notes.count() == 3
    page = client.get(url).content.decode()
    assert "Imported 3 new notes" in page and ">Retry</button>" not in page
    assert client.post(url, {"action": "retry"}).status_code == 409


def test_an_upload_page_with_the_queue_down_is_503_showing_the_kept_job(
    learner, client
):
    client.force_login(learner)
    with broker_down():
        response = client.post("/decks/import/", {"file": _apkg()})
    assert response.status_code == 503
    page = response.content.decode()
    job = ImportJob.objects.get()
    assert "import queue is unavailable" in page and ">Retry</button>" in page
    assert f'action="/imports/{job.pk}/"' in page


def test_another_users_import_page_cannot_retry(learner, other_learner, client):
    job = _csv_job(learner)
    _not_queued(job)
    client.force_login(other_learner)
    assert client.post(f"/imports/{job.pk}/", {"action": "retry"}).status_code == 404
    assert ImportJob.objects.get(pk=job.pk).phase == "not_queued"
