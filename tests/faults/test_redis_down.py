"""Redis stopped: reviews and quizzes go on, background work says 503, nothing
queued is lost once Redis is back.

The web process runs the service's real cache (``ResilientRedisCache``) and
broker on a private, persistent Redis that the test stops and starts again.
No worker runs until Redis is back, so the run queued before the outage can
only finish if its message survived.

Then every kind of job (`tests.faults.kinds.KINDS`), one case each on one
shared web process and worker: started while Redis is down it answers 503
with the one error body and its row is failed, not left queued; once Redis
is back a new one is accepted and succeeds.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.conf import settings

from lessons.models import GenerationJob
from tests.factories import TeacherFactory, UserFactory
from tests.faults.conftest import (
    Services,
    database_url_for_services,
    http,
    token_for,
    wait_for,
)
from tests.faults.kinds import KINDS, SMALL
from tests.lessons.classes_factories import class_with
from tests.lessons.quiz_factories import QuizFactory
from tests.studysite.redis_server import RedisServer
from workers.models import DemoRun
from workers.services import BROKER_DOWN_ERROR

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _deck_with_cards(web: str, token: str, cards: int) -> int:
    deck = http("POST", f"{web}/api/v1/decks/", token=token, data={"title": "Bf16"})
    assert deck.status == 201, deck.body
    for i in range(cards):
        note = http(
            "POST",
            f"{web}/api/v1/decks/{deck.body['id']}/notes/",
            token=token,
            data={"type": "basic", "fields": {"front": f"q{i}", "back": f"a{i}"}},
        )
        assert note.status == 201, note.body
    return deck.body["id"]


def _study_three_cards(web: str, token: str, deck: int) -> None:
    queue = http("GET", f"{web}/api/v1/study/queue?deck={deck}&limit=1", token=token)
    assert queue.status == 200, queue.body
    card = queue.body["cards"][0]
    for _ in range(3):
        review = http(
            "POST",
            f"{web}/api/v1/reviews/",
            token=token,
            data={
                "card": card["id"],
                "rating": 3,
                "client_review_id": str(uuid.uuid4()),
                "duration_ms": 2500,
                "version": card["version"],
                "next": {"deck": deck, "limit": 1},
            },
        )
        assert review.status == 201, review.body
        card = review.body["queue"]["cards"][0]


def _practice_quiz(web: str, token: str) -> None:
    attempt = http(
        "POST", f"{web}/api/v1/attempts/practice/", token=token, data={"count": 2}
    )
    assert attempt.status == 201, attempt.body
    attempt_id = attempt.body["id"]
    item = attempt.body["items"][0]
    part = item["parts"][0]
    answer = http(
        "PUT",
        f"{web}/api/v1/attempts/{attempt_id}/answers/",
        token=token,
        data={"item": item["position"], "part": part["key"], "text": "42"},
    )
    assert answer.status == 200, answer.body
    submitted = http("POST", f"{web}/api/v1/attempts/{attempt_id}/submit/", token=token)
    assert submitted.status == 200, submitted.body
    result = http("GET", f"{web}/api/v1/attempts/{attempt_id}/result/", token=token)
    assert result.status == 200, result.body


def test_with_redis_down_study_goes_on_and_queued_work_survives(
    private_redis, services
):
    env = services.env(
        redis_url=private_redis.url, database_url=database_url_for_services()
    )
    web = services.web(env)
    learner_user = UserFactory()
    learner = token_for(learner_user)
    teacher_user = TeacherFactory()
    teacher = token_for(teacher_user)
    quiz = QuizFactory(teacher=teacher_user)
    # The quiz is for the teacher's class, which the learner is in.
    class_with(teacher_user, learner_user, quiz=quiz)
    deck = _deck_with_cards(web, learner, 4)

    # Queued while Redis is up; no worker yet.
    queued = http(
        "POST",
        f"{web}/api/v1/demos/update_swallowing/runs/",
        token=learner,
        data={"params": SMALL, "fresh": True},
    )
    assert queued.status == 202, queued.body
    assert queued.body["status"] == "queued"

    private_redis.stop()

    health = http("GET", f"{web}/healthz")
    assert health.status == 200, health.body
    assert health.body["status"] == "degraded"
    assert health.body["broker"]["status"] == "error"
    assert health.body["database"]["status"] == "ok"

    # Reviews and quizzes, and the throttled API in general, go on.
    _study_three_cards(web, learner, deck)
    _practice_quiz(web, learner)
    started = http("POST", f"{web}/api/v1/quizzes/{quiz.pk}/attempts/", token=learner)
    assert started.status == 201, started.body
    me = http("GET", f"{web}/api/v1/auth/me/", token=learner)
    assert me.status == 200 and me.seconds < 2, (me.status, me.seconds)

    # Background work is refused with a 503 that says why, quickly.
    refused = http(
        "POST",
        f"{web}/api/v1/demos/update_swallowing/runs/",
        token=learner,
        data={"params": SMALL, "fresh": True},
    )
    assert refused.status == 503, refused.body
    assert "queue is unavailable" in str(refused.body)
    assert refused.seconds < 5, refused.seconds
    refused_run = DemoRun.objects.exclude(pk=queued.body["id"]).get()
    assert refused_run.status == DemoRun.Status.FAILED
    assert refused_run.error == BROKER_DOWN_ERROR
    generation = http(
        "POST", f"{web}/api/v1/quizzes/{quiz.pk}/generate/", token=teacher, data={}
    )
    assert generation.status == 503, generation.body
    assert generation.seconds < 5, generation.seconds
    assert GenerationJob.objects.get(quiz=quiz).status == GenerationJob.Status.FAILED

    private_redis.start()

    # The same web process (no restart) queues again, and a worker now
    # finishes both the run queued before the outage and the new one.
    after = http(
        "POST",
        f"{web}/api/v1/demos/update_swallowing/runs/",
        token=learner,
        data={"params": {**SMALL, "steps": 301}, "fresh": True},
    )
    assert after.status == 202, after.body
    generation = http(
        "POST", f"{web}/api/v1/quizzes/{quiz.pk}/generate/", token=teacher, data={}
    )
    assert generation.status == 202, generation.body
    services.worker(env, name="after-outage", redis_url=private_redis.url)
    for run_id in (queued.body["id"], after.body["id"]):
        run = wait_for(
            lambda run_id=run_id: (
                (r := DemoRun.objects.get(pk=run_id)).is_finished and r
            ),
            timeout=30,
            what=f"run {run_id} to finish",
            every=0.2,
        )
        assert run.status == DemoRun.Status.SUCCEEDED, run.error
        assert run.attempts == 1
    job = wait_for(
        lambda: (
            (j := GenerationJob.objects.get(pk=generation.body["id"])).is_finished and j
        ),
        timeout=30,
        what="the generation job queued after the outage",
        every=0.2,
    )
    assert job.status == GenerationJob.Status.SUCCEEDED, job.error
    assert not DemoRun.objects.filter(
        status__in=(DemoRun.Status.QUEUED, DemoRun.Status.RUNNING)
    ).exists()
    health = http("GET", f"{web}/healthz")
    assert health.status == 200 and health.body["broker"]["status"] == "ok"


def test_with_redis_down_an_import_is_kept_and_its_owner_retries_it(
    private_redis, services
):
    """The mapping call answers 503 naming the queue, quickly; the job is
    failed/not_queued with its mapping; once Redis is back the owner's retry
    queues it and a worker imports it once."""
    from flashcards.interop import import_job_create
    from flashcards.models import Deck, ImportJob

    env = services.env(
        redis_url=private_redis.url, database_url=database_url_for_services()
    )
    web = services.web(env)
    owner = UserFactory()
    token = token_for(owner)
    job = import_job_create(owner=owner, filename="cards.csv", data=b"q,a\n1+1,2\n")

    private_redis.stop()

    mapped = http(
        "POST",
        f"{web}/api/v1/imports/{job.pk}/mapping/",
        token=token,
        data={"columns": {"front": 0, "back": 1}, "header": False},
    )
    assert mapped.status == 503, mapped.body
    assert "import queue is unavailable" in mapped.body["error"]["message"]
    assert mapped.seconds < 5, mapped.seconds
    detail = http("GET", f"{web}/api/v1/imports/{job.pk}/", token=token)
    assert detail.body["state"] == "failed" and detail.body["phase"] == "not_queued"
    assert detail.body["retryable"] is True
    assert detail.body["mapping"] == {"front": 0, "back": 1}
    again = http("POST", f"{web}/api/v1/imports/{job.pk}/retry/", token=token)
    assert again.status == 503, again.body

    private_redis.start()

    retried = http("POST", f"{web}/api/v1/imports/{job.pk}/retry/", token=token)
    assert retried.status == 202, retried.body
    assert retried.body["state"] == "pending"
    services.worker(env, name="import-after-outage", redis_url=private_redis.url)
    done = wait_for(
        lambda: (j := ImportJob.objects.get(pk=job.pk)).is_finished and j,
        timeout=30,
        what="the retried import",
        every=0.2,
    )
    assert done.status == ImportJob.Status.SUCCEEDED, done.error
    assert done.result["notes"] == 2
    assert Deck.objects.filter(owner=owner).count() == 1


# --- every kind of job: refused while Redis is down, accepted once it is back ---


@dataclass
class Stack:
    redis: RedisServer
    web: str


@pytest.fixture(scope="module")
def stack(tmp_path_factory, django_db_setup) -> Iterator[Stack]:
    """One private Redis, gunicorn and worker for every kind's case.

    The worker stays up through each outage and reconnects when Redis is
    back, so a case costs its outage and its job, not a start-up.
    """
    if not settings.INTEGRATION or not settings.DATABASES["default"]["ENGINE"].endswith(
        "postgresql"
    ):
        pytest.skip("fault tests run with STUDYSITE_INTEGRATION=1 and PostgreSQL")
    workdir = tmp_path_factory.mktemp("redis-down-kinds")
    redis = RedisServer(workdir, persistent=True)
    redis.start()
    started = Services(workdir)
    try:
        env = started.env(redis_url=redis.url, database_url=database_url_for_services())
        web = started.web(env)
        started.worker(env, name="every-kind", redis_url=redis.url)
        yield Stack(redis, web)
    finally:
        started.close()
        redis.stop()


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.name)
def test_with_redis_down_each_kind_is_refused_failed_then_accepted(stack, kind):
    model = apps.get_model(kind.model)
    user = kind.user()
    token = token_for(user)
    ctx = {"user": user, **kind.prepare(user)}

    stack.redis.stop()
    try:
        refused = kind.start(stack.web, token, ctx)
        assert refused.status == 503, refused.body
        assert list(refused.body) == ["error"], refused.body
        assert refused.body["error"]["code"] == "unavailable", refused.body
        assert refused.body["error"]["message"], refused.body
        assert refused.seconds < 5, refused.seconds
        row = model.objects.get()
        assert row.status == model.Status.FAILED, (row.status, row.error)
        assert row.error and row.finished_at is not None
        assert kind.status(stack.web, token, ctx, row.pk) == "failed"
    finally:
        stack.redis.start()

    accepted = kind.start(stack.web, token, ctx)
    assert accepted.status == 202, accepted.body
    job_id = accepted.body["id"]
    assert job_id != row.pk
    state = wait_for(
        lambda: (
            (s := kind.status(stack.web, token, ctx, job_id))
            in (kind.succeeded, "failed")
            and s
        ),
        timeout=30,
        what=f"the {kind.name} queued after the outage",
        every=0.2,
    )
    done = model.objects.get(pk=job_id)
    assert state == kind.succeeded, done.error
    assert done.status == model.Status.SUCCEEDED and done.attempts == 1
    assert model.objects.get(pk=row.pk).status == model.Status.FAILED
