"""Every kind of background job, as the fault tests start and watch one.

`KINDS` holds one `Kind` per kind of `studysite.jobs` job (demo run,
scheduler fit, scheduler simulation, deck import, quiz generation): how to
start one through the API of a running web process, and how to read its
status there, so a fault test can put each kind through the same fault.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.factories import TeacherFactory, UserFactory
from tests.faults.conftest import Reply, http, wait_for
from tests.lessons.classes_factories import class_with
from tests.lessons.quiz_factories import QuizFactory

SMALL = {"steps": 300, "max_points": 30}


@dataclass(frozen=True)
class Kind:
    """How to start one job of a kind through the API and read its status.

    ``prepare`` makes what a start needs (a learner's history, a quiz) and
    returns it; ``start`` posts one request; ``status`` reads the job's
    status through the API (the name each kind's body gives it).
    """

    name: str
    model: str
    start: Callable[[str, str, dict], Reply]
    status: Callable[[str, str, dict, int], str]
    succeeded: str = "succeeded"
    prepare: Callable[[Any], dict] = lambda user: {}
    user: Callable[[], Any] = UserFactory


def _get(path: str, key: str = "status") -> Callable[[str, str, dict, int], str]:
    def status(web: str, token: str, ctx: dict, job_id: int) -> str:
        reply = http(
            "GET", f"{web}/api/v1/{path.format(id=job_id, **ctx)}", token=token
        )
        assert reply.status == 200, reply.body
        return reply.body["job"]["state"] if key == "job.state" else reply.body[key]

    return status


def _post(path: str, data: dict) -> Callable[[str, str, dict], Reply]:
    def start(web: str, token: str, ctx: dict) -> Reply:
        return http(
            "POST", f"{web}/api/v1/{path.format(**ctx)}", token=token, data=data
        )

    return start


def _import_start(web: str, token: str, ctx: dict) -> Reply:
    from flashcards.interop import import_job_create

    job = import_job_create(owner=ctx["user"], filename="c.csv", data=b"q,a\n1,2\n")
    return http(
        "POST",
        f"{web}/api/v1/imports/{job.pk}/mapping/",
        token=token,
        data={"columns": {"front": 0, "back": 1}, "header": False},
    )


def _with_history(user: Any) -> dict:
    from tests.workers.test_scheduler_data import give_history

    give_history(user, 300)
    return {}


def _quiz_for_a_class(teacher: Any) -> dict:
    quiz = QuizFactory(teacher=teacher)
    class_with(teacher, UserFactory(), quiz=quiz)  # someone to get variants
    return {"quiz": quiz.pk}


KINDS = [
    Kind(
        "demo run",
        "workers.DemoRun",
        _post("demos/update_swallowing/runs/", {"params": SMALL, "fresh": True}),
        _get("demos/runs/{id}/"),
    ),
    Kind(
        "scheduler fit",
        "workers.SchedulerFit",
        _post("scheduler/fits/", {}),
        _get("scheduler/fits/{id}/"),
        prepare=_with_history,
    ),
    Kind(
        "scheduler simulation",
        "workers.SchedulerSimulation",
        _post(
            "scheduler/simulations/",
            {"days": 30, "deck_size": 50, "desired_retentions": [0.8, 0.9]},
        ),
        _get("scheduler/simulations/{id}/"),
    ),
    Kind(
        "deck import",
        "flashcards.ImportJob",
        _import_start,
        _get("imports/{id}/", key="state"),
        succeeded="done",
    ),
    Kind(
        "quiz generation",
        "lessons.GenerationJob",
        _post("quizzes/{quiz}/generate/", {}),
        _get("quizzes/{quiz}/generation/", key="job.state"),
        succeeded="done",
        prepare=_quiz_for_a_class,
        user=TeacherFactory,
    ),
]


def wait_until_each_ends(web: str, jobs: list[tuple], *, after: str) -> None:
    """Wait for every ``(kind, model, token, ctx, job_id)`` to finish, then hold
    each to having succeeded on its second attempt with no error."""

    for kind, model, token, ctx, job_id in jobs:
        state = wait_for(
            lambda kind=kind, token=token, ctx=ctx, job_id=job_id: (
                (s := kind.status(web, token, ctx, job_id))
                in (kind.succeeded, "failed")
                and s
            ),
            timeout=30,
            what=f"the {kind.name} to finish {after}",
            every=0.2,
        )
        done = model.objects.get(pk=job_id)
        assert state == kind.succeeded, (kind.name, done.error)
        assert done.attempts == 2 and done.error == "", (kind.name, done.attempts)
