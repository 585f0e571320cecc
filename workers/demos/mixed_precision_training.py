"""Demo: train one small MLP four ways and compare.

Modes: fp32; pure fp16 (weights, gradients and updates in fp16, no loss
scaling); fp16 compute with fp32 master weights and dynamic loss scaling; bf16
compute with fp32 master weights. The numpy backend emulates each precision
by casting at the places a GPU rounds (``_mlp.forward_backward``); the torch
backend uses torch dtypes (autocast and GradScaler on CUDA, explicit casts on
the CPU); both training paths live in ``_training_modes``. Plain SGD,
deterministic for a given seed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from workers.demos import _cost as C
from workers.demos import _mlp as M
from workers.demos._backend import Target, resolve_target
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
from workers.demos._training_modes import (
    N_TEST,
    N_TRAIN,
    SETUP,
    Trace,
    np_train,
    torch_train,
)

MODES: dict[str, str] = {
    "fp32": "fp32",
    "fp16_pure": "pure fp16",
    "fp16_master_scaled": "fp16 + fp32 master + loss scaling",
    "bf16_master": "bf16 + fp32 master",
}

PARAMS: tuple[Param, ...] = (
    Param("steps", "int", 500, "SGD steps.", 1, 5000, label="SGD steps"),
    Param("batch", "int", 256, "Examples per step.", 1, 4096, label="Batch size"),
    Param("hidden", "int", 128, "Hidden units.", 2, 1024, label="Hidden units"),
    Param("features", "int", 32, "Input features.", 2, 512, label="Input features"),
    Param("classes", "int", 4, "Classes in the synthetic task.", 2, 8, label="Classes"),
    Param("lr", "float", 0.005, "Learning rate.", 0, 10, label="Learning rate"),
    Param(
        "seed",
        "int",
        0,
        "Random seed (data, weights, batches).",
        0,
        2**32 - 1,
        label="Random seed",
    ),
    Param(
        "modes",
        "multichoice",
        tuple(MODES),
        "Training precisions to compare.",
        choices=tuple(MODES),
        choice_label="dtype",
        label="Precisions",
    ),
    Param(
        "growth_interval",
        "int",
        2000,
        "Loss scaler: clean steps before the scale doubles.",
        1,
        100_000,
        label="Loss-scaler growth interval (clean steps)",
    ),
    Param(
        "max_points",
        "int",
        100,
        "Points per loss curve.",
        2,
        1000,
        label="Points per loss curve",
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
    """Train the MLP in each mode and compare loss, accuracy, memory and time.

    Args:
        params: Demo parameters (see ``PARAMS``).
        backend: ``"numpy"`` or ``"torch"``.
        device: torch device, or None for the best available.
        progress: Called with ``(fraction, message)`` as modes complete.

    Returns:
        The JSON-safe result; ``data["modes"][mode]`` holds final loss,
        accuracy, bytes per parameter, seconds per step and the share of
        weight updates lost to rounding.
    """
    p = validate_params(params)
    target = resolve_target(backend, device)
    task = M.make_task(
        features=p["features"],
        classes=p["classes"],
        n_train=N_TRAIN,
        n_test=N_TEST,
        seed=p["seed"],
    )
    traces = {}
    for i, mode in enumerate(p["modes"]):
        report(progress, i / len(p["modes"]), f"training {mode}")
        train = np_train if target.backend == "numpy" else torch_train
        traces[mode] = train(target, mode, p, task)
    report(progress, 1.0, "done")
    return json_result(_result(p, target, traces))


def _final_loss(t: Trace) -> float:
    tail = t.losses[-max(1, min(20, len(t.losses) // 5)) :]
    return float(np.mean(tail))


def _result(
    p: dict[str, Any], target: Target, traces: dict[str, Trace]
) -> dict[str, Any]:
    facts = {
        m: {
            "final_loss": _final_loss(t),
            "accuracy": t.accuracy,
            "bytes_per_param": float(sum(t.bytes_held.values())),
            "bytes_held": t.bytes_held,
            "seconds_per_step": t.seconds,
            "skipped_steps": t.skipped,
            "lost_update_share": t.lost / t.updates if t.updates else 0.0,
            "final_loss_scale": t.final_scale,
        }
        for m, t in traces.items()
    }
    lines = [
        series(MODES[m], downsample(t.losses, p["max_points"]))
        for m, t in traces.items()
    ]
    return {
        "demo": DEMO.name,
        "params": p,
        "backend": target.backend,
        "device": target.device,
        "device_label": target.label,
        "charts": [
            chart("Training loss", "step", "cross-entropy loss", lines, y_log=True)
        ],
        "tables": [_table(facts)],
        "summary": _summary(target, facts),
        "data": {"modes": facts},
    }


def _table(facts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    rows = [
        [
            MODES[m],
            f["final_loss"],
            f["accuracy"],
            f["lost_update_share"],
            _breakdown(f["bytes_held"]),
            f["seconds_per_step"] * 1e3,
            f["skipped_steps"],
        ]
        for m, f in facts.items()
    ]
    return table(
        "Training in four precisions",
        [
            "mode",
            "final loss",
            "test accuracy",
            "updates lost to rounding",
            "bytes per parameter: weights + grads + master",
            "ms per step",
            "steps skipped",
        ],
        rows,
    )


def _breakdown(held: dict[str, float]) -> str:
    parts = [fmt(held["weights"]), fmt(held["grads"]), fmt(held["master"])]
    return f"{' + '.join(parts)} = {fmt(sum(held.values()))}"


# Final losses closer than this (relative) count as the same outcome, and a
# lost-update share above MANY_LOST is "many".
SAME_LOSS = 0.01
MANY_LOST = 0.10


def _share(x: float) -> str:
    """A share as a percentage: whole from 10% up, two digits below."""
    pct = 100 * x
    return f"{pct:.0f}%" if pct >= 10 else f"{pct:.2g}%"


def pure_fp16_verdict(facts: dict[str, dict[str, Any]]) -> str | None:
    """Say what pure fp16 did in this run, against the best reference trained.

    The reference is fp16 with master weights and loss scaling, else bf16 with
    master weights, else fp32. Rounding is blamed only when pure fp16 both
    ended with a clearly higher loss (more than ``SAME_LOSS`` relative) and
    lost many of its updates.

    Args:
        facts: ``data["modes"]`` of a run: final_loss and lost_update_share
            per mode.

    Returns:
        One sentence, or None if pure fp16 or every reference is missing.
    """
    pure = facts.get("fp16_pure")
    ref = next(
        (m for m in ("fp16_master_scaled", "bf16_master", "fp32") if m in facts), None
    )
    if pure is None or ref is None:
        return None
    a, b = float(pure["final_loss"]), float(facts[ref]["final_loss"])
    lost, name = pure["lost_update_share"], MODES[ref]
    losses = f"loss {fmt(a, 4)} against {fmt(b, 4)} with {name}"
    if not math.isfinite(a):
        return (
            f"Pure fp16 diverged ({losses}); it lost {_share(lost)} of its weight "
            "updates to rounding before that."
        )
    if a <= b * (1 + SAME_LOSS):
        if lost > MANY_LOST:
            return (
                f"In this run pure fp16 kept up ({losses}) although it lost "
                f"{_share(lost)} of its weight updates to rounding: the lost "
                "updates had not yet cost it more than "
                f"{_share(SAME_LOSS)} of loss (more steps or a smaller learning "
                "rate let them add up)."
            )
        return (
            "This run's updates were large enough that pure fp16 kept up "
            f"({losses}): it lost only {_share(lost)} of its weight updates to "
            "rounding."
        )
    if lost > MANY_LOST:
        return (
            f"Pure fp16 lost {_share(lost)} of its weight updates to rounding and "
            f"ended at {losses}: its small updates rounded away."
        )
    return (
        f"Pure fp16 ended at {losses}, though it lost only {_share(lost)} of its "
        "weight updates to rounding: lost updates explain little of the gap."
    )


def _summary(target: Target, facts: dict[str, dict[str, Any]]) -> list[str]:
    out = [
        f"{MODES[m]}: final loss {fmt(f['final_loss'], 4)}, test accuracy "
        f"{100 * f['accuracy']:.1f}%, {100 * f['lost_update_share']:.1f}% of weight "
        f"updates lost to rounding, {fmt(f['bytes_per_param'])} bytes per parameter."
        for m, f in facts.items()
    ]
    verdict = pure_fp16_verdict(facts)
    if verdict:
        out.append(verdict)
    out.append(
        "Mixed precision does not shrink weights and gradients (the fp32 master "
        "copy stays); it saves activation memory and runs the matrix products in "
        "16 bits."
    )
    if target.backend == "numpy" or not target.is_cuda:
        out.append(
            "Times here come from a CPU, where 16-bit arithmetic is emulated or "
            "has no fast path: they show the cost of casting, not 16-bit speed."
        )
    return out


def estimate(params: Mapping[str, Any] | None, *, backend: str) -> C.Estimate:
    """Seconds a run takes: ``steps`` SGD steps of the MLP in every mode.

    A step's dense products cost ``6 * batch * weights`` FLOPs; on a CPU the
    16-bit modes also cast every activation and weight (pure fp16, whose
    gradients turn subnormal, most); on a GPU a step is some sixty kernel
    launches and copies its weights to the host to count lost updates.
    """
    p = validate_params(params)
    weights = p["hidden"] * p["features"] + p["classes"] * p["hidden"]
    flops = 6 * p["batch"] * weights
    cast = 4 * weights + p["batch"] * (
        p["features"] + 3 * p["hidden"] + 2 * p["classes"]
    )
    gpu = C.on_gpu(backend)
    seconds = C.GPU_START if gpu else C.NP_START
    seconds += (N_TRAIN + N_TEST) * p["features"] * 8 * p["classes"] * C.NP_FLOP
    for mode in p["modes"]:
        if gpu:
            compute = SETUP[mode][0]
            step = (
                60 * C.GPU_LAUNCH
                + flops / C.GPU_FLOPS[compute]
                + 3 * weights * C.GPU_TRANSFER
                + cast * C.GPU_ELEMENT
            )
        else:
            step = C.NP_MLP_STEP + flops * C.NP_FLOP + cast * C.NP_MLP_CAST[mode]
        seconds += p["steps"] * step + 2 * N_TEST * weights * C.NP_FLOP
    return C.Estimate(seconds, backend)


DEMO = Demo(
    name="mixed_precision_training",
    title="Mixed precision training",
    what_it_shows=(
        "The same small network is trained in fp32, in pure fp16, and in 16 "
        "bits with an fp32 master copy of the weights. Pure fp16 can lose small "
        "weight updates to rounding, which master weights keep; the summary says "
        "how many updates this run lost and whether its loss showed it."
    ),
    lesson_anchor="mixed-precision-training",
    params=PARAMS,
    run=run,
    validate_params=validate_params,
    estimate=estimate,
    cost_params=("steps", "batch", "hidden", "features", "modes"),
)
