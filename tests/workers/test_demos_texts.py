"""What the demos say: every claim follows from the registry or the run itself."""

from __future__ import annotations

import math
import re

import ml_dtypes
import numpy as np
import pytest

from lessons.precision.compute import GPUS
from tests.workers.test_demos import default_result
from workers.demos import loss_scaling, range_precision
from workers.demos import mixed_precision_training as mpt
from workers.demos._results import fmt
from workers.demos.matmul_throughput import DEMO as MATMUL

# --- matmul_throughput: the 16-bit jump is the tensor cores -----------------


def test_matmul_text_gives_the_tensor_core_jump_from_the_registry():
    h100 = GPUS["h100_80gb"]
    fp32, bf16, fp8 = (h100.peak_flops(d) for d in ("fp32", "bf16", "fp8"))
    text = MATMUL.what_it_shows
    assert "On GPUs with tensor cores each halving" not in text
    assert "below 16 bits each halving of the bits roughly doubles" in text
    assert f"about {round(bf16 / fp32)}×" in text
    assert f"bf16 to fp8: {fp8 / bf16:.0f}×" in text
    assert f"{fp32 / 1e12:g}" in text and f"{bf16 / 1e12:g}" in text
    assert "tensor cores" in text and h100.label.split(" 80GB")[0] in text


# --- range_precision: what this worker's cast does -----------------------------


def test_numpy_range_summary_names_ml_dtypes_nan_and_the_torch_version():
    summary = " ".join(default_result("range_precision")["summary"])
    assert "recent torch" not in summary.lower()
    assert f"ml_dtypes {ml_dtypes.__version__}" in summary
    assert "gives nan" in summary.lower()
    assert "torch 2.12" in summary
    # The NaN threshold is computed: halfway between 448 and the next step.
    assert "464" in summary


def test_range_summary_says_what_the_measured_cast_gave():
    facts = {"max": 448.0, "min_normal": 2.0**-6, "min_subnormal": 2.0**-9}
    facts |= {"eps": 0.125, "gap_near_1000": None, "twice_max_becomes": 448.0}
    facts |= {"rounds_to_max_up_to": 464.0, "near_1000": None}
    line = range_precision.fp8_cast_sentence(facts, library="torch 2.13.0")
    assert line.startswith("torch 2.13.0 on this worker: casting 2 × max (896)")
    assert "gives 448 (it saturates)" in line
    nan = range_precision.fp8_cast_sentence(
        facts | {"twice_max_becomes": "nan"}, library="torch 2.11.0"
    )
    assert "gives nan" in nan and "above 464" in nan
    assert "from 2.12 on they saturate to 448" in nan


def test_e5m2_near_1000_names_the_stored_value_and_its_neighbours():
    result = range_precision.run({"formats": ["fp8_e5m2", "fp16"]})
    summary = " ".join(result["summary"])
    # 1000 lies between 896 and 1024 in E5M2 and rounds to 1024: 128 apart.
    assert "1000 is stored as 1024, between 896 and 1024 (128 apart)" in summary
    assert "1000 is exact" in summary  # fp16 holds it
    assert "256 apart" not in summary


def test_flush_point_is_half_the_smallest_subnormal_and_included():
    summary = " ".join(range_precision.run({"formats": ["fp16"]})["summary"])
    half = float(np.float16(2.0**-24)) / 2
    assert np.float16(half) == 0  # ties to even: exactly half flushes
    assert f"values at or below half of it, {fmt(half)}, flush to zero" in summary


# --- mixed_precision_training: say what happened in this run ---------------------


def _facts(loss: float, lost: float) -> dict:
    return {
        "final_loss": loss,
        "accuracy": 0.5,
        "lost_update_share": lost,
        "bytes_per_param": 4.0,
    }


def _verdict(pure: dict, mixed: dict) -> str:
    from workers.demos._backend import resolve_target

    facts = {"fp16_pure": pure, "fp16_master_scaled": mixed}
    lines = mpt._summary(resolve_target("numpy", None), facts)
    return next(s for s in lines if s.startswith(("Pure fp16", "This run", "In this")))


def test_mixed_summary_blames_rounding_only_when_pure_fp16_did_worse():
    worse = _verdict(_facts(1.0009, 0.704), _facts(0.9711, 0.0))
    assert "lost 70% of its weight updates" in worse
    assert "1.001" in worse and "0.9711" in worse
    kept = _verdict(_facts(1.5085, 0.392), _facts(1.5067, 0.0))
    assert "round away" not in kept and "worse" not in kept
    assert "kept up" in kept and "39%" in kept
    large = _verdict(_facts(0.1064, 0.031), _facts(0.1063, 0.0))
    assert "large enough" in large and "3.1%" in large
    nan = _verdict(_facts(math.nan, 0.5), _facts(0.9, 0.0))
    assert "diverged" in nan


def test_a_short_run_where_pure_fp16_keeps_up_says_so():
    params = {"steps": 120, "hidden": 32, "batch": 64, "lr": 0.005}
    params["modes"] = ["fp16_pure", "fp16_master_scaled"]
    result = mpt.run(params)
    modes = result["data"]["modes"]
    pure, mixed = modes["fp16_pure"], modes["fp16_master_scaled"]
    assert pure["final_loss"] == pytest.approx(mixed["final_loss"], rel=0.01)
    summary = " ".join(result["summary"])
    assert "round away" not in summary
    assert "kept up" in summary


def test_the_default_run_says_pure_fp16_lost_updates_and_did_worse():
    summary = " ".join(default_result("mixed_precision_training")["summary"])
    modes = default_result("mixed_precision_training")["data"]["modes"]
    share = round(100 * modes["fp16_pure"]["lost_update_share"])
    assert f"Pure fp16 lost {share}% of its weight updates" in summary


# --- loss_scaling: subnormal is lost precision, not a rescue ----------------------


def test_sweep_counts_subnormal_gradients_in_every_format():
    sweep = default_result("loss_scaling")["data"]["sweep"]
    for entry in sweep:
        for f in loss_scaling.CAST_FORMATS:
            s = entry[f]
            assert set(s) == {"underflow", "subnormal", "normal", "overflow"}
            total = s["underflow"] + s["subnormal"] + s["normal"] + s["overflow"]
            assert total == pytest.approx(1.0)
    assert sweep[0]["fp16"]["subnormal"] > 0


def test_best_scale_keeps_the_most_gradients_normal_without_overflow():
    result = default_result("loss_scaling")
    sweep = result["data"]["sweep"]
    safe = [s for s in sweep if s["fp16"]["overflow"] == 0]
    best = max(safe, key=lambda s: (s["fp16"]["normal"], -s["scale_exp2"]))
    flushed_only = min(
        sweep, key=lambda s: s["fp16"]["underflow"] + s["fp16"]["overflow"]
    )
    assert best["scale_exp2"] > flushed_only["scale_exp2"]  # the old answer was lower
    line = next(s for s in result["summary"] if "normal range" in s)
    assert f"2^{best['scale_exp2']}" in line
    assert "without overflow" in line
    assert f"{loss_scaling._pct(best['fp16']['normal'])} normal" in line
    assert loss_scaling._pct(0.99962) == "99.96%" and loss_scaling._pct(1.0) == "100%"
    assert re.search(r"subnormal", line)


def test_best_scale_when_every_scale_overflows_says_so():
    sweep = [
        {
            "scale_exp2": e,
            "fp16": {
                "underflow": 0.1,
                "subnormal": 0.1,
                "normal": 0.7,
                "overflow": 0.1,
            },
        }
        for e in range(3)
    ]
    line = loss_scaling.best_scale_sentence(sweep)
    assert "every scale" in line and "overflow" in line
