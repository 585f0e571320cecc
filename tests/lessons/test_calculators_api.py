"""API: the memory and compute calculators, success and bad input."""

from __future__ import annotations

import json

import pytest

from lessons import precision
from lessons.precision import memory

GB, GIB = 1e9, 2**30
BASE = "/api/v1/calculators/"


def strict_json(response) -> dict:
    def refuse(name: str) -> None:
        raise AssertionError(f"bare {name} in the JSON")

    return json.loads(response.content, parse_constant=refuse)


def get(api, name: str, **query) -> dict:
    response = api.get(BASE + name, query)
    assert response.status_code == 200, response.content
    return strict_json(response)


def assert_size(size: dict, nbytes: float) -> None:
    assert size["bytes"] == pytest.approx(nbytes)
    assert size["GB"] == pytest.approx(nbytes / GB)
    assert size["GiB"] == pytest.approx(nbytes / GIB)


# --------------------------------------------------------------------------
# Success


def test_training_memory_defaults_are_the_lessons_convention(api):
    body = get(api, "training-memory", params="7e9")
    # bf16 weights 2 + bf16 gradients 2 + fp32 master 4 + Adam 2 × 4 = 16 B.
    assert body["bytes_per_param"] == 16
    assert body["per_param"] == {
        "weights": 2,
        "gradients": 2,
        "master_weights": 4,
        "optimizer_states": 8,
        "total": 16,
    }
    assert_size(body, 112e9)
    assert_size(body["per_gpu"]["total"], 112e9)
    assert_size(body["all_gpus"]["optimizer_states"], 56e9)
    for component in ("weights", "gradients", "master_weights", "optimizer_states"):
        assert set(body["per_gpu"][component]) == {"bytes", "GB", "GiB"}
    assert "2 + 2 + 4 + 8 = 16 bytes/param" in body["convention"]
    assert body["units"] == "GB = 10^9 bytes, GiB = 2^30 bytes"
    assert body["defaults"] == {
        "weights_dtype": "bf16",
        "grads_dtype": None,
        "accumulation_dtype": None,
        "master_weights": True,
        "optimizer": "adam",
        "optimizer_dtype": None,
        "zero_stage": 0,
        "gpus": 1,
    }
    assert body["steps"][-1]["value"] == pytest.approx(112e9)
    assert body["steps"][-1]["GB"] == pytest.approx(112)
    assert [f["capacity_gb"] for f in body["fits"]] == [24, 40, 80, 141]
    assert [f["fits"] for f in body["fits"]] == [False, False, False, True]


def test_training_memory_zero_stages_shard_over_gpus(api):
    per_gpu = {
        stage: get(api, "training-memory", params="70e9", zero_stage=stage, gpus=8)[
            "bytes"
        ]
        for stage in range(4)
    }
    psi = 70e9
    assert per_gpu[0] == pytest.approx(16 * psi)
    assert per_gpu[1] == pytest.approx((2 + 2 + 12 / 8) * psi)
    assert per_gpu[2] == pytest.approx((2 + 14 / 8) * psi)
    assert per_gpu[3] == pytest.approx(16 / 8 * psi)


def test_training_memory_choices(api):
    body = get(
        api,
        "training-memory",
        params="1000000",
        weights_dtype="fp32",
        grads_dtype="fp32",
        master_weights="false",
        optimizer="sgd_momentum",
        zero_stage="1",
        gpus="2",
    )
    assert body["per_param"]["total"] == 4 + 4 + 0 + 4
    assert body["inputs"]["master_weights"] is False
    assert body["defaults"] == {"accumulation_dtype": None, "optimizer_dtype": None}
    adam8 = get(api, "training-memory", params="1e6", optimizer="adam8bit")
    assert adam8["per_param"]["optimizer_states"] == pytest.approx(2 * (1 + 4 / 2048))
    bf16_master = get(api, "training-memory", params="1e6", master_weights="bf16")
    assert bf16_master["per_param"]["master_weights"] == 0  # weights already bf16


def test_inference_memory(api):
    body = get(api, "inference-memory", params="7e9")
    assert body["dtype"] == "bf16" and body["defaults"]["dtype"] == "bf16"
    assert_size(body["total"], 14e9)
    nf4 = get(api, "inference-memory", params="7e9", dtype="nf4", double_quant="true")
    expected = memory.inference_memory(7_000_000_000, "nf4", double_quant=True)
    assert nf4["bytes"] == pytest.approx(expected.total_bytes)
    assert nf4["block_size"] == 64
    assert "nf4" in nf4["convention"]
    int4 = get(api, "inference-memory", params="70e9", dtype="int4", block_size=128)
    assert int4["bits_per_param"] == pytest.approx(4 + 32 / 128)
    assert [f["fits"] for f in int4["fits"]] == [False, True, True, True]


def test_kv_cache(api):
    body = get(
        api, "kv-cache", layers=32, kv_heads=8, head_dim=128, seq_len=4096, batch=4
    )
    nbytes = 2 * 32 * 8 * 128 * 2 * 4096 * 4
    assert_size(body, nbytes)
    assert_size(body["total"], nbytes)
    assert body["bytes_per_token"] == 2 * 32 * 8 * 128 * 2
    fp8 = get(
        api,
        "kv-cache",
        layers=32,
        kv_heads=8,
        head_dim=128,
        seq_len=4096,
        dtype="fp8_e4m3fn",
    )
    assert fp8["bytes"] == nbytes / 8


def test_activation_memory(api):
    query = {"seq_len": 4096, "hidden": 4096, "heads": 32, "layers": 32}
    s, h, a = 4096, 4096, 32
    none = get(api, "activation-memory", **query)
    assert none["bytes"] == pytest.approx(32 * s * h * (34 + 5 * a * s / h))
    selective = get(api, "activation-memory", **query, recompute="selective")
    assert selective["bytes"] == pytest.approx(32 * 34 * s * h)
    full = get(api, "activation-memory", **query, recompute="full")
    assert full["bytes"] == pytest.approx(32 * 2 * s * h)
    tp = get(
        api,
        "activation-memory",
        **query,
        micro_batch=2,
        tensor_parallel=8,
        sequence_parallel="true",
        recompute="selective",
    )
    assert tp["bytes"] == pytest.approx(32 * 34 * s * 2 * h / 8)
    assert "Korthikanti" in tp["convention"]


def test_training_compute(api):
    body = get(api, "training-compute", params="7e9", tokens="2e12")
    assert body["flops"] == pytest.approx(6 * 7e9 * 2e12)
    assert body["petaflop_days"] == pytest.approx(6 * 7e9 * 2e12 / 1e15 / 86400)
    assert "6·N·D" in body["convention"]
    assert [s["label"] for s in body["steps"]][-1] == "Training compute"


def test_huge_but_finite_sizes_are_fine(api):
    body = get(api, "training-compute", params="1e30", tokens="1e30")
    assert body["flops"] == pytest.approx(6e60)


# --------------------------------------------------------------------------
# Bad input: every parameter of every calculator

GOOD = {
    "training-memory": {"params": "7e9"},
    "inference-memory": {"params": "7e9"},
    "kv-cache": {"layers": "32", "kv_heads": "8", "head_dim": "128", "seq_len": "4096"},
    "activation-memory": {
        "seq_len": "4096",
        "hidden": "4096",
        "heads": "32",
        "layers": "32",
    },
    "training-compute": {"params": "7e9", "tokens": "2e12"},
}
SIZES = {
    "training-memory": ("params", "gpus"),
    "inference-memory": ("params", "block_size"),
    "kv-cache": ("layers", "kv_heads", "head_dim", "seq_len", "batch"),
    "activation-memory": (
        "seq_len",
        "micro_batch",
        "hidden",
        "heads",
        "layers",
        "tensor_parallel",
    ),
    "training-compute": ("params", "tokens"),
}
DTYPES = {
    "training-memory": ("weights_dtype", "grads_dtype", "master_weights"),
    "inference-memory": ("dtype",),
    "kv-cache": ("dtype",),
}
BAD_NUMBERS = ("0", "-1", "-7e9", "nan", "NaN", "inf", "1e400", "abc", "1.5", "7B", "")


def bad(name: str, field: str, value: str) -> tuple[str, dict, str]:
    return name, {**GOOD[name], field: value}, field


def _required_missing(name: str, field: str) -> tuple[str, dict, str]:
    return name, {k: v for k, v in GOOD[name].items() if k != field}, field


CASES = [
    *(
        bad(name, field, value)
        for name, fields in SIZES.items()
        for field in fields
        for value in BAD_NUMBERS
        # An empty optional field means "use the default".
        if not (value == "" and field not in GOOD[name])
    ),
    *(bad(name, field, "fp99") for name, fields in DTYPES.items() for field in fields),
    *(bad(name, "dtype", "BF16") for name in ("inference-memory", "kv-cache")),
    *(_required_missing(name, field) for name in GOOD for field in GOOD[name]),
    bad("training-memory", "zero_stage", "7"),
    bad("training-memory", "zero_stage", "-1"),
    bad("training-memory", "zero_stage", "1.5"),
    bad("training-memory", "zero_stage", "nan"),
    bad("training-memory", "optimizer", "lion"),
    bad("inference-memory", "double_quant", "maybe"),
    bad("activation-memory", "sequence_parallel", "maybe"),
    bad("activation-memory", "recompute", "partial"),
]


@pytest.mark.parametrize(
    ("name", "query", "field"),
    CASES,
    ids=[f"{n}-{f}={q.get(f, '<missing>')}" for n, q, f in CASES],
)
def test_bad_input_is_400_naming_the_field(api, name, query, field):
    response = api.get(BASE + name, query)
    assert response.status_code == 400, response.content
    error = strict_json(response)["error"]
    assert error["status"] == 400
    assert field in error["fields"], error
    assert f"{field}:" in error["message"]


HUGE = ("1e308", "-1e308", "9" * 400)
OVERFLOWS = [
    (name, field, value)
    for name, fields in SIZES.items()
    for field in fields
    for value in HUGE
]


def _finite_numbers(value) -> bool:
    if isinstance(value, dict):
        return all(_finite_numbers(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite_numbers(v) for v in value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return abs(value) <= 1.7976931348623157e308
    return value not in ("inf", "-inf", "nan")


@pytest.mark.parametrize(
    ("name", "field", "value"),
    OVERFLOWS,
    ids=[f"{n}-{f}={v[:6]}" for n, f, v in OVERFLOWS],
)
def test_an_input_too_large_is_a_400_naming_it_or_a_finite_answer(
    api, name, field, value
):
    """1e308 hidden units overflowed a float (a 500): anything a formula
    cannot hold is a 400 on the input; a 200 holds finite numbers only."""
    response = api.get(BASE + name, {**GOOD[name], field: value})
    assert response.status_code in (200, 400), response.content[:300]
    body = strict_json(response)
    if response.status_code == 400:
        assert field in body["error"]["fields"], body
    else:
        assert _finite_numbers(body), body


def test_an_overflow_names_the_input_that_caused_it(api):
    response = api.get(
        BASE + "activation-memory", {**GOOD["activation-memory"], "hidden": "1e308"}
    )
    error = strict_json(response)["error"]
    assert response.status_code == 400
    assert list(error["fields"]) == ["hidden"]
    assert "overflows" in error["message"]


def test_every_bad_field_is_named_at_once(api):
    response = api.get(
        BASE + "training-memory",
        {"params": "abc", "weights_dtype": "fp99", "zero_stage": "7", "gpus": "0"},
    )
    assert response.status_code == 400
    fields = strict_json(response)["error"]["fields"]
    assert list(fields) == ["params", "weights_dtype", "zero_stage", "gpus"]


def test_double_quant_needs_blocks(api):
    response = api.get(
        BASE + "inference-memory", {"params": "7e9", "double_quant": "true"}
    )
    assert response.status_code == 400
    assert "double_quant" in strict_json(response)["error"]["fields"]


def test_calculators_are_public_and_read_only(api):
    for name, query in GOOD.items():
        assert api.get(BASE + name, query).status_code == 200
        assert api.post(BASE + name, query).status_code == 405


def test_anonymous_requests_are_throttled(api, settings):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import AnonRateThrottle

    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "anon": "3/min"}
    original = AnonRateThrottle.THROTTLE_RATES
    AnonRateThrottle.THROTTLE_RATES = rates
    try:
        codes = [
            api.get(BASE + "training-compute", GOOD["training-compute"]).status_code
            for _ in range(4)
        ]
    finally:
        AnonRateThrottle.THROTTLE_RATES = original
    assert codes == [200, 200, 200, 429]


def test_selectors_match_the_domain_module():
    from lessons.selectors import calculate

    body = calculate(
        "training-memory", {"params": "7e9", "gpus": "4", "zero_stage": "2"}
    )
    domain = precision.training_memory(7_000_000_000, gpus=4, zero_stage=2)
    assert body["bytes"] == domain.total_bytes


def test_schema_documents_each_calculators_own_parameters():
    from drf_spectacular.generators import SchemaGenerator

    from lessons.selectors import CALCULATORS

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    for name, calculator in CALCULATORS.items():
        operation = paths[f"/api/v1/calculators/{name}"]["get"]
        documented = {p["name"] for p in operation["parameters"]}
        assert documented == {p.name for p in calculator.params}
        required = {p["name"] for p in operation["parameters"] if p.get("required")}
        assert required == set(GOOD[name])
