"""Demo: how fast is a matrix product in each precision on this device?

Times ``n x n @ n x n`` after warm-up (CUDA events on a GPU, perf_counter on
a CPU), reports TFLOP/s = 2 n^3 / t and, on a GPU whose datasheet peak is
known, the fraction of peak. On a CPU the table is honest about emulation:
numpy has no fp16 matrix kernel and ml_dtypes computes bf16 products in
float32, so fewer bits are not faster there, and the summary says so
(``_matmul_report`` builds the chart, table and summary).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from typing import Any

import ml_dtypes
import numpy as np

from lessons.precision.compute import GPUS
from workers.demos import _cost as C
from workers.demos._backend import Target, import_torch, resolve_target
from workers.demos._matmul_report import measurements_table, summary, throughput_chart
from workers.demos._results import fmt, json_result, report
from workers.demos._schema import Demo, DemoParamError, Param, Progress
from workers.demos._schema import validate_against as _validate

DTYPES = ("fp32", "tf32", "bf16", "fp16", "fp8_e4m3fn")
CPU_MAX_SIZE = 2048
# The defaults suit a CPU; a GPU worker should ask for sizes that fill the GPU
# (an 8192^3 bf16 product is where an H200 comes near its peak).
GPU_PARAMS: dict[str, Any] = {
    "min_size": 1024,
    "max_size": 8192,
    "warmup": 3,
    "repeats": 20,
}

PARAMS: tuple[Param, ...] = (
    Param(
        "min_size",
        "int",
        256,
        "Smallest n; the sizes double up to the largest n.",
        16,
        16384,
        label="Smallest matrix size n",
    ),
    Param(
        "max_size",
        "int",
        512,
        f"Largest n (at most {CPU_MAX_SIZE} on a CPU).",
        16,
        16384,
        label="Largest matrix size n",
    ),
    Param(
        "dtypes",
        "multichoice",
        DTYPES,
        "Precisions to time.",
        choices=DTYPES,
        choice_label="dtype",
        label="Precisions",
    ),
    Param(
        "warmup", "int", 1, "Untimed runs before timing.", 0, 50, label="Warm-up runs"
    ),
    Param(
        "repeats",
        "int",
        3,
        "Timed runs (fewer if the time budget runs out).",
        1,
        100,
        label="Timed runs",
    ),
    Param(
        "max_seconds",
        "float",
        0.5,
        "Time budget per size and dtype.",
        0.01,
        60,
        label="Time budget (seconds)",
    ),
)


def validate_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Fill defaults and check the parameters.

    Args:
        params: Caller's values.

    Returns:
        Complete, checked parameters.

    Raises:
        DemoParamError: If any value is invalid.
    """
    clean = _validate(PARAMS, params)
    if clean["min_size"] > clean["max_size"]:
        raise DemoParamError({"max_size": "must be at least the smallest matrix size"})
    return clean


def sizes(min_size: int, max_size: int) -> list[int]:
    """Return ``min_size`` doubled until it passes ``max_size``."""
    out, n = [], min_size
    while n <= max_size:
        out.append(n)
        n *= 2
    return out


def peak_for(device_name: str) -> tuple[str, dict[str, float]] | None:
    """Return the GPU registry entry and dense peaks for a CUDA device name.

    The peaks come from ``lessons.precision.compute.GPUS`` (SXM datasheets);
    PCIe and NVL variants have other peaks and are not matched.

    Args:
        device_name: What ``torch.cuda.get_device_name()`` returned.

    Returns:
        ``(label, {dtype: TFLOP/s})`` or None if the device is not known.
    """
    upper = device_name.upper()
    if "PCIE" in upper or "NVL" in upper:
        return None
    if "H200" in upper:
        key = "h200_141gb"
    elif "H100" in upper:
        key = "h100_80gb"
    elif "A100" in upper and "SXM" in upper:
        key = "a100_40gb" if "40GB" in upper else "a100_80gb"
    else:
        return None
    gpu = GPUS[key]
    peaks = {d: gpu.peak_flops(d) for d in DTYPES}
    return gpu.label, {d: f / 1e12 for d, f in peaks.items() if f is not None}


def run(
    params: Mapping[str, Any] | None = None,
    *,
    backend: str = "numpy",
    device: str | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Time square matrix products in each precision.

    Args:
        params: Demo parameters (see ``PARAMS``).
        backend: ``"numpy"`` or ``"torch"``.
        device: torch device, or None for the best available.
        progress: Called with ``(fraction, message)`` per measurement.

    Returns:
        The JSON-safe result; ``data["measurements"]`` has one entry per size
        and dtype with status, seconds, tflops and peak_fraction.

    Raises:
        DemoParamError: If the sizes are too large for a CPU.
    """
    p = validate_params(params)
    target = resolve_target(backend, device)
    if not target.is_cuda and p["max_size"] > CPU_MAX_SIZE:
        raise DemoParamError({"max_size": f"must be at most {CPU_MAX_SIZE} on a CPU"})
    bench = _NumpyBench() if target.backend == "numpy" else _TorchBench(target)
    cases = [(n, d) for n in sizes(p["min_size"], p["max_size"]) for d in p["dtypes"]]
    rows = []
    for i, (n, dtype) in enumerate(cases):
        report(progress, i / len(cases), f"timing {dtype} at n = {n}")
        rows.append(bench.measure(n, dtype, p))
    bench.close()
    report(progress, 1.0, "done")
    return json_result(_result(p, target, rows, bench.peaks))


def _time_cpu(fn: Callable[[], Any], p: dict[str, Any]) -> tuple[float, int]:
    """Median seconds of up to ``repeats`` runs within the time budget."""
    for _ in range(p["warmup"]):
        fn()
    times: list[float] = []
    budget_end = time.perf_counter() + p["max_seconds"]
    while len(times) < p["repeats"] and (not times or time.perf_counter() < budget_end):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), len(times)


def _row(
    n: int, dtype: str, status: str, note: str, t: float | None, runs: int
) -> dict[str, Any]:
    return {
        "size": n,
        "dtype": dtype,
        "status": status,
        "note": note,
        "seconds": t,
        "runs": runs,
        "tflops": 2 * n**3 / t / 1e12 if t else None,
        "peak_fraction": None,
    }


class _NumpyBench:
    peaks: tuple[str, dict[str, float]] | None = None
    notes = {
        "fp32": "BLAS float32",
        "fp16": "emulated: numpy has no float16 matrix kernel",
        "bf16": "ml_dtypes bfloat16 inputs; numpy returns float32",
    }
    unsupported = {
        "tf32": "TF32 is an NVIDIA tensor-core mode; numpy has none",
        "fp8_e4m3fn": "no fp8 matrix product in numpy (needs torch on a GPU "
        "with compute capability 8.9 or newer)",
    }

    def measure(self, n: int, dtype: str, p: dict[str, Any]) -> dict[str, Any]:
        if dtype in self.unsupported:
            return _row(n, dtype, "unsupported", self.unsupported[dtype], None, 0)
        np_type = {"fp32": np.float32, "fp16": np.float16, "bf16": ml_dtypes.bfloat16}
        rng = np.random.default_rng(n)
        a = rng.standard_normal((n, n)).astype(np.float32).astype(np_type[dtype])
        b = rng.standard_normal((n, n)).astype(np.float32).astype(np_type[dtype])
        t, runs = _time_cpu(lambda: a @ b, p)
        return _row(n, dtype, "ok", self.notes[dtype], t, runs)

    def close(self) -> None:
        """Nothing to restore."""


class _TorchBench:
    def __init__(self, target: Target) -> None:
        self.torch = import_torch()
        self.target = target
        self.dev = target.device
        self.peaks = None
        if target.is_cuda:
            self.peaks = peak_for(self.torch.cuda.get_device_name(self.dev))
        self._saved_precision = _get_tf32(self.torch)

    def measure(self, n: int, dtype: str, p: dict[str, Any]) -> dict[str, Any]:
        why = self._unsupported(dtype, n)
        if why:
            return _row(n, dtype, "unsupported", why, None, 0)
        fn, note = self._prepare(n, dtype)
        try:
            if self.target.is_cuda:
                t, runs = self._time_cuda(fn, p)
            else:
                t, runs = _time_cpu(fn, p)
        except RuntimeError as exc:
            return _row(n, dtype, "unsupported", f"failed: {exc}"[:200], None, 0)
        finally:
            _set_tf32(self.torch, self._saved_precision)
        row = _row(n, dtype, "ok", note, t, runs)
        if self.peaks and dtype in self.peaks[1]:
            row["peak_fraction"] = row["tflops"] / self.peaks[1][dtype]
        return row

    def _unsupported(self, dtype: str, n: int) -> str | None:
        torch = self.torch
        if not self.target.is_cuda and dtype in ("tf32", "fp8_e4m3fn"):
            return f"{dtype} matrix products need an NVIDIA GPU (tensor cores)"
        if dtype == "fp8_e4m3fn":
            cap = torch.cuda.get_device_capability(self.dev)
            if cap < (8, 9):
                return f"fp8 needs compute capability 8.9 or newer; this GPU has {cap[0]}.{cap[1]}"
            if n % 16:
                return "torch._scaled_mm needs sizes divisible by 16"
        return None

    def _prepare(self, n: int, dtype: str) -> tuple[Callable[[], Any], str]:
        torch = self.torch
        gen = torch.Generator(device=self.dev).manual_seed(n)
        a = torch.randn(n, n, device=self.dev, generator=gen)
        b = torch.randn(n, n, device=self.dev, generator=gen)
        if dtype in ("fp32", "tf32"):
            _set_tf32(torch, dtype == "tf32")
            note = "TF32 tensor cores" if dtype == "tf32" else "IEEE fp32"
            return (lambda: a @ b), note if self.target.is_cuda else "CPU fp32"
        if dtype in ("bf16", "fp16"):
            dt = torch.bfloat16 if dtype == "bf16" else torch.float16
            a16, b16 = a.to(dt), b.to(dt)
            note = "tensor cores" if self.target.is_cuda else "CPU, no tensor cores"
            return (lambda: a16 @ b16), note
        fp8 = torch.float8_e4m3fn
        a8 = a.clamp(-448, 448).to(fp8)
        b8 = b.clamp(-448, 448).to(fp8).t()  # column-major, as _scaled_mm wants
        one = torch.ones((), device=self.dev)

        def mm() -> Any:
            return torch._scaled_mm(
                a8, b8, scale_a=one, scale_b=one, out_dtype=torch.bfloat16
            )

        return mm, "torch._scaled_mm, bf16 output"

    def _time_cuda(self, fn: Callable[[], Any], p: dict[str, Any]) -> tuple[float, int]:
        torch = self.torch
        for _ in range(max(p["warmup"], 1)):
            fn()
        start, end = (
            torch.cuda.Event(enable_timing=True),
            torch.cuda.Event(enable_timing=True),
        )
        torch.cuda.synchronize(self.dev)
        start.record()
        for _ in range(p["repeats"]):
            fn()
        end.record()
        end.synchronize()
        return start.elapsed_time(end) / 1e3 / p["repeats"], p["repeats"]

    def close(self) -> None:
        _set_tf32(self.torch, self._saved_precision)


def _get_tf32(torch: Any) -> bool:
    matmul = torch.backends.cuda.matmul
    if hasattr(matmul, "fp32_precision"):
        return bool(matmul.fp32_precision == "tf32")
    return bool(matmul.allow_tf32)


def _set_tf32(torch: Any, on: bool) -> None:
    matmul = torch.backends.cuda.matmul
    if hasattr(matmul, "fp32_precision"):
        matmul.fp32_precision = "tf32" if on else "ieee"
    else:  # torch before 2.9
        matmul.allow_tf32 = on


def _result(
    p: dict[str, Any],
    target: Target,
    rows: list[dict[str, Any]],
    peaks: tuple[str, dict[str, float]] | None,
) -> dict[str, Any]:
    return {
        "demo": DEMO.name,
        "params": p,
        "backend": target.backend,
        "device": target.device,
        "device_label": target.label,
        "charts": [throughput_chart(rows)],
        "tables": [measurements_table(rows)],
        "summary": summary(target, rows, peaks),
        "data": {
            "measurements": rows,
            "peak_source": f"{peaks[0]} datasheet, dense" if peaks else None,
            "emulated": target.backend == "numpy",
        },
    }


def estimate(params: Mapping[str, Any] | None, *, backend: str) -> C.Estimate:
    """Seconds a run takes: every size and dtype, warm-up and timed runs.

    On a CPU each product costs n^3 times a per-dtype constant (fp16 is
    emulated and by far the slowest; tf32 and fp8 are skipped) and the timing
    loop stops after ``max_seconds``; on a GPU every timed run is made.
    """
    p = validate_params(params)
    gpu = C.on_gpu(backend)
    total = C.GPU_START if gpu else C.NP_START
    fp16 = 0.0
    for n in sizes(p["min_size"], p["max_size"]):
        for dtype in p["dtypes"]:
            if gpu:
                one = 2 * n**3 / C.GPU_FLOPS[dtype] + C.GPU_LAUNCH
                setup = 8 * n * n * C.GPU_ELEMENT + 10 * C.GPU_LAUNCH
                total += setup + (max(p["warmup"], 1) + p["repeats"]) * one
                continue
            if dtype == "fp16":
                per_n3 = C.np_fp16_matmul_per_n3(n)
            elif dtype in C.NP_MATMUL_PER_N3:
                per_n3 = C.NP_MATMUL_PER_N3[dtype]
            else:
                continue  # no numpy kernel: reported as unsupported at once
            one = per_n3 * n**3
            case = C.NP_MATMUL_SETUP_PER_N2 * n * n + C.timed_loop(
                one,
                warmup=p["warmup"],
                repeats=p["repeats"],
                budget=p["max_seconds"],
            )
            total += case
            fp16 += case if dtype == "fp16" else 0.0
    hint = ""
    if fp16 > total / 2:
        hint = "fp16 products are emulated element by element on a CPU: leave fp16 out"
    return C.Estimate(total, backend, hint)


def _what_it_shows(gpu_key: str = "h100_80gb") -> str:
    """The demo's description, with the datasheet ratios read from the registry.

    From fp32 to 16 bits the jump is the tensor cores (plain fp32 does not run
    on them), far more than a doubling; below 16 bits each halving of the
    bits roughly doubles the peak again.
    """
    gpu = GPUS[gpu_key]
    fp32, bf16, fp8 = (gpu.peak_flops(d) or math.nan for d in ("fp32", "bf16", "fp8"))
    name = gpu.label.rsplit(" ", 1)[0]  # "NVIDIA H100 SXM", without the memory
    return (
        "A matrix product is timed in fp32, TF32, bf16, fp16 and fp8 on the device "
        f"that runs the demo. On an {name} the big step is the tensor cores: plain "
        f"fp32 peaks at {fmt(fp32 / 1e12)} TFLOP/s and bf16 on tensor cores at "
        f"{fmt(bf16 / 1e12)}, about {bf16 / fp32:.0f}×, while below 16 bits each "
        f"halving of the bits roughly doubles the peak (bf16 to fp8: "
        f"{fp8 / bf16:.0f}×). On a CPU 16-bit is emulated and slower, and the "
        "table says so."
    )


DEMO = Demo(
    name="matmul_throughput",
    title="What fewer bits save in compute",
    what_it_shows=_what_it_shows(),
    lesson_anchor="what-fewer-bits-save",
    params=PARAMS,
    run=run,
    validate_params=validate_params,
    estimate=estimate,
    cost_params=("max_size", "dtypes", "repeats", "warmup", "max_seconds"),
)
