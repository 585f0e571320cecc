"""The demo API: schemas, starting runs, reading them, bad input, permissions."""

from __future__ import annotations

import json
from unittest import mock

import pytest
from kombu.exceptions import OperationalError

from workers.demos import DEMOS
from workers.models import DemoRun

pytestmark = pytest.mark.django_db
SMALL = {"steps": 50, "max_points": 20}


def _strict(response) -> dict:
    def refuse(token):
        raise AssertionError(f"bare {token} in JSON")

    return json.loads(response.content, parse_constant=refuse)


def test_demo_list_is_public_with_schemas_and_defaults(api):
    response = api.get("/api/v1/demos/")
    assert response.status_code == 200
    body = _strict(response)
    assert [d["name"] for d in body] == list(DEMOS)
    swallow = next(d for d in body if d["name"] == "update_swallowing")
    steps = next(p for p in swallow["params"] if p["name"] == "steps")
    assert steps == {
        "name": "steps",
        "label": "Steps",
        "type": "int",
        "default": 1000,
        "min": 1.0,
        "max": 100000.0,
        "choices": [],
        "help": "Number of updates.",
    }
    assert swallow["defaults"]["steps"] == 1000
    assert swallow["lesson_url"].startswith("/lessons/why-precision-matters/#")
    assert swallow["runs_url"] == "/api/v1/demos/update_swallowing/runs/"
    matmul = next(d for d in body if d["name"] == "matmul_throughput")
    assert matmul["gpu_defaults"]["max_size"] == 8192


def test_start_a_run_returns_202_with_the_run(learner_api):
    response = learner_api.post(
        "/api/v1/demos/update_swallowing/runs/", {"params": SMALL}, format="json"
    )
    assert response.status_code == 202, response.content
    body = _strict(response)
    assert body["reused"] is False
    run = DemoRun.objects.get(pk=body["id"])
    assert body["status"] == run.status == "succeeded"  # eager in tests
    assert body["links"]["self"] == f"/api/v1/demos/runs/{run.pk}/"
    assert body["links"]["csv"] == f"/demos/runs/{run.pk}.csv"
    assert body["result"]["params"]["steps"] == 50


def test_params_may_be_left_out(learner_api):
    response = learner_api.post(
        "/api/v1/demos/range_precision/runs/", {}, format="json"
    )
    assert response.status_code == 202
    run = DemoRun.objects.get()
    assert run.params["formats"]


def test_identical_request_returns_200_with_the_reused_run(learner_api):
    url = "/api/v1/demos/update_swallowing/runs/"
    first = learner_api.post(url, {"params": SMALL}, format="json").json()
    again = learner_api.post(url, {"params": SMALL}, format="json")
    assert again.status_code == 200
    assert again.json()["id"] == first["id"] and again.json()["reused"] is True
    fresh = learner_api.post(url, {"params": SMALL, "fresh": True}, format="json")
    assert fresh.status_code == 202 and fresh.json()["id"] != first["id"]


def test_run_detail_is_the_owners_and_strict_json(learner_api, api):
    # A result holding non-finite numbers, as strings.
    run_id = learner_api.post(
        "/api/v1/demos/range_precision/runs/", {"params": {}}, format="json"
    ).json()["id"]
    DemoRun.objects.filter(pk=run_id).update(
        result={"demo": "range_precision", "data": {"x": "nan", "y": "inf"}}
    )
    assert api.get(f"/api/v1/demos/runs/{run_id}/").status_code in (401, 403)
    response = learner_api.get(f"/api/v1/demos/runs/{run_id}/")
    assert response.status_code == 200
    body = _strict(response)
    assert body["status"] == "succeeded"
    assert body["progress"] == 1.0
    assert body["device_label"].startswith("CPU, numpy")
    assert body["result"]["data"] == {"x": "nan", "y": "inf"}


def test_real_results_never_hold_bare_nan(learner_api):
    for name in ("loss_scaling", "quantization"):
        run_id = learner_api.post(
            f"/api/v1/demos/{name}/runs/", {"params": {}}, format="json"
        ).json()["id"]
        _strict(learner_api.get(f"/api/v1/demos/runs/{run_id}/"))
        json.dumps(DemoRun.objects.get(pk=run_id).result, allow_nan=False)


def test_unknown_run_is_404(learner_api):
    response = learner_api.get("/api/v1/demos/runs/999999/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_unknown_demo_is_404(learner_api):
    response = learner_api.post("/api/v1/demos/nope/runs/", {}, format="json")
    assert response.status_code == 404
    assert "unknown demo 'nope'" in response.json()["error"]["message"]


def test_starting_a_run_needs_sign_in(api):
    response = api.post("/api/v1/demos/update_swallowing/runs/", {}, format="json")
    assert response.status_code in (401, 403)
    assert not DemoRun.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "text"),
    [
        ({"params": {"steps": 100_001}}, "params.steps", "must be at most 100000"),
        (
            {"params": {"modes": ["fp16", "fp64"]}},
            "params.modes",
            "unknown dtype 'fp64'",
        ),
        ({"params": {"lr": -0.5}}, "params.lr", "must not be negative"),
        ({"params": {"stepz": 2}}, "params.stepz", "unknown parameter"),
        ({"params": {"steps": "many"}}, "params.steps", "must be an integer"),
        ({"params": [1, 2]}, "params", ""),
        ({"params": {}, "colour": "red"}, "colour", "Unknown field."),
    ],
)
def test_bad_input_is_400_naming_the_field(learner_api, body, field, text):
    response = learner_api.post(
        "/api/v1/demos/update_swallowing/runs/", body, format="json"
    )
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert field in error["fields"]
    assert text in " ".join(error["fields"][field])
    assert error["message"].startswith(field)
    assert not DemoRun.objects.exists()


def test_matmul_size_above_the_bound_states_the_bound(learner_api):
    response = learner_api.post(
        "/api/v1/demos/matmul_throughput/runs/",
        {"params": {"max_size": 20000}},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["params.max_size"] == [
        "must be at most 16384"
    ]


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_nan_in_the_body_is_400_naming_the_field(learner_api, token):
    response = learner_api.post(
        "/api/v1/demos/update_swallowing/runs/",
        data=f'{{"params": {{"lr": {token}}}}}',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "finite" in response.json()["error"]["fields"]["params.lr"][0]


def test_broker_down_is_503_with_a_clear_message(learner_api):
    with mock.patch(
        "workers.tasks.demo_run.apply_async",
        side_effect=OperationalError("Error 111 connecting to 127.0.0.1:6379"),
    ):
        response = learner_api.post(
            "/api/v1/demos/update_swallowing/runs/", {"params": SMALL}, format="json"
        )
    assert response.status_code == 503
    assert "queue is unavailable" in response.json()["error"]["message"]
    assert DemoRun.objects.get().status == "failed"


def test_run_creation_is_throttled_per_user(learner_api, settings):
    settings.WORKERS_DEMO_RUN_RATE = "3/min"
    url = "/api/v1/demos/update_swallowing/runs/"
    codes = [
        learner_api.post(
            url, {"params": {**SMALL, "steps": 10 + i}}, format="json"
        ).status_code
        for i in range(4)
    ]
    assert codes == [202, 202, 202, 429]


def test_openapi_schema_covers_the_demo_endpoints(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/json")
    paths = (
        response.json()["paths"]
        if response["Content-Type"].startswith("application/json")
        else {}
    )
    if not paths:
        import yaml  # pragma: no cover - depends on the renderer

        paths = yaml.safe_load(response.content)["paths"]
    assert "/api/v1/demos/" in paths
    assert "/api/v1/demos/{name}/runs/" in paths
    assert "/api/v1/demos/runs/{run_id}/" in paths
