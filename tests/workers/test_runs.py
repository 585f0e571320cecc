"""Demo runs: validation, reuse, idempotent execution, failures, dispatch."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from unittest import mock

import pytest
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from django.utils import timezone
from kombu.exceptions import OperationalError

from studysite.errors import Invalid, Unavailable
from workers import demo_execution, dispatch, services
from workers.demo_execution import demo_run_execute
from workers.demo_params import demo_params_clean, params_hash
from workers.demos import UnknownDemoError, get_demo
from workers.models import DemoRun
from workers.services import demo_run_expire_stale, demo_run_request

pytestmark = pytest.mark.django_db
SMALL = {"steps": 50, "max_points": 20}


def _queued(demo="update_swallowing", params=None, **extra) -> DemoRun:
    clean = get_demo(demo).validate_params(params or SMALL)
    return DemoRun.objects.create(
        demo=demo,
        params=services.json_safe(clean),
        params_hash=params_hash(clean),
        **extra,
    )


def _demo_running(fn):
    """Patch the demo the service runs so that its run function is ``fn``."""
    demo = dataclasses.replace(get_demo("update_swallowing"), run=fn)
    return mock.patch.object(demo_execution, "get_demo", return_value=demo)


def test_request_runs_the_demo_eagerly_and_stores_result(learner):
    run, reused = demo_run_request(
        demo_name="update_swallowing", params=SMALL, user=learner
    )
    assert not reused
    run.refresh_from_db()
    assert run.status == DemoRun.Status.SUCCEEDED
    assert run.progress == 1.0
    assert run.attempts == 1
    assert run.requested_by == learner
    assert run.device_kind == "cpu" and run.queue == "demos"
    assert run.backend == "numpy"
    assert run.device_label.startswith("CPU, numpy")
    assert run.result["demo"] == "update_swallowing"
    assert run.result["params"]["steps"] == 50
    assert run.started_at <= run.finished_at
    assert run.task_id


def test_defaults_are_filled_and_hash_is_stable():
    a = demo_params_clean(demo_name="update_swallowing", params={}, device_kind="cpu")
    b = demo_params_clean(
        demo_name="update_swallowing", params={"steps": 1000}, device_kind="cpu"
    )
    assert a == b
    assert params_hash(a) == params_hash(b)
    assert len(params_hash(a)) == 64


def test_same_request_reuses_a_recent_result_unless_fresh(learner, other_learner):
    first, _ = demo_run_request(
        demo_name="update_swallowing", params=SMALL, user=learner
    )
    mine, reused = demo_run_request(
        demo_name="update_swallowing", params=dict(SMALL), user=learner
    )
    assert reused and mine.pk == first.pk
    # Another user's identical request gets the result as a run of their own.
    again, reused = demo_run_request(
        demo_name="update_swallowing", params=dict(SMALL), user=other_learner
    )
    assert reused and again.pk != first.pk
    assert again.requested_by == other_learner and again.reused_from_id == first.pk
    assert again.result == first.result and again.attempts == 0
    assert again.finished_at == first.finished_at
    fresh, reused = demo_run_request(
        demo_name="update_swallowing", params=SMALL, user=learner, fresh=True
    )
    assert not reused and fresh.pk != first.pk
    assert DemoRun.objects.count() == 3


def test_reuse_window_and_device_kind_are_respected(learner, settings):
    first, _ = demo_run_request(
        demo_name="update_swallowing", params=SMALL, user=learner
    )
    DemoRun.objects.filter(pk=first.pk).update(
        finished_at=timezone.now() - timedelta(hours=25)
    )
    later, reused = demo_run_request(
        demo_name="update_swallowing", params=SMALL, user=learner
    )
    assert not reused
    DemoRun.objects.filter(pk=later.pk).update(device_kind="gpu")
    third, reused = demo_run_request(
        demo_name="update_swallowing", params=SMALL, user=learner
    )
    assert not reused and third.pk != later.pk
    settings.WORKERS_DEMO_REUSE_SECONDS = 0
    _, reused = demo_run_request(
        demo_name="update_swallowing", params=SMALL, user=learner
    )
    assert not reused


def test_failed_runs_are_not_reused(learner):
    failed = _queued(
        params=SMALL, status=DemoRun.Status.FAILED, finished_at=timezone.now()
    )
    run, reused = demo_run_request(
        demo_name="update_swallowing", params=SMALL, user=learner
    )
    assert not reused and run.pk != failed.pk


def test_unknown_demo_raises_before_anything_is_stored(learner):
    with pytest.raises(UnknownDemoError):
        demo_run_request(demo_name="nope", params={}, user=learner)
    assert not DemoRun.objects.exists()


@pytest.mark.parametrize(
    ("params", "field", "text"),
    [
        ({"steps": 100_001}, "params.steps", "must be at most 100000"),
        ({"lr": float("nan")}, "params.lr", "finite"),
        ({"lr": -1.0}, "params.lr", "must not be negative"),
        ({"modes": ["fp64"]}, "params.modes", "unknown dtype 'fp64'"),
        ({"stepz": 3}, "params.stepz", "unknown parameter"),
    ],
)
def test_bad_parameters_name_the_field(learner, params, field, text):
    with pytest.raises(Invalid) as exc:
        demo_run_request(demo_name="update_swallowing", params=params, user=learner)
    assert text in str(exc.value.fields[field][0])
    assert not DemoRun.objects.exists()


def test_matmul_above_cpu_bound_is_refused_without_a_gpu(learner):
    with pytest.raises(Invalid) as exc:
        demo_run_request(
            demo_name="matmul_throughput", params={"max_size": 4096}, user=learner
        )
    assert "must be at most 2048 on a CPU" in str(
        exc.value.fields["params.max_size"][0]
    )


def test_gpu_placement_uses_gpu_defaults_and_gpu_task(learner):
    placement = dispatch.Placement("gpu", "torch", "gpu", "gpu@h", "NVIDIA H200")
    with (
        mock.patch.object(services, "place", return_value=placement),
        mock.patch("workers.tasks.gpu_demo_run.apply_async") as gpu_send,
        mock.patch("workers.tasks.demo_run.apply_async") as cpu_send,
    ):
        run, _ = demo_run_request(
            demo_name="matmul_throughput", params={}, user=learner
        )
    assert gpu_send.called and not cpu_send.called
    assert gpu_send.call_args.kwargs["queue"] == "gpu"
    assert gpu_send.call_args.kwargs["task_id"] == run.task_id
    assert gpu_send.call_args.kwargs["ignore_result"] is True  # the row is the result
    assert run.device_kind == "gpu" and run.queue == "gpu"
    assert run.params["max_size"] == 8192 and run.params["min_size"] == 1024
    assert run.status == DemoRun.Status.QUEUED


def test_broker_down_answers_503_and_marks_the_run_failed(learner):
    with (
        mock.patch(
            "workers.tasks.demo_run.apply_async",
            side_effect=OperationalError("Error 111 connecting to redis"),
        ),
        pytest.raises(Unavailable, match="queue is unavailable"),
    ):
        demo_run_request(demo_name="update_swallowing", params=SMALL, user=learner)
    run = DemoRun.objects.get()
    assert run.status == DemoRun.Status.FAILED
    assert "broker" in run.error
    assert run.finished_at is not None


def test_execute_is_idempotent_for_a_succeeded_run():
    run = _queued()
    assert demo_run_execute(run.pk) == "succeeded"
    first = DemoRun.objects.get(pk=run.pk)
    assert demo_run_execute(run.pk) == "skipped"
    again = DemoRun.objects.get(pk=run.pk)
    assert again.attempts == 1
    assert again.finished_at == first.finished_at
    assert again.result == first.result


def test_missing_run_is_skipped():
    assert demo_run_execute(987654) == "skipped"


def test_run_left_running_by_a_killed_worker_is_rerun():
    run = _queued(status=DemoRun.Status.RUNNING, attempts=1, started_at=timezone.now())
    assert demo_run_execute(run.pk) == "succeeded"
    run.refresh_from_db()
    assert run.status == DemoRun.Status.SUCCEEDED and run.attempts == 2


def test_run_lost_too_often_is_failed(settings):
    settings.WORKERS_DEMO_MAX_ATTEMPTS = 3
    run = _queued(status=DemoRun.Status.RUNNING, attempts=3, started_at=timezone.now())
    assert demo_run_execute(run.pk) == "skipped"
    run.refresh_from_db()
    assert run.status == DemoRun.Status.FAILED
    assert "stopped 3 times" in run.error


def test_older_attempt_cannot_overwrite_a_newer_one():
    run = _queued()
    calls = []

    def takeover_during_run(params, *, backend, device, progress):
        # While this attempt runs, the task is delivered again and claimed.
        DemoRun.objects.filter(pk=run.pk).update(attempts=2)
        calls.append(1)
        progress(0.5, "halfway")
        raise AssertionError("progress should have stopped the old attempt")

    with _demo_running(takeover_during_run):
        assert demo_run_execute(run.pk) == "superseded"
    run.refresh_from_db()
    assert calls == [1]
    assert run.status == DemoRun.Status.RUNNING and run.result is None


def test_progress_is_written_and_throttled(settings):
    run = _queued()
    seen = []
    settings.WORKERS_DEMO_PROGRESS_INTERVAL = 3600

    def fake(params, *, backend, device, progress):
        for i in range(100):
            progress(i / 100, f"step {i}")
            seen.append(DemoRun.objects.get(pk=run.pk).progress)
        return {"demo": "update_swallowing", "charts": [], "tables": [], "summary": []}

    with _demo_running(fake):
        assert demo_run_execute(run.pk) == "succeeded"
    assert set(seen) == {0.0}  # one write (the first), the rest throttled
    run.refresh_from_db()
    assert run.progress == 1.0 and run.progress_message == "done"


@pytest.mark.parametrize(
    ("exc", "text"),
    [
        (SoftTimeLimitExceeded(), "did not finish within the 120 s limit"),
        (
            RuntimeError("CUDA out of memory. Tried to allocate 2 GiB"),
            "ran out of memory",
        ),
        (ValueError("boom"), "The demo failed: ValueError: boom"),
    ],
)
def test_exceptions_mark_the_run_failed_with_a_clear_message(exc, text, settings):
    settings.CELERY_TASK_SOFT_TIME_LIMIT = 120
    run = _queued()

    def explode(params, *, backend, device, progress):
        raise exc

    with _demo_running(explode):
        assert demo_run_execute(run.pk) == "failed"
    run.refresh_from_db()
    assert run.status == DemoRun.Status.FAILED
    assert text in run.error
    assert run.finished_at is not None


def test_hard_time_limit_marks_the_run_failed():
    from workers.tasks import demo_run

    run = _queued(status=DemoRun.Status.RUNNING, attempts=1, started_at=timezone.now())
    demo_run.on_failure(TimeLimitExceeded(180), "task-id", [run.pk], {}, None)
    run.refresh_from_db()
    assert run.status == DemoRun.Status.FAILED
    assert "hard time limit" in run.error


def test_torch_backend_on_cpu_runs_through_the_gpu_task():
    pytest.importorskip("torch")
    from workers.tasks import gpu_demo_run

    run = _queued()
    out = gpu_demo_run.apply(args=[run.pk]).get()
    assert out["outcome"] == "succeeded"
    run.refresh_from_db()
    assert run.backend == "torch"
    assert run.device_label.startswith("CPU, torch")


def test_stale_running_and_queued_runs_are_failed_on_read(settings):
    settings.CELERY_TASK_TIME_LIMIT = 180
    old = timezone.now() - timedelta(hours=2)
    running = _queued(status=DemoRun.Status.RUNNING, attempts=1, started_at=old)
    queued = _queued()
    DemoRun.objects.filter(pk=queued.pk).update(created_at=old)
    queued.refresh_from_db()
    assert demo_run_expire_stale(run=running).status == DemoRun.Status.FAILED
    assert "stopped before it finished" in running.error
    assert demo_run_expire_stale(run=queued).status == DemoRun.Status.FAILED
    assert "No worker picked this run up" in queued.error
    fresh = _queued()
    assert demo_run_expire_stale(run=fresh).status == DemoRun.Status.QUEUED


def test_gpu_workers_need_the_gpu_queue_and_a_cuda_device(settings):
    replies = [
        {"gpu@a": {"queues": ["gpu"], "cuda": "NVIDIA H200", "state": "done"}},
        {"test-1@b": {"queues": ["default", "gpu"], "cuda": None, "state": "done"}},
        {"cpu@c": {"queues": ["default"], "cuda": "NVIDIA A100", "state": "done"}},
    ]
    with (
        mock.patch.object(dispatch, "_eager", return_value=False),
        mock.patch.object(dispatch, "_broadcast", return_value=replies) as bc,
    ):
        assert dispatch.gpu_workers() == [{"worker": "gpu@a", "device": "NVIDIA H200"}]
        assert dispatch.gpu_workers() == [{"worker": "gpu@a", "device": "NVIDIA H200"}]
        assert bc.call_count == 1  # cached
        placement = dispatch.place("matmul_throughput")
    assert placement.queue == "gpu" and placement.backend == "torch"


def test_broker_down_reads_as_no_gpu():
    with (
        mock.patch.object(dispatch, "_eager", return_value=False),
        mock.patch.object(dispatch, "_broadcast", side_effect=OperationalError("down")),
    ):
        assert dispatch.gpu_workers(refresh=True) == []
        assert dispatch.place("update_swallowing").queue == "demos"


def test_inspection_against_an_unreachable_broker_reads_as_no_gpu():
    # The test settings point the broker at an embedded Redis that is not running.
    assert dispatch._inspect() == []


def test_gpu_info_command_reports_queues_and_probe():
    consumer = mock.Mock()
    consumer.task_consumer.queues = [mock.Mock(), mock.Mock()]
    consumer.task_consumer.queues[0].name = "gpu"
    consumer.task_consumer.queues[1].name = "default"
    state = mock.Mock(consumer=consumer)
    with mock.patch.dict(dispatch._probe, {"state": "done", "cuda": "NVIDIA H200"}):
        info = dispatch.gpu_info(state)
    assert info["queues"] == ["default", "gpu"]
    assert info["cuda"] == "NVIDIA H200"


def test_probe_cuda_reports_no_device_on_this_machine():
    found = dispatch.probe_cuda(timeout=120)
    assert "cuda" in found
