"""Every demo's cost is bounded before it is queued, and each learner may have
a few runs in flight: one learner can no longer hold the demo workers.

The issue's probe: two ``matmul_throughput`` runs within the schema's bounds
held both worker slots for ~155 s, past the 120 s soft limit, and failed. Now
such parameters are a 400 naming them, with the estimate, before any queue
sees them; estimates are pure (no timing here: ``bench_demo_costs`` prints
them next to measured times).
"""

from __future__ import annotations

import math
from unittest import mock

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from studysite.api_errors import status_of
from studysite.errors import Invalid
from workers import dispatch, services
from workers.demo_params import demo_cost_check
from workers.demos import DEMOS, DemoParamError, Param, get_demo
from workers.demos import _cost as C
from workers.models import DemoRun
from workers.selectors import GPU_DEFAULTS
from workers.services import TooManyRunsInFlight, demo_run_request

SOFT_LIMIT = 120
GPU = dispatch.Placement("gpu", "torch", "gpu", "gpu@h", "NVIDIA H200")


def _value(param: Param) -> st.SearchStrategy:
    if param.type == "int":
        return st.integers(int(param.min), int(param.max))
    if param.type == "float":
        return st.floats(param.min, param.max, allow_nan=False)
    if param.type == "choice":
        return st.sampled_from(param.choices)
    if param.type == "multichoice":
        return st.lists(st.sampled_from(param.choices), min_size=1, unique=True).map(
            tuple
        )
    return st.booleans()


@st.composite
def valid_params(draw: st.DrawFn, name: str) -> dict:
    demo = get_demo(name)
    chosen = draw(st.sets(st.sampled_from([p.name for p in demo.params])))
    given_ = {p.name: draw(_value(p)) for p in demo.params if p.name in chosen}
    try:
        return demo.validate_params(given_)
    except DemoParamError:
        assume(False)
        raise


def _bigger(param: Param, value):
    """A value of ``param`` that asks for at least as much work as ``value``."""
    if param.type == "int":
        return st.integers(value, int(param.max))
    if param.type == "float":
        return st.floats(value, param.max, allow_nan=False)
    missing = [c for c in param.choices if c not in value]
    return st.sets(st.sampled_from(missing or list(value))).map(
        lambda extra: tuple(value) + tuple(c for c in extra if c not in value)
    )


# --- the estimates ----------------------------------------------------------------


def test_every_demo_has_an_estimate_and_names_real_cost_parameters():
    for demo in DEMOS.values():
        names = {p.name for p in demo.params}
        assert demo.cost_params and set(demo.cost_params) <= names, demo.name
        estimate = demo.estimate(demo.validate_params({}), backend="numpy")
        assert isinstance(estimate, C.Estimate) and estimate.backend == "numpy"


@pytest.mark.parametrize("name", sorted(DEMOS))
def test_defaults_fit_the_limit_on_both_backends(name):
    demo = get_demo(name)
    cpu = demo.estimate(demo.validate_params({}), backend="numpy")
    gpu_params = demo.validate_params(GPU_DEFAULTS.get(name, {}))
    gpu = demo.estimate(gpu_params, backend="torch")
    assert 0 < cpu.seconds < SOFT_LIMIT / 4, cpu
    assert 0 < gpu.seconds < SOFT_LIMIT / 4, gpu


@pytest.mark.parametrize("name", sorted(DEMOS))
@pytest.mark.parametrize("backend", ["numpy", "torch"])
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)
@given(data=st.data())
def test_asking_for_more_never_lowers_the_estimate(name, backend, data):
    """For any valid parameters, raising one cost parameter (a larger number,
    one more choice) keeps the estimate finite, positive and no smaller."""
    demo = get_demo(name)
    params = data.draw(valid_params(name))
    before = demo.estimate(params, backend=backend).seconds
    assert math.isfinite(before) and before > 0
    param = {p.name: p for p in demo.params}[
        data.draw(st.sampled_from(demo.cost_params))
    ]
    more = {**params, param.name: data.draw(_bigger(param, params[param.name]))}
    try:
        more = demo.validate_params(more)
    except DemoParamError:
        return
    after = demo.estimate(more, backend=backend).seconds
    assert after >= before * (1 - 1e-12), (param.name, params, more)


def test_timed_loop_stops_at_its_budget():
    assert C.timed_loop(2.0, warmup=1, repeats=100, budget=0.5) == 2.0 + 2.5
    assert C.timed_loop(0.01, warmup=0, repeats=3, budget=60) == pytest.approx(0.03)


def test_fp16_products_on_a_cpu_cost_more_per_n3_as_n_grows():
    costs = [C.np_fp16_matmul_per_n3(n) for n in (256, 512, 1024, 2048, 16384)]
    assert costs == sorted(costs) and costs[-1] > costs[0]


# --- refused before anything is queued ------------------------------------------


@pytest.mark.django_db
def test_the_probes_matmul_run_is_refused_naming_the_parameter(learner):
    """max_size 2048 is within the schema (and the CPU bound) but its fp16
    products alone take minutes on a CPU: refused, nothing stored or sent."""
    with (
        mock.patch("workers.tasks.demo_run.apply_async") as sent,
        pytest.raises(Invalid) as exc,
    ):
        demo_run_request(
            demo_name="matmul_throughput", params={"max_size": 2048}, user=learner
        )
    detail = exc.value.fields
    assert set(detail) == {"params.max_size"}
    message = str(detail["params.max_size"][0])
    assert "on a CPU worker, over the 120 s limit of a demo run" in message
    seconds = int(message.split("about ")[1].split(" s")[0])
    assert seconds > SOFT_LIMIT
    assert "leave fp16 out" in message
    assert not sent.called and not DemoRun.objects.exists()


@pytest.mark.django_db
def test_the_same_sizes_without_fp16_are_accepted(learner):
    run, _ = demo_run_request(
        demo_name="matmul_throughput",
        params={"max_size": 256, "min_size": 256, "dtypes": ["fp32", "bf16"]},
        user=learner,
    )
    assert run.estimated_seconds is not None and run.estimated_seconds < SOFT_LIMIT


@pytest.mark.django_db
def test_the_api_answers_400_naming_each_raised_parameter(learner_api):
    response = learner_api.post(
        "/api/v1/demos/mixed_precision_training/runs/",
        {"params": {"steps": 5000, "batch": 4096, "hidden": 1024}},
        format="json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert set(error["fields"]) == {"params.steps", "params.batch", "params.hidden"}
    assert "over the 120 s limit" in error["message"]
    assert not DemoRun.objects.exists()


@pytest.mark.django_db
def test_the_page_shows_the_estimate_next_to_the_field(client, learner):
    client.force_login(learner)
    response = client.post(
        "/demos/matmul_throughput/",
        {
            "min_size": "256",
            "max_size": "2048",
            "dtypes": ["fp32", "fp16"],
            "warmup": "1",
            "repeats": "3",
            "max_seconds": "0.5",
        },
    )
    assert response.status_code == 400
    assert "over the 120 s limit of a demo run" in response.content.decode()
    assert not DemoRun.objects.exists()


@pytest.mark.django_db
def test_a_gpu_run_is_bounded_by_the_gpu_estimate(learner):
    with (
        mock.patch.object(services, "place", return_value=GPU),
        mock.patch("workers.tasks.gpu_demo_run.apply_async"),
    ):
        run, _ = demo_run_request(
            demo_name="matmul_throughput", params={}, user=learner
        )
        assert run.params["max_size"] == 8192 and run.estimated_seconds < SOFT_LIMIT
        with pytest.raises(Invalid) as exc:
            demo_run_request(
                demo_name="matmul_throughput",
                params={
                    "min_size": 16384,
                    "max_size": 16384,
                    "warmup": 50,
                    "repeats": 100,
                },
                user=learner,
            )
    message = str(exc.value.fields["params.max_size"][0])
    assert "on a GPU worker" in message
    assert {"params.max_size", "params.warmup", "params.repeats"} <= set(
        exc.value.fields
    )


def test_the_soft_limit_and_the_cost_factor_are_settings(settings):
    params = get_demo("update_swallowing").validate_params({})
    assert (
        demo_cost_check(
            demo_name="update_swallowing", params=params, backend="numpy"
        ).seconds
        < 5
    )
    settings.WORKERS_DEMO_COST_FACTOR = 1000
    with pytest.raises(Invalid) as exc:
        demo_cost_check(demo_name="update_swallowing", params=params, backend="numpy")
    # Nothing was set above its default: every cost parameter is named.
    assert set(exc.value.fields) == {"params.steps", "params.modes"}
    settings.WORKERS_DEMO_COST_FACTOR = 1
    settings.CELERY_TASK_SOFT_TIME_LIMIT = 1
    heavy = get_demo("update_swallowing").validate_params({"steps": 100_000})
    with pytest.raises(Invalid, match="over the 1 s limit"):
        demo_cost_check(demo_name="update_swallowing", params=heavy, backend="numpy")


@given(st.floats(0.5, 1e7))
def test_raised_names_only_what_was_raised(value):
    defaults = {"steps": 1000, "modes": ("a", "b"), "lr": 0.1}
    got = C.raised({"steps": value, "modes": ("a",), "lr": 0.1}, defaults, ["steps"])
    assert got == ["steps"]
    named = C.raised(
        {"steps": value, "modes": ("a", "b", "c"), "lr": 0.1},
        defaults,
        ["steps", "modes", "lr"],
    )
    assert named == (["steps", "modes"] if value > 1000 else ["modes"])


# --- runs in flight per user ------------------------------------------------------


def _queued_only():
    """The broker takes the task and no worker runs it: runs stay queued."""
    return mock.patch("workers.tasks.demo_run.apply_async")


def _start(user, steps: int):
    return demo_run_request(
        demo_name="update_swallowing",
        params={"steps": steps, "max_points": 20},
        user=user,
    )


@pytest.mark.django_db
def test_a_third_run_in_flight_is_refused_with_429(learner, other_learner):
    with _queued_only() as sent:
        first, _ = _start(learner, 10)
        second, _ = _start(learner, 11)
        with pytest.raises(TooManyRunsInFlight) as exc:
            _start(learner, 12)
        assert sent.call_count == 2
        assert status_of(exc.value) == 429
        message = exc.value.message
        assert f"#{first.pk}, #{second.pk}" in message and "at most 2" in message
        assert DemoRun.objects.filter(requested_by=learner).count() == 2
        _start(other_learner, 12)  # everyone has their own limit
        _start(None, 13)  # system runs have none
        _start(None, 14)
        _start(None, 15)
        # A finished run frees a slot.
        DemoRun.objects.filter(pk=first.pk).update(status=DemoRun.Status.SUCCEEDED)
        third, reused = _start(learner, 12)
    assert not reused and third.status == DemoRun.Status.QUEUED


@pytest.mark.django_db
def test_at_the_limit_a_recent_identical_result_is_still_served(learner):
    done, _ = _start(learner, 10)  # eager: it ran
    assert done.status == DemoRun.Status.SUCCEEDED
    with _queued_only():
        _start(learner, 11)
        _start(learner, 12)
        again, reused = _start(learner, 10)
    assert reused and again.pk == done.pk


@pytest.mark.django_db
def test_a_lost_run_does_not_hold_a_slot_for_ever(learner, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.WORKERS_DEMO_QUEUE_TIMEOUT = 60
    with _queued_only():
        lost, _ = _start(learner, 10)
        _start(learner, 11)
        DemoRun.objects.filter(pk=lost.pk).update(
            created_at=timezone.now() - timedelta(minutes=5)
        )
        _start(learner, 12)
    assert DemoRun.objects.get(pk=lost.pk).status == DemoRun.Status.FAILED


@pytest.mark.django_db
def test_the_limit_is_a_setting(learner, settings):
    settings.WORKERS_DEMO_MAX_IN_FLIGHT = 1
    with _queued_only():
        _start(learner, 10)
        with pytest.raises(TooManyRunsInFlight, match="at most 1 may be"):
            _start(learner, 11)
        settings.WORKERS_DEMO_MAX_IN_FLIGHT = 0  # no limit
        for steps in range(20, 25):
            _start(learner, steps)


@pytest.mark.django_db
def test_the_api_and_the_page_answer_429(learner, learner_api, client):
    url = "/api/v1/demos/update_swallowing/runs/"
    with _queued_only():
        for steps in (10, 11):
            body = {"params": {"steps": steps}}
            assert learner_api.post(url, body, format="json").status_code == 202
        refused = learner_api.post(url, {"params": {"steps": 12}}, format="json")
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "runs_in_flight"
        assert "Wait for one to finish" in refused.json()["error"]["message"]
        client.force_login(learner)
        page = client.post(
            "/demos/update_swallowing/",
            {"steps": "13", "max_points": "20", "modes": ["fp32"]},
        )
    assert page.status_code == 429
    assert "Wait for one to finish" in page.content.decode()
    assert DemoRun.objects.count() == 2
