"""Registry, parameter validation, result layout and purity of workers.demos."""

import json
import math
import subprocess
import sys
from functools import cache

import numpy as np
import pytest

from workers.demos import (
    DEMOS,
    DemoParamError,
    UnknownDemoError,
    get_demo,
    json_safe,
    matmul_throughput,
    range_precision,
    update_swallowing,
)

ANCHORS = {
    "floating-point-numbers",
    "range-versus-precision",
    "what-fewer-bits-save",
    "quantization",
    "mixed-precision-training",
    "the-asymmetry",
}


@cache
def default_result(name: str) -> dict:
    """Run a demo once at its defaults on numpy (shared by several tests)."""
    return get_demo(name).run({}, backend="numpy", device=None, progress=None)


def test_registry_holds_six_demos_covering_every_lesson_anchor():
    assert len(DEMOS) == 6
    assert {d.lesson_anchor for d in DEMOS.values()} == ANCHORS
    for name, demo in DEMOS.items():
        assert demo.name == name
        sentences = demo.what_it_shows.count(". ") + 1
        assert 2 <= sentences <= 3


def test_get_demo_with_unknown_name_lists_known_demos():
    with pytest.raises(UnknownDemoError, match="known demos: range_precision"):
        get_demo("no_such_demo")


def test_schema_is_json_and_defaults_validate():
    for demo in DEMOS.values():
        schema = json.dumps(demo.to_dict(), allow_nan=False)
        assert demo.name in schema
        clean = demo.validate_params({})
        assert set(clean) == {p.name for p in demo.params}


def test_unknown_parameter_is_rejected():
    with pytest.raises(DemoParamError) as exc:
        update_swallowing.validate_params({"stepz": 10})
    assert "unknown parameter" in exc.value.errors["stepz"]


def test_above_bound_message_states_the_bound():
    with pytest.raises(DemoParamError) as exc:
        update_swallowing.validate_params({"steps": 100_001})
    assert exc.value.errors["steps"] == "must be at most 100000"


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_nan_and_infinity_are_rejected(bad):
    with pytest.raises(DemoParamError) as exc:
        update_swallowing.validate_params({"lr": bad})
    assert "finite" in exc.value.errors["lr"]


def test_negative_value_is_rejected():
    with pytest.raises(DemoParamError) as exc:
        update_swallowing.validate_params({"lr": -0.1})
    assert exc.value.errors["lr"] == "must not be negative"


def test_unknown_dtype_is_rejected():
    with pytest.raises(DemoParamError) as exc:
        range_precision.validate_params({"formats": ["fp16", "fp7"]})
    assert exc.value.errors["formats"].startswith("unknown dtype 'fp7'")


@pytest.mark.parametrize("bad", ["10", 2.5, True, None])
def test_wrong_type_is_rejected(bad):
    with pytest.raises(DemoParamError) as exc:
        update_swallowing.validate_params({"steps": bad})
    assert "integer" in exc.value.errors["steps"]


def test_every_problem_is_reported_at_once():
    with pytest.raises(DemoParamError) as exc:
        update_swallowing.validate_params({"steps": -1, "lr": "x", "foo": 1})
    assert set(exc.value.errors) == {"steps", "lr", "foo"}
    assert isinstance(exc.value, ValueError)


def test_integral_float_is_accepted_for_int_and_multichoice_is_deduplicated():
    clean = range_precision.validate_params(
        {"points_per_octave": 4.0, "formats": ["fp16", "fp16", "bf16"]}
    )
    assert clean["points_per_octave"] == 4
    assert clean["formats"] == ("fp16", "bf16")


def test_inconsistent_range_is_rejected():
    with pytest.raises(DemoParamError) as exc:
        range_precision.validate_params({"min_exp2": 5, "max_exp2": 5})
    assert "max_exp2" in exc.value.errors


def test_unknown_backend_and_numpy_on_cuda_are_rejected():
    demo = get_demo("range_precision")
    with pytest.raises(DemoParamError, match="unknown backend"):
        demo.run({}, backend="jax")
    with pytest.raises(DemoParamError, match="CPU only"):
        demo.run({}, backend="numpy", device="cuda")


def test_matmul_sizes_above_the_cpu_bound_are_rejected_with_the_bound():
    with pytest.raises(DemoParamError) as exc:
        matmul_throughput.run({"min_size": 4096, "max_size": 4096})
    assert exc.value.errors["max_size"] == "must be at most 2048 on a CPU"


@pytest.mark.parametrize("name", list(DEMOS))
def test_default_numpy_run_is_json_safe_and_complete(name):
    result = default_result(name)
    text = json.dumps(result, allow_nan=False)
    assert json.loads(text) == result
    assert result["backend"] == "numpy"
    assert result["device_label"].startswith("CPU, numpy 2.")
    assert "ml_dtypes" in result["device_label"]
    assert result["summary"]
    assert all(isinstance(s, str) and s for s in result["summary"])
    for chart in result["charts"]:
        assert {"title", "x_label", "y_label", "x_log", "y_log", "series"} <= set(chart)
        for line in chart["series"]:
            assert all(len(pt) == 2 for pt in line["points"])
    for table in result["tables"]:
        assert all(len(row) == len(table["columns"]) for row in table["rows"])


def test_progress_is_reported_from_zero_to_one():
    calls = []
    update_swallowing.run({"steps": 10}, progress=lambda f, m: calls.append((f, m)))
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions)
    assert fractions[0] == 0 and fractions[-1] == 1
    assert all(isinstance(m, str) for _, m in calls)


def test_json_safe_turns_non_finite_numbers_into_strings():
    import ml_dtypes

    value = {
        "a": [np.float32("nan"), math.inf, -math.inf],
        "b": np.array([1.5, np.inf]),
        "c": (np.int64(3), np.bool_(True)),
        "d": ml_dtypes.bfloat16(2.5),
        1: None,
    }
    safe = json_safe(value)
    assert safe == {
        "a": ["nan", "inf", "-inf"],
        "b": [1.5, "inf"],
        "c": [3, True],
        "d": 2.5,
        "1": None,
    }
    json.dumps(safe, allow_nan=False)


def test_importing_demos_loads_neither_torch_nor_django_nor_celery():
    code = (
        "import sys, workers.demos; "
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('torch', 'django', 'celery')]; print(bad)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
