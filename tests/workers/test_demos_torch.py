"""The torch backends agree with numpy where they should.

They run on CPU torch; ``make gpu-check`` runs them again with
``STUDYSITE_DEMO_DEVICE=cuda`` on a machine with a GPU.
"""

import json
import os

import numpy as np
import pytest

from workers.demos import DemoParamError, get_demo
from workers.demos import _quant as Q

torch = pytest.importorskip("torch")

DEVICE = os.environ.get("STUDYSITE_DEMO_DEVICE", "cpu")
cpu_only = pytest.mark.skipif(DEVICE != "cpu", reason="what CPU torch does")


def run(name, params, backend):
    device = DEVICE if backend == "torch" else None
    result = get_demo(name).run(params, backend=backend, device=device)
    json.dumps(result, allow_nan=False)
    return result


@cpu_only
def test_torch_cpu_label_names_torch_and_no_emulation():
    result = run("range_precision", {"formats": ["fp16"]}, "torch")
    assert result["backend"] == "torch"
    assert result["device_label"] == f"CPU, torch {torch.__version__.split('+')[0]}"


def test_unknown_torch_device_is_rejected():
    with pytest.raises(DemoParamError) as exc:
        get_demo("range_precision").run({}, backend="torch", device="tpu")
    assert "device" in exc.value.errors


def test_range_thresholds_and_spacing_agree_exactly():
    params = {"min_exp2": -30, "max_exp2": 20, "points_per_octave": 3}
    a, b = (
        run("range_precision", params, "numpy"),
        run("range_precision", params, "torch"),
    )
    for name, facts in b["data"]["formats"].items():
        ref = a["data"]["formats"][name]
        for key in ("max", "min_normal", "min_subnormal", "eps"):
            assert facts[key] == ref[key], (name, key)
    assert b["charts"][0]["series"] == a["charts"][0]["series"][:5]
    assert set(b["data"]["unsupported"]) == {"fp6_e2m3fn", "fp6_e3m2fn", "fp4_e2m1fn"}


def test_torch_saturates_fp8_e4m3fn_where_ml_dtypes_gives_nan():
    b = run("range_precision", {"formats": ["fp8_e4m3fn"]}, "torch")
    assert b["data"]["formats"]["fp8_e4m3fn"]["twice_max_becomes"] == 448


@pytest.mark.parametrize(
    ("lr", "grad", "w0"), [(1e-3, 0.1, 1.0), (1e-3, 1.3, 3.7), (2.0**-12, 1.0, 1.0)]
)
def test_update_swallowing_trajectories_agree_exactly(lr, grad, w0):
    params = {"lr": lr, "grad": grad, "w0": w0, "steps": 300, "max_points": 400}
    a, b = (
        run("update_swallowing", params, "numpy"),
        run("update_swallowing", params, "torch"),
    )
    assert a["charts"] == b["charts"]
    assert a["data"] == b["data"]


def test_loss_scaling_agrees_including_torchs_own_scale_update():
    params = {"count": 2000, "steps": 200, "batch": 16, "growth_interval": 15}
    params |= {"spike_prob": 0.05, "spike_factor": 1e6}
    a, b = run("loss_scaling", params, "numpy"), run("loss_scaling", params, "torch")
    assert a["data"]["dynamic"] == b["data"]["dynamic"]
    assert a["data"]["dynamic"]["skipped_steps"]
    assert a["data"]["shares"] == b["data"]["shares"]
    assert a["data"]["sweep"] == b["data"]["sweep"]


@pytest.mark.parametrize("scheme", list(Q.SCHEMES))
def test_quantizers_agree_bit_for_bit(scheme):
    rng = np.random.default_rng(3)
    w = (rng.standard_normal((24, 100)) * 0.02).astype(np.float32)
    w[5] *= 30
    a, na = Q.np_quantize(w, scheme, 32)
    b, nb = Q.torch_quantize(torch, w, scheme, 32, DEVICE)
    assert na == nb
    np.testing.assert_array_equal(a, b)


def test_quantization_results_agree():
    params = {"rows": 32, "cols": 64}
    a, b = run("quantization", params, "numpy"), run("quantization", params, "torch")
    assert a["data"] == b["data"]


def test_mixed_precision_training_tracks_numpy_and_pure_fp16_lags():
    params = {"steps": 120, "hidden": 32, "batch": 64, "lr": 0.005}
    a = run("mixed_precision_training", params, "numpy")["data"]["modes"]
    b = run("mixed_precision_training", params, "torch")["data"]["modes"]
    for mode in a:
        assert b[mode]["final_loss"] == pytest.approx(a[mode]["final_loss"], rel=2e-3)
    assert b["fp16_pure"]["lost_update_share"] > 0.3
    assert b["fp16_master_scaled"]["lost_update_share"] < 0.01
    assert b["fp16_pure"]["bytes_per_param"] == 4
    assert b["fp32"]["bytes_per_param"] == 8


@cpu_only
def test_torch_cpu_matmul_marks_tf32_and_fp8_unsupported():
    params = {"min_size": 64, "max_size": 64, "repeats": 1}
    rows = run("matmul_throughput", params, "torch")["data"]["measurements"]
    status = {r["dtype"]: r["status"] for r in rows}
    assert status == {
        "fp32": "ok",
        "tf32": "unsupported",
        "bf16": "ok",
        "fp16": "ok",
        "fp8_e4m3fn": "unsupported",
    }
    assert all(r["peak_fraction"] is None for r in rows)


def test_torch_range_summary_names_this_torch_and_what_its_cast_gave():
    b = run("range_precision", {"formats": ["fp8_e4m3fn", "fp8_e5m2"]}, "torch")
    facts = b["data"]["formats"]
    became = facts["fp8_e4m3fn"]["twice_max_becomes"]
    said = {"nan": "nan", 448: "448 (it saturates)"}.get(became, str(became))
    version = torch.__version__.split("+")[0]
    line = next(s for s in b["summary"] if "on this worker" in s)
    assert line.startswith(
        f"torch {version} on this worker: casting 2 × max (896) to fp8 E4M3 "
        f"gives {said}."
    )
    a = run("range_precision", {"formats": ["fp8_e5m2"]}, "numpy")
    assert (
        facts["fp8_e5m2"]["near_1000"] == a["data"]["formats"]["fp8_e5m2"]["near_1000"]
    )
    assert facts["fp8_e5m2"]["near_1000"] == {
        "stored": 1024,
        "below": 896,
        "above": 1024,
    }
