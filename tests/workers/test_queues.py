"""Demos have their own queue, apart from imports, generation and fits, and
every way of running the service consumes every queue with demos on workers
of their own (a teacher's import never waits behind a learner's demos)."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest
import yaml

from studysite.celery import QUEUES, app
from workers.models import DemoRun
from workers.services import demo_run_request

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("workers.tasks.demo_run", "demos"),
        ("workers.tasks.gpu_demo_run", "gpu"),
        ("flashcards.import_run", "default"),
        ("lessons.quizzes.generate_quiz_variants", "default"),
        ("workers.tasks.scheduler_fit", "default"),
        ("workers.tasks.scheduler_simulation", "default"),
        ("workers.tasks.ping", "default"),
    ],
)
def test_each_task_is_routed_to_its_queue(task, queue):
    assert app.amqp.router.route({}, task)["queue"].name == queue


def test_the_app_declares_the_three_queues():
    assert {q.name for q in app.conf.task_queues} == set(QUEUES)
    assert set(QUEUES) == {"default", "demos", "gpu"}


@pytest.mark.django_db
def test_a_cpu_run_is_sent_to_the_demos_queue(learner):
    with mock.patch("workers.tasks.demo_run.apply_async") as sent:
        run, _ = demo_run_request(
            demo_name="update_swallowing", params={"steps": 5}, user=learner
        )
    assert sent.call_args.kwargs["queue"] == "demos"
    assert DemoRun.objects.get(pk=run.pk).queue == "demos"


def _queues(argv: list[str]) -> set[str]:
    return set(argv[argv.index("-Q") + 1].split(","))


def test_make_run_starts_a_default_worker_and_a_demos_worker():
    from studysite.management.commands.devstack import worker_specs

    specs = worker_specs("python", port=8000, concurrency=2, demo_concurrency=1)
    by_name = {name: (argv, env) for name, argv, env in specs}
    assert _queues(by_name["worker"][0]) == {"default"}
    assert _queues(by_name["demo-worker"][0]) == {"demos", "gpu"}
    assert set().union(*(_queues(argv) for _, argv, _ in specs)) == set(QUEUES)
    demo_argv, demo_env = by_name["demo-worker"]
    assert demo_argv[demo_argv.index("--concurrency") + 1] == "1"
    assert demo_env["OPENBLAS_NUM_THREADS"] == "1"
    names = [argv[argv.index("-n") + 1] for _, argv, _ in specs]
    assert len(set(names)) == len(names)  # distinct node names


def _compose_queues(command: str) -> set[str]:
    words = command.split()
    return set(words[words.index("-Q") + 1].split(","))


def test_docker_compose_runs_a_worker_per_queue_with_demos_apart():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    consumed = {
        name: _compose_queues(spec["command"])
        for name, spec in services.items()
        if "celery" in str(spec.get("command", "")) and " worker " in spec["command"]
    }
    assert consumed == {
        "worker": {"default"},
        "demo-worker": {"demos"},
        "gpu-worker": {"gpu"},
    }
    demo = services["demo-worker"]
    assert demo["environment"]["OPENBLAS_NUM_THREADS"] == "1"
    # Its own environment replaces the anchor's: the database and broker stay.
    web_env = services["web"]["environment"]
    for key in ("DATABASE_URL", "REDIS_URL"):
        assert demo["environment"][key] == web_env[key]
