"""Torch's own best matrix product, next to the demo's, for ``make gpu-check``.

The demo (``workers.demos.matmul_throughput``) times ``a @ b`` as a learner's
run does. The reference here is what torch reaches at the same shape with
nothing of ours in the way: the output written in place (``out=``), more
warm-up, and the best of several batches timed with CUDA events. fp8 uses the
same ``torch._scaled_mm`` call as the demo (unit scales, bf16 output, the
default accumulation), so the two differ only in how they are timed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from workers.demos import matmul_throughput as M
from workers.demos._backend import import_torch

# Sizes small enough for a CPU, for the suite's run of the script.
CPU_PARAMS: dict[str, Any] = {"min_size": 128, "max_size": 256, "repeats": 2}
QUICK_GPU: dict[str, Any] = {**M.GPU_PARAMS, "max_size": 4096}
BATCHES = 3


@dataclass
class MatmulRow:
    dtype: str
    size: int
    demo_tflops: float | None
    torch_tflops: float | None
    peak_tflops: float | None
    note: str = ""

    @property
    def share_of_torch(self) -> float | None:
        if self.demo_tflops is None or not self.torch_tflops:
            return None
        return self.demo_tflops / self.torch_tflops

    @property
    def share_of_peak(self) -> float | None:
        if self.demo_tflops is None or not self.peak_tflops:
            return None
        return self.demo_tflops / self.peak_tflops


def demo_params(name: str, device: str, quick: bool) -> dict[str, Any]:
    """The parameters a run of ``name`` gets on this device in the check."""
    if name != M.DEMO.name:
        return {}
    if device == "cpu":
        return {**CPU_PARAMS, "dtypes": ["fp32", "bf16"]}
    return dict(QUICK_GPU if quick else M.GPU_PARAMS)


def matmul_rows(device: str, quick: bool) -> list[MatmulRow]:
    """Per dtype at the largest size: the demo's TFLOP/s, torch's, the peak."""
    params = demo_params(M.DEMO.name, device, quick)
    result = M.run(params, backend="torch", device=device)
    rows = result["data"]["measurements"]
    n = max(r["size"] for r in rows)
    peaks = result["data"]["peak_source"] and M.peak_for(_device_name(device))
    out = []
    for r in rows:
        if r["size"] != n:
            continue
        peak = peaks[1].get(r["dtype"]) if peaks else None
        if r["status"] != "ok":
            out.append(MatmulRow(r["dtype"], n, None, None, peak, r["note"]))
            continue
        theirs = torch_tflops(device, n, r["dtype"], repeats=params["repeats"])
        out.append(MatmulRow(r["dtype"], n, r["tflops"], theirs, peak, r["note"]))
    return out


def _device_name(device: str) -> str:
    torch = import_torch()
    return torch.cuda.get_device_name(device) if device != "cpu" else "cpu"


def torch_tflops(device: str, n: int, dtype: str, *, repeats: int) -> float:
    """Torch's best TFLOP/s for an ``n``-cubed product in ``dtype``."""
    torch = import_torch()
    saved = M._get_tf32(torch)
    try:
        fn = _product(torch, device, n, dtype)
        seconds = _best_seconds(torch, device, fn, max(repeats, 10))
    finally:
        M._set_tf32(torch, saved)
    return 2 * n**3 / seconds / 1e12


def _product(torch: Any, device: str, n: int, dtype: str) -> Callable[[], Any]:
    gen = torch.Generator(device=device).manual_seed(n)
    a = torch.randn(n, n, device=device, generator=gen)
    b = torch.randn(n, n, device=device, generator=gen)
    if dtype in ("fp32", "tf32"):
        M._set_tf32(torch, dtype == "tf32")
        out = torch.empty_like(a)
        return lambda: torch.matmul(a, b, out=out)
    if dtype in ("bf16", "fp16"):
        dt = torch.bfloat16 if dtype == "bf16" else torch.float16
        a16, b16 = a.to(dt), b.to(dt)
        out16 = torch.empty_like(a16)
        return lambda: torch.matmul(a16, b16, out=out16)
    if dtype != "fp8_e4m3fn":
        raise ValueError(f"no reference for {dtype!r}")
    a8 = a.clamp(-448, 448).to(torch.float8_e4m3fn)
    b8 = b.clamp(-448, 448).to(torch.float8_e4m3fn).t()
    one = torch.ones((), device=device)
    return lambda: torch._scaled_mm(
        a8, b8, scale_a=one, scale_b=one, out_dtype=torch.bfloat16
    )


def _best_seconds(
    torch: Any, device: str, fn: Callable[[], Any], repeats: int
) -> float:
    """Seconds per call: the best of ``BATCHES`` batches of ``repeats``."""
    for _ in range(5):
        fn()
    best = float("inf")
    for _ in range(BATCHES):
        if device == "cpu":
            started = time.perf_counter()
            for _ in range(repeats):
                fn()
            best = min(best, (time.perf_counter() - started) / repeats)
            continue
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        torch.cuda.synchronize(device)
        start.record()
        for _ in range(repeats):
            fn()
        end.record()
        end.synchronize()
        best = min(best, start.elapsed_time(end) / 1e3 / repeats)
    return best
