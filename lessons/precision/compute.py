"""Training compute and time, and the GPUs the lesson's problems use.

Training compute follows Kaplan et al. 2020: about 6 FLOPs per parameter per
token (2 forward, 4 backward). GPU figures are datasheet peaks for dense math
(no 2:4 sparsity), only where the lesson's facts give them; memory capacity is
the datasheet figure read in binary gigabytes, which is what the memory holds
(an "80 GB" A100 has 80 GiB). The driver and CUDA context take some of it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from lessons.precision.steps import GIB, Explained, Step, show, size
from lessons.precision.validation import Checker

SECONDS_PER_DAY = 86_400

#: Tensor cores accumulate wider than their inputs, but not always in fp32:
#: on Hopper (H800) an FP8 matrix product keeps only about 14 bits in its
#: accumulator, so DeepSeek-V3 copies the partial sums to fp32 registers on
#: the CUDA cores every 128 elements along K (DeepSeek-V3 technical report,
#: section 3.3.2, "Increasing Accumulation Precision"). 16-bit inputs are
#: accumulated in fp32.
FP8_ACCUMULATION_BITS = 14
FP8_PROMOTION_INTERVAL = 128


@dataclass(frozen=True)
class GPU:
    """One accelerator model.

    Attributes:
        name: Registry key, e.g. ``"h100_80gb"``.
        label: Display name.
        memory_bytes: Capacity in bytes (datasheet GB read as GiB).
        peak_tflops: Dense peak TFLOP/s by format name, where known.
        memory_bandwidth: Bytes per second, where known.
    """

    name: str
    label: str
    memory_bytes: int
    peak_tflops: tuple[tuple[str, float], ...]
    memory_bandwidth: float | None

    def peak_flops(self, dtype: str) -> float | None:
        """Dense peak FLOP/s for ``dtype`` (e.g. "bf16"), or None if unknown.

        Args:
            dtype: A format name: fp32, tf32, bf16, fp16 or fp8_e4m3fn/fp8_e5m2.

        Returns:
            FLOP/s, or None where the datasheet figure is not in the registry.
        """
        key = "fp8" if dtype.startswith("fp8") else dtype
        tflops = dict(self.peak_tflops).get(key)
        return None if tflops is None else tflops * 1e12

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict."""
        return {
            "name": self.name,
            "label": self.label,
            "memory": size(self.memory_bytes),
            "peak_tflops": dict(self.peak_tflops),
            "memory_bandwidth": self.memory_bandwidth,
        }


_AMPERE = (("fp32", 19.5), ("tf32", 156.0), ("bf16", 312.0), ("fp16", 312.0))
_HOPPER = (
    ("fp32", 67.0),
    ("tf32", 495.0),
    ("bf16", 989.0),
    ("fp16", 989.0),
    ("fp8", 1979.0),
)

GPUS: dict[str, GPU] = {
    gpu.name: gpu
    for gpu in (
        GPU("a100_40gb", "NVIDIA A100 SXM 40GB", 40 * GIB, _AMPERE, None),
        GPU("a100_80gb", "NVIDIA A100 SXM 80GB", 80 * GIB, _AMPERE, 2.0e12),
        GPU("h100_80gb", "NVIDIA H100 SXM 80GB", 80 * GIB, _HOPPER, 3.35e12),
        GPU("h200_141gb", "NVIDIA H200 SXM 141GB", 141 * GIB, _HOPPER, 4.8e12),
        GPU("rtx4090_24gb", "NVIDIA GeForce RTX 4090 24GB", 24 * GIB, (), None),
        GPU("l40s_48gb", "NVIDIA L40S 48GB", 48 * GIB, (), None),
    )
}


def gpu(name: str) -> GPU:
    """Return the GPU called ``name``.

    Args:
        name: A key of :data:`GPUS`.

    Returns:
        The GPU.

    Raises:
        PrecisionInputError: the name is unknown (field ``gpu``).
    """
    check = Checker()
    key = check.choice("gpu", name, GPUS)
    check.done()
    return GPUS[key]


@dataclass(frozen=True)
class TrainingCompute(Explained):
    """Training compute, ``6 · N · D`` FLOPs."""

    params: int
    tokens: int
    flops: float

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict."""
        return {
            "params": self.params,
            "tokens": self.tokens,
            "flops": self.flops,
            "steps": self.steps_dict(),
        }


def training_compute(params: int, tokens: int) -> TrainingCompute:
    """FLOPs to train a dense transformer: ``6 · N · D`` (Kaplan et al. 2020).

    Args:
        params: Parameters N.
        tokens: Training tokens D.

    Returns:
        The FLOPs, with steps (2·N·D forward, 4·N·D backward).

    Raises:
        PrecisionInputError: naming every invalid field.
    """
    check = Checker()
    n, d = check.count("params", params), check.count("tokens", tokens)
    check.done()
    forward = 2.0 * n * d
    steps = (
        Step("Forward pass", f"2 × {show(n)} × {show(d)}", forward, "FLOP"),
        Step("Backward pass", f"4 × {show(n)} × {show(d)}", 2 * forward, "FLOP"),
        Step("Training compute", f"6 × {show(n)} × {show(d)}", 3 * forward, "FLOP"),
    )
    return TrainingCompute(steps=steps, params=n, tokens=d, flops=3 * forward)


@dataclass(frozen=True)
class TrainingTime(Explained):
    """Wall-clock time to spend a FLOP budget on a cluster."""

    flops: float
    gpus: int
    peak_flops_per_gpu: float
    utilization: float
    seconds: float
    days: float
    gpu_hours: float

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict."""
        return {
            "flops": self.flops,
            "gpus": self.gpus,
            "peak_flops_per_gpu": self.peak_flops_per_gpu,
            "utilization": self.utilization,
            "seconds": self.seconds,
            "days": self.days,
            "gpu_hours": self.gpu_hours,
            "steps": self.steps_dict(),
        }


def training_days(
    flops: float, gpus: int, peak_flops_per_gpu: float, utilization: float
) -> TrainingTime:
    """Days to run ``flops`` on ``gpus`` GPUs at a fraction of their peak.

    Args:
        flops: Total FLOPs (e.g. :func:`training_compute`'s).
        gpus: Number of GPUs.
        peak_flops_per_gpu: Peak FLOP/s of one GPU (see :meth:`GPU.peak_flops`).
        utilization: Model FLOPs utilization, in (0, 1] (0.4 is typical).

    Returns:
        Seconds, days and GPU-hours, with steps; the last step is in days.

    Raises:
        PrecisionInputError: naming every invalid field.
    """
    check = Checker()
    budget, n = check.positive("flops", flops), check.count("gpus", gpus)
    peak = check.positive("peak_flops_per_gpu", peak_flops_per_gpu)
    mfu = check.fraction("utilization", utilization)
    check.done()
    rate = n * peak * mfu
    seconds = budget / rate
    days = seconds / SECONDS_PER_DAY
    steps = (
        Step("Cluster throughput", f"{n} × {show(peak)} × {show(mfu)}", rate, "FLOP/s"),
        Step("Seconds", f"{show(budget)} / {show(rate)}", seconds, "s"),
        Step("Days", f"{show(seconds)} s / {SECONDS_PER_DAY:,}", days, "days"),
    )
    return TrainingTime(
        steps=steps,
        flops=budget,
        gpus=n,
        peak_flops_per_gpu=peak,
        utilization=mfu,
        seconds=seconds,
        days=days,
        gpu_hours=seconds * n / 3600,
    )


@dataclass(frozen=True)
class Fit(Explained):
    """Whether a memory requirement fits on one GPU.

    Attributes:
        fits: ``total_bytes <= capacity_bytes``.
        fraction_used: ``total_bytes / capacity_bytes``.
        free_bytes: What is left (negative when it does not fit).
        min_gpus: GPUs needed if the bytes could be split perfectly.
    """

    gpu: str
    fits: bool
    total_bytes: float
    capacity_bytes: float
    free_bytes: float
    fraction_used: float
    min_gpus: int

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict."""
        return {
            "gpu": self.gpu,
            "fits": self.fits,
            "total": size(self.total_bytes),
            "capacity": size(self.capacity_bytes),
            "free": size(self.free_bytes),
            "fraction_used": self.fraction_used,
            "min_gpus": self.min_gpus,
            "steps": self.steps_dict(),
        }


def fits(total_bytes: float, gpu: str | GPU) -> Fit:
    """Check a memory requirement against one GPU's capacity.

    Leave headroom in practice: the CUDA context, the allocator's
    fragmentation and temporary buffers take a few GB that no formula counts.

    Args:
        total_bytes: Bytes needed on one GPU.
        gpu: A GPU or its registry name.

    Returns:
        The verdict, the free bytes, and the GPUs a perfect split would need.

    Raises:
        PrecisionInputError: naming every invalid field.
    """
    check = Checker()
    need = check.positive("total_bytes", total_bytes)
    name = gpu.name if isinstance(gpu, GPU) else check.choice("gpu", gpu, GPUS)
    check.done()
    device = gpu if isinstance(gpu, GPU) else GPUS[name]
    capacity = float(device.memory_bytes)
    used = need / capacity
    steps = (
        Step("Capacity", device.label, capacity, "B"),
        Step("Fraction used", f"{show(need)} B / {show(capacity)} B", used, ""),
        Step("Fits", "yes" if used <= 1 else "no", float(used <= 1), ""),
    )
    return Fit(
        steps=steps,
        gpu=device.name,
        fits=used <= 1,
        total_bytes=need,
        capacity_bytes=capacity,
        free_bytes=capacity - need,
        fraction_used=used,
        min_gpus=max(1, math.ceil(used)),
    )
