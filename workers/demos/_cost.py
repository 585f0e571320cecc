"""What a demo run will cost, estimated from its parameters before it is queued.

Each demo module has ``estimate(params, *, backend) -> Estimate``: a pure
formula of the work its parameters ask for (matrix products of n^3
multiply-adds, elements cast, SGD steps, Python loop iterations) times a
per-backend constant. The service refuses a run whose estimate is over the
task's soft time limit (`workers.services.demo_cost_check`), so that one
request cannot hold a worker slot for minutes and then fail anyway.

Where the constants come from:

- ``numpy``: measured on the project's 2-core CI machine (an Intel Xeon, one
  BLAS thread per process, as the demos worker runs: docker-compose.yml and
  ``make run`` set ``OPENBLAS_NUM_THREADS=1``), CPU time, then doubled or more
  so that the estimate stays above what a run takes on a busy core. The
  benchmark ``bench_demo_costs`` (``manage.py bench workers``) prints the
  estimate next to the measured time for sample parameters of every demo.
- ``torch`` (a CUDA GPU worker): not measured here (no GPU in CI); the
  constants assume a modest GPU and a slow Python loop (20 microseconds per
  kernel launch, 5 TFLOP/s in fp32, 20 in 16-bit, 40 in fp8), which an H100
  or H200 beats several times over.

A slower CPU than CI's is accounted for by ``WORKERS_DEMO_COST_FACTOR``
(multiplies every estimate; default 1).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# --- numpy on one CPU core (measured, then made conservative) --------------------

# Matrix products, seconds per n^3 multiply-add. fp16 has no BLAS kernel in
# numpy and falls off a cache cliff: 2.5 ns (n <= 512), 5.6 ns (1024) and
# 9.4 ns (2048) were measured, so it is stepped.
NP_MATMUL_PER_N3 = {"fp32": 0.06e-9, "bf16": 0.09e-9}
NP_FP16_MATMUL_STEPS = ((512, 5e-9), (1024, 12e-9), (math.inf, 20e-9))
NP_MATMUL_SETUP_PER_N2 = 60e-9  # two random n x n matrices, cast
# Elementwise work, seconds per element.
NP_CAST = 40e-9  # one cast of one value to a 16/8/6/4-bit format and back
NP_GRADIENT = 0.6e-6  # loss scaling: draw, cast to 3 formats, histogram
NP_STEP_ELEMENT = 0.15e-6  # loss scaling's dynamic run, per gradient
NP_LOOP_STEP = 30e-6  # one iteration of a Python loop over numpy scalars/rows
NP_SCALAR_STEP = 8e-6  # update_swallowing: one update in one mode
NP_QUANT = 0.2e-6  # quantization: per weight, per scheme
NP_QUANT_BASE = 0.2e-6  # quantization: per weight (draw, errors, histogram)
NP_SPACING = 2e-6  # range_precision: per magnitude, per format
# Dense products inside the small MLPs (float32 BLAS), seconds per FLOP.
NP_FLOP = 30e-12
NP_MLP_STEP = 0.3e-3  # per SGD step, whatever its size
# Extra seconds per element cast per MLP step, by training mode: pure fp16
# gradients go subnormal, and subnormal arithmetic is slow on x86.
NP_MLP_CAST = {
    "fp32": 2e-9,
    "fp16_pure": 50e-9,
    "fp16_master_scaled": 10e-9,
    "bf16_master": 8e-9,
}
NP_START = 0.5  # imports, result building, JSON

# --- torch on a CUDA GPU (assumed, conservative) ---------------------------------

GPU_LAUNCH = 20e-6  # seconds per kernel launch or small op
GPU_FLOPS = {
    "fp32": 5e12,
    "tf32": 20e12,
    "bf16": 20e12,
    "fp16": 20e12,
    "fp8_e4m3fn": 40e12,
}
GPU_ELEMENT = 1e-9  # elementwise, per element (memory bound)
GPU_TRANSFER = 2e-9  # host <-> device, per 4-byte element
GPU_START = 3.0  # CUDA context, first kernels, result building


@dataclass(frozen=True)
class Estimate:
    """A run's estimated wall time on a worker of the given backend.

    Attributes:
        seconds: Estimated seconds, conservative.
        backend: ``"numpy"`` (a CPU worker) or ``"torch"`` (a GPU worker).
        hint: What makes it costly, when one thing does (for the learner).
    """

    seconds: float
    backend: str
    hint: str = ""

    def scaled(self, factor: float) -> Estimate:
        """The same estimate for a machine ``factor`` times slower."""
        return Estimate(self.seconds * factor, self.backend, self.hint)


def on_gpu(backend: str) -> bool:
    """Whether the estimate is for a GPU worker (torch); else numpy on a CPU."""
    return backend == "torch"


def np_fp16_matmul_per_n3(n: int) -> float:
    """numpy's float16 product cost per n^3 at size ``n`` (see the steps)."""
    for size, cost in NP_FP16_MATMUL_STEPS:
        if n <= size:
            return cost
    return NP_FP16_MATMUL_STEPS[-1][1]  # pragma: no cover - the last step is inf


def timed_loop(one: float, *, warmup: int, repeats: int, budget: float) -> float:
    """Seconds of ``warmup`` untimed runs plus a timing loop of up to
    ``repeats`` runs that stops once ``budget`` seconds have passed (it always
    finishes the run it started, so at most ``budget + one``)."""
    return warmup * one + min(repeats * one, budget + one)


def raised(
    params: Mapping[str, Any], defaults: Mapping[str, Any], names: Sequence[str]
) -> list[str]:
    """The cost parameters among ``names`` set above their default.

    Numbers count when larger; lists (multichoice) when longer. When none is,
    all of ``names`` are returned: then the combination is at fault.
    """
    out = []
    for name in names:
        value, default = params.get(name), defaults.get(name)
        if isinstance(value, list | tuple) and isinstance(default, list | tuple):
            if len(value) > len(default):
                out.append(name)
        elif (
            isinstance(value, int | float)
            and isinstance(default, int | float)
            and value > default
        ):
            out.append(name)
    return out or list(names)
