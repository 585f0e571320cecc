"""Demo: small updates vanish when a weight is stored in 16 bits.

It repeats ``w += lr * g`` in each storage format, with and without an fp32
master copy, and compares with the exact sum. Arithmetic follows the hardware
rule "compute exactly, round once to the storage format": numpy does the sum
in float32 and rounds (float32 carries more than 2p + 2 bits for every 16-bit
format, so the double rounding is exact), torch does the same on the CPU and
rounds natively on CUDA; both give identical trajectories.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from workers.demos import _cost as C
from workers.demos import _formats as F
from workers.demos._backend import Target, import_torch, resolve_target
from workers.demos._results import (
    chart,
    downsample,
    fmt,
    json_result,
    report,
    series,
    table,
)
from workers.demos._schema import Demo, Param, Progress, validator

MODES: dict[str, tuple[str, bool]] = {
    # mode: (storage format of the weight the model uses, fp32 master copy?)
    "fp32": ("fp32", False),
    "fp16": ("fp16", False),
    "bf16": ("bf16", False),
    "fp16_master": ("fp16", True),
    "bf16_master": ("bf16", True),
}
LABELS = {
    "fp32": "fp32",
    "fp16": "fp16",
    "bf16": "bf16",
    "fp16_master": "fp16 + fp32 master",
    "bf16_master": "bf16 + fp32 master",
}

PARAMS: tuple[Param, ...] = (
    Param("w0", "float", 1.0, "Starting weight.", 0, 60000, label="Starting weight"),
    Param("lr", "float", 1e-3, "Learning rate.", 0, 1, label="Learning rate"),
    Param(
        "grad",
        "float",
        0.1,
        "Gradient, the same every step.",
        0,
        1000,
        label="Gradient",
    ),
    Param("steps", "int", 1000, "Number of updates.", 1, 100_000, label="Steps"),
    Param(
        "modes",
        "multichoice",
        tuple(MODES),
        "Weight storage: plain, or 16-bit with an fp32 master copy.",
        choices=tuple(MODES),
        choice_label="dtype",
        label="Weight storage",
    ),
    Param(
        "max_points",
        "int",
        200,
        "Points per trajectory in the chart.",
        2,
        2000,
        label="Points in the chart",
    ),
)


validate_params = validator(PARAMS)


def run(
    params: Mapping[str, Any] | None = None,
    *,
    backend: str = "numpy",
    device: str | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Repeat ``w += lr * g`` in each mode and compare with the exact result.

    Args:
        params: Demo parameters (see ``PARAMS``).
        backend: ``"numpy"`` or ``"torch"``.
        device: torch device, or None for the best available.
        progress: Called with ``(fraction, message)`` as modes complete.

    Returns:
        The JSON-safe result; ``data["modes"][mode]`` holds final value,
        error and the smallest update that survives at ``w0``.
    """
    p = validate_params(params)
    target = resolve_target(backend, device)
    trajectories = {}
    for i, mode in enumerate(p["modes"]):
        report(progress, i / len(p["modes"]), f"running {mode}")
        trajectories[mode] = _trajectory(target, mode, p)
    report(progress, 1.0, "done")
    exact = p["w0"] + p["steps"] * p["lr"] * p["grad"]
    return json_result(_result(p, target, trajectories, exact))


def _trajectory(target: Target, mode: str, p: dict[str, Any]) -> np.ndarray:
    fmt_name, master = MODES[mode]
    if target.backend == "numpy":
        return _np_trajectory(fmt_name, master, p)
    return _torch_trajectory(target, fmt_name, master, p)


def _np_trajectory(fmt_name: str, master: bool, p: dict[str, Any]) -> np.ndarray:
    dtype = F.FORMATS[fmt_name].numpy_dtype
    g16 = np.float32(np.float32(p["grad"]).astype(dtype))
    if master:
        # fp32 master += fp32(lr) * 16-bit gradient; the model sees a rounded copy.
        u32 = np.float32(p["lr"]) * g16
        m = np.float32(p["w0"])
        out = np.empty(p["steps"] + 1, np.float64)
        out[0] = float(np.float32(m).astype(dtype))
        for k in range(1, p["steps"] + 1):
            m = np.float32(m + u32)
            out[k] = float(m.astype(dtype))
        return out
    u = np.float32((np.float32(p["lr"]) * g16).astype(dtype))
    w = np.float32(np.float32(p["w0"]).astype(dtype))
    out = np.empty(p["steps"] + 1, np.float64)
    out[0] = w
    for k in range(1, p["steps"] + 1):
        w = np.float32(np.float32(w + u).astype(dtype))
        out[k] = w
    return out


def _torch_trajectory(
    target: Target, fmt_name: str, master: bool, p: dict[str, Any]
) -> np.ndarray:
    torch = import_torch()
    dt = F.torch_dtype(torch, fmt_name)
    dev = target.device
    g16 = torch.tensor(p["grad"], dtype=torch.float32, device=dev).to(dt)
    out = torch.empty(p["steps"] + 1, dtype=torch.float64, device=dev)
    lr32 = torch.tensor(p["lr"], dtype=torch.float32, device=dev)
    if master:
        u32 = lr32 * g16.float()
        m = torch.tensor(p["w0"], dtype=torch.float32, device=dev)
        out[0] = m.to(dt).double()
        for k in range(1, p["steps"] + 1):
            m = m + u32
            out[k] = m.to(dt).double()
    else:
        u = (lr32 * g16.float()).to(dt)
        w = torch.tensor(p["w0"], dtype=torch.float32, device=dev).to(dt)
        out[0] = w.double()
        for k in range(1, p["steps"] + 1):
            w = w + u
            out[k] = w.double()
    result: np.ndarray = out.cpu().numpy()
    return result


def _mode_facts(
    mode: str, traj: np.ndarray, p: dict[str, Any], exact: float
) -> dict[str, Any]:
    fmt_name, master = MODES[mode]
    w0 = float(traj[0])
    upward = p["lr"] * p["grad"] >= 0
    return {
        "format": fmt_name,
        "master_weights": master,
        "start": w0,
        "final": float(traj[-1]),
        "exact": exact,
        "abs_error": abs(float(traj[-1]) - exact),
        "changed": bool(traj[-1] != w0),
        # With a master copy, the update is applied to the fp32 value.
        "threshold": F.half_spacing_threshold(
            p["w0"], "fp32" if master else fmt_name, upward=upward
        ),
    }


def _result(
    p: dict[str, Any],
    target: Target,
    trajectories: dict[str, np.ndarray],
    exact: float,
) -> dict[str, Any]:
    facts = {m: _mode_facts(m, t, p, exact) for m, t in trajectories.items()}
    lines = [
        series(LABELS[m], downsample(t, p["max_points"]))
        for m, t in trajectories.items()
    ]
    exact_line = [(0, p["w0"]), (p["steps"], exact)]
    lines.append(series("exact", exact_line))
    return {
        "demo": DEMO.name,
        "params": p,
        "backend": target.backend,
        "device": target.device,
        "device_label": target.label,
        "charts": [
            chart(
                "Weight after each update",
                "step",
                "weight w (as the model sees it)",
                lines,
            )
        ],
        "tables": [_table(facts)],
        "summary": _summary(p, facts, exact),
        "data": {"update": p["lr"] * p["grad"], "exact": exact, "modes": facts},
    }


def _table(facts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    rows = [
        [
            LABELS[m],
            f["final"],
            f["exact"],
            f["abs_error"],
            f["threshold"],
            "yes" if not f["changed"] else "no",
        ]
        for m, f in facts.items()
    ]
    return table(
        "Final weight versus the exact sum",
        [
            "weight storage",
            "final w",
            "exact",
            "|error|",
            "smallest update kept at w0",
            "every update lost",
        ],
        rows,
    )


def _pow2(x: float) -> str:
    e = math.log2(x) if x > 0 else float("nan")
    return f" (2^{int(e)})" if math.isfinite(e) and e.is_integer() else ""


def _summary(
    p: dict[str, Any], facts: dict[str, dict[str, Any]], exact: float
) -> list[str]:
    u = p["lr"] * p["grad"]
    out = [
        f"Each step adds lr x g = {fmt(u)}; after {p['steps']} steps the exact "
        f"weight is {fmt(exact, 6)}."
    ]
    for mode, f in facts.items():
        lost = "loses every update" if not f["changed"] else "moves"
        out.append(
            f"{LABELS[mode]}: updates below {fmt(f['threshold'])}"
            f"{_pow2(f['threshold'])} are lost at w = {fmt(p['w0'])}; it {lost} "
            f"and ends at {fmt(f['final'], 6)}."
        )
    out.append(
        "Weights accumulate many small updates, so they stay in fp32; the 16-bit "
        "copy only has to be good enough for one forward pass."
    )
    return out


def estimate(params: Mapping[str, Any] | None, *, backend: str) -> C.Estimate:
    """Seconds a run takes: ``steps`` scalar updates in each mode (a Python
    loop; on a GPU each update is a few kernel launches)."""
    p = validate_params(params)
    updates = p["steps"] * len(p["modes"])
    if C.on_gpu(backend):
        return C.Estimate(C.GPU_START + updates * 5 * C.GPU_LAUNCH, backend)
    return C.Estimate(C.NP_START + updates * C.NP_SCALAR_STEP, backend)


DEMO = Demo(
    name="update_swallowing",
    title="Small updates vanish in 16-bit weights",
    what_it_shows=(
        "Adding a small update to a weight rounds back to the same weight when "
        "the update is below half the gap between neighbouring values. At w = 1 "
        "fp16 loses updates below 2^-11 and bf16 below 2^-8, while an fp32 master "
        "copy keeps them all."
    ),
    lesson_anchor="the-asymmetry",
    params=PARAMS,
    run=run,
    validate_params=validate_params,
    estimate=estimate,
    cost_params=("steps", "modes"),
)
