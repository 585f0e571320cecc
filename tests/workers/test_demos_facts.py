"""Key facts of the precision lesson, as the numpy demos compute them."""

import re

import pytest

from tests.workers.test_demos import default_result
from workers.demos import loss_scaling, matmul_throughput, quantization
from workers.demos import mixed_precision_training as mpt
from workers.demos import range_precision as rp
from workers.demos import update_swallowing as us
from workers.demos._gradscaler import ScalerState, scaler_update
from workers.demos.matmul_throughput import peak_for


def test_fp16_largest_finite_value_is_65504():
    facts = default_result("range_precision")["data"]["formats"]
    assert facts["fp16"]["max"] == 65504
    assert facts["fp16"]["min_subnormal"] == 2.0**-24
    assert facts["fp8_e4m3fn"]["max"] == 448
    assert facts["fp4_e2m1fn"]["max"] == 6


def test_fp8_e4m3fn_overflow_becomes_nan_in_ml_dtypes_and_the_summary_warns():
    result = default_result("range_precision")
    assert result["data"]["formats"]["fp8_e4m3fn"]["twice_max_becomes"] == "nan"
    assert any("clip before casting" in s for s in result["summary"])


def test_spacing_doubles_with_each_binade():
    result = rp.run({"formats": ["fp16"], "min_exp2": 0, "max_exp2": 3})
    gaps = dict(result["charts"][0]["series"][0]["points"])
    assert gaps[1.0] == 2.0**-10
    assert gaps[2.0] == 2.0**-9
    assert gaps[4.0] == 2.0**-8


def _final(result, mode):
    return result["data"]["modes"][mode]


def test_update_below_2_pow_minus_11_is_lost_in_fp16_at_one():
    result = us.run({"lr": 2.0**-12, "grad": 1.0, "steps": 100})
    fp16 = _final(result, "fp16")
    assert fp16["threshold"] == 2.0**-11
    assert fp16["final"] == 1.0 and not fp16["changed"]
    assert _final(result, "fp16_master")["changed"]


def test_update_below_2_pow_minus_8_is_lost_in_bf16_but_kept_with_master_weights():
    result = us.run({"lr": 2.0**-9, "grad": 1.0, "steps": 256})
    assert _final(result, "bf16")["threshold"] == 2.0**-8
    assert _final(result, "bf16")["final"] == 1.0
    master = _final(result, "bf16_master")
    assert master["final"] == pytest.approx(1.5, abs=2.0**-7)
    assert _final(result, "fp32")["final"] == 1.5


def test_update_just_above_half_spacing_moves_an_fp16_weight():
    result = us.run({"lr": 2.0**-11 * 1.01, "grad": 1.0, "steps": 3, "modes": ["fp16"]})
    assert _final(result, "fp16")["final"] == 1.0 + 3 * 2.0**-10


def test_scaler_halves_and_skips_on_overflow_and_grows_after_the_interval():
    state = ScalerState()
    assert state.scale == 2.0**16
    state = scaler_update(state, found_inf=True, interval=3)
    assert state == ScalerState(scale=2.0**15, clean_steps=0)
    for _ in range(2):
        state = scaler_update(state, found_inf=False, interval=3)
    assert state.scale == 2.0**15
    state = scaler_update(state, found_inf=False, interval=3)
    assert state == ScalerState(scale=2.0**16, clean_steps=0)


def test_dynamic_run_follows_the_gradscaler_rule_step_by_step():
    params = {"steps": 300, "batch": 32, "growth_interval": 20, "count": 1000}
    params |= {"spike_prob": 0.05, "spike_factor": 1e6}
    d = loss_scaling.run(params)["data"]["dynamic"]
    skipped, events = set(d["skipped_steps"]), d["events"]
    assert skipped, "spikes must cause overflow"
    backoffs = {e["step"] for e in events if e["kind"] == "backoff"}
    assert backoffs == {k + 1 for k in skipped}
    scale, clean = d["initial_scale"], 0
    by_step = {e["step"]: e for e in events}
    for k in range(d["steps"]):
        expect = scaler_update(
            ScalerState(scale, clean), found_inf=k in skipped, interval=20
        )
        if k + 1 in by_step:
            assert by_step[k + 1]["scale"] == expect.scale
        scale, clean = expect.scale, expect.clean_steps
    assert d["final_scale"] == scale
    assert any(e["kind"] == "growth" for e in events)


def test_small_gradients_flush_to_zero_in_fp16_but_not_in_bf16():
    shares = default_result("loss_scaling")["data"]["shares"]
    assert shares["fp16"]["zero"] > 0.01
    assert shares["bf16"]["zero"] == 0
    assert shares["fp8_e5m2"]["zero"] > shares["fp16"]["zero"]


def test_loss_scale_sweep_trades_underflow_for_overflow():
    sweep = default_result("loss_scaling")["data"]["sweep"]
    assert sweep[0]["fp16"]["underflow"] > sweep[12]["fp16"]["underflow"]
    assert sweep[0]["fp16"]["overflow"] == 0
    assert sweep[-1]["fp16"]["overflow"] > 0


def test_int8_per_channel_beats_per_tensor_on_a_matrix_with_outlier_rows():
    s = default_result("quantization")["data"]["schemes"]
    assert s["int8_channel"]["mse"] < s["int8_tensor"]["mse"] / 10
    assert s["int4_group"]["mse"] < s["int4_tensor"]["mse"]


def test_int4_error_is_larger_than_int8_error():
    s = default_result("quantization")["data"]["schemes"]
    for blocking in ("tensor", "channel", "group"):
        assert s[f"int4_{blocking}"]["mse"] > s[f"int8_{blocking}"]["mse"]
        assert s[f"int4_{blocking}"]["snr_db"] < s[f"int8_{blocking}"]["snr_db"]


def test_memory_includes_the_scale_overhead():
    result = quantization.run({"rows": 64, "cols": 128, "group_size": 64})
    s = result["data"]["schemes"]
    assert s["nf4"]["bits_per_param"] == 4 + 32 / 64
    assert s["int8_channel"]["bits_per_param"] == 8 + 32 / 128
    assert s["int4_tensor"]["bytes"] == pytest.approx((4 * 64 * 128 + 32) / 8)


def test_model_mode_reports_accuracy_before_and_after_each_scheme():
    params = {"source": "mlp", "train_steps": 100, "hidden": 32}
    data = quantization.run(params)["data"]
    assert data["accuracy_fp32"] > 0.5
    for scheme in data["schemes"].values():
        assert 0 <= scheme["accuracy"] <= 1
    assert data["schemes"]["int8_channel"]["accuracy"] == pytest.approx(
        data["accuracy_fp32"], abs=0.05
    )


def test_pure_fp16_training_does_worse_where_master_weights_and_scaling_train():
    modes = default_result("mixed_precision_training")["data"]["modes"]
    pure, mixed = modes["fp16_pure"], modes["fp16_master_scaled"]
    assert pure["final_loss"] > mixed["final_loss"]
    assert pure["lost_update_share"] > 0.3
    assert mixed["lost_update_share"] < 0.01
    assert mixed["final_loss"] == pytest.approx(modes["fp32"]["final_loss"], rel=0.01)


def test_bytes_per_parameter_are_computed_per_mode():
    modes = default_result("mixed_precision_training")["data"]["modes"]
    assert modes["fp32"]["bytes_per_param"] == 8
    assert modes["fp16_pure"]["bytes_per_param"] == 4
    assert modes["fp16_master_scaled"]["bytes_per_param"] == 8
    assert modes["bf16_master"]["bytes_held"]["master"] == 4


def test_training_is_deterministic_for_a_seed():
    params = {
        "steps": 20,
        "hidden": 16,
        "batch": 32,
        "modes": ["fp16_pure", "bf16_master"],
    }
    a, b = mpt.run(params), mpt.run(params)
    assert a["charts"] == b["charts"]
    assert (
        a["data"]["modes"]["bf16_master"]["accuracy"]
        == (b["data"]["modes"]["bf16_master"]["accuracy"])
    )


def test_cpu_matmul_table_says_emulated_and_never_claims_slower_is_faster():
    result = default_result("matmul_throughput")
    rows = {(r["size"], r["dtype"]): r for r in result["data"]["measurements"]}
    assert "emulated" in rows[(512, "fp16")]["note"]
    assert rows[(512, "fp8_e4m3fn")]["status"] == "unsupported"
    assert rows[(512, "tf32")]["status"] == "unsupported"
    fp32 = rows[(512, "fp32")]["tflops"]
    for sentence in result["summary"]:
        m = re.match(r"(\w+) was [\d.]+x (faster|slower) than fp32", sentence)
        if m:
            faster = rows[(512, m.group(1))]["tflops"] > fp32
            assert (m.group(2) == "faster") == faster
    assert any("emulated" in s for s in result["summary"])


def test_tflops_are_two_n_cubed_over_time():
    data = matmul_throughput.run(
        {"min_size": 32, "max_size": 32, "dtypes": ["fp32"], "repeats": 2}
    )["data"]
    row = data["measurements"][0]
    assert row["tflops"] == pytest.approx(2 * 32**3 / row["seconds"] / 1e12)


def test_suggested_gpu_parameters_are_valid():
    clean = matmul_throughput.validate_params(matmul_throughput.GPU_PARAMS)
    assert clean["max_size"] == 8192


def test_peaks_are_known_for_sxm_hopper_and_ampere_only():
    label, peaks = peak_for("NVIDIA H200")
    assert peaks["bf16"] == 989 and peaks["fp8_e4m3fn"] == 1979
    assert peak_for("NVIDIA H100 80GB HBM3")[1]["tf32"] == 495
    assert peak_for("NVIDIA A100-SXM4-80GB")[1]["fp32"] == 19.5
    assert peak_for("NVIDIA H100 PCIe") is None
    assert peak_for("Tesla T4") is None
