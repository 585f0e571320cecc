"""The demos' CUDA paths on a real GPU (``make gpu-check`` runs these there).

Skipped where torch sees no CUDA device; the torch/numpy agreement tests in
``tests/workers/test_demos_torch.py`` run on the GPU too in the same check.
"""

from __future__ import annotations

import json

import pytest

from tests.gpu.reference import demo_params, torch_tflops
from workers.demos import DEMOS, get_demo
from workers.demos import matmul_throughput as M

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.skipif(
    not torch.cuda.is_available(), reason="needs a CUDA device (make gpu-check)"
)
DEVICE = "cuda"


@pytest.mark.parametrize("name", list(DEMOS))
def test_every_demo_runs_on_the_gpu_and_its_result_names_it(name):
    result = get_demo(name).run(
        demo_params(name, DEVICE, quick=True), backend="torch", device=DEVICE
    )
    json.dumps(result, allow_nan=False)
    assert result["backend"] == "torch"
    assert result["device"].startswith("cuda")
    assert torch.cuda.get_device_name() in result["device_label"]
    assert result["summary"] and result["charts"]


def test_matmul_times_every_dtype_with_cuda_events_and_reports_share_of_peak():
    params = {"min_size": 1024, "max_size": 4096, "warmup": 2, "repeats": 10}
    result = M.run(params, backend="torch", device=DEVICE)
    rows = {(r["size"], r["dtype"]): r for r in result["data"]["measurements"]}
    fp8 = torch.cuda.get_device_capability() >= (8, 9)
    for (_, dtype), row in rows.items():
        want = "ok" if dtype != "fp8_e4m3fn" or fp8 else "unsupported"
        assert row["status"] == want, row
    big = {d: rows[(4096, d)] for d in M.DTYPES if rows[(4096, d)]["status"] == "ok"}
    assert big["tf32"]["tflops"] > 2 * big["fp32"]["tflops"]
    assert big["bf16"]["tflops"] > big["tf32"]["tflops"]
    if result["data"]["peak_source"]:
        for row in big.values():
            assert 0 < row["peak_fraction"] < 1.1, row


def test_the_matmul_demo_leaves_the_tf32_setting_as_it_found_it():
    before = M._get_tf32(torch)
    M.run(
        {"min_size": 256, "max_size": 256, "repeats": 2}, backend="torch", device=DEVICE
    )
    assert M._get_tf32(torch) == before


def test_the_demo_reaches_most_of_torchs_own_matmul_figure():
    params = {"min_size": 4096, "max_size": 4096, "warmup": 3, "repeats": 20}
    params["dtypes"] = ["bf16"]
    (row,) = M.run(params, backend="torch", device=DEVICE)["data"]["measurements"]
    theirs = torch_tflops(DEVICE, 4096, "bf16", repeats=20)
    assert row["tflops"] > 0.5 * theirs  # the check's summary holds it to 85%


def test_mixed_precision_training_uses_autocast_and_gradscaler(monkeypatch):
    calls = {"autocast": 0, "scaler": 0}
    autocast, scaler = torch.autocast, torch.amp.GradScaler

    def counting_autocast(*args, **kwargs):
        calls["autocast"] += 1
        return autocast(*args, **kwargs)

    def counting_scaler(*args, **kwargs):
        made = scaler(*args, **kwargs)
        calls["scaler"] += made.is_enabled()
        return made

    monkeypatch.setattr(torch, "autocast", counting_autocast)
    monkeypatch.setattr(torch.amp, "GradScaler", counting_scaler)
    params = {"steps": 120, "hidden": 32, "batch": 64, "lr": 0.005}
    modes = get_demo("mixed_precision_training").run(
        params, backend="torch", device=DEVICE
    )["data"]["modes"]
    assert calls["autocast"] >= 120 and calls["scaler"] >= 1
    fp32 = modes["fp32"]["final_loss"]
    assert modes["fp16_master_scaled"]["final_loss"] == pytest.approx(fp32, rel=0.02)
    assert modes["fp16_master_scaled"]["lost_update_share"] < 0.01
    assert modes["fp16_pure"]["lost_update_share"] > 0.3
