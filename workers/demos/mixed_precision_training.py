"""Demo: train one small MLP four ways and compare.

Modes: fp32; pure fp16 (weights, gradients and updates in fp16, no loss
scaling); fp16 compute with fp32 master weights and dynamic loss scaling; bf16
compute with fp32 master weights. The numpy backend emulates each precision
by casting at the places a GPU rounds (``_mlp.forward_backward``); the torch
backend uses torch dtypes (autocast and GradScaler on CUDA, explicit casts on
the CPU). Plain SGD, deterministic for a given seed.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from workers.demos import _cost as C
from workers.demos import _formats as F
from workers.demos import _mlp as M
from workers.demos._backend import Target, import_torch, resolve_target
from workers.demos._gradscaler import ScalerState, scaler_update
from workers.demos._results import (
    chart,
    downsample,
    fmt,
    json_result,
    report,
    series,
    table,
)
from workers.demos._schema import Demo, Param, Progress
from workers.demos._schema import validate_against as _validate

MODES: dict[str, str] = {
    "fp32": "fp32",
    "fp16_pure": "pure fp16",
    "fp16_master_scaled": "fp16 + fp32 master + loss scaling",
    "bf16_master": "bf16 + fp32 master",
}
# mode: (compute format, fp32 master copy?, dynamic loss scaling?)
_SETUP: dict[str, tuple[str, bool, bool]] = {
    "fp32": ("fp32", False, False),
    "fp16_pure": ("fp16", False, False),
    "fp16_master_scaled": ("fp16", True, True),
    "bf16_master": ("bf16", True, False),
}
N_TRAIN, N_TEST = 4096, 2048

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


def validate_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Fill defaults and check the parameters.

    Args:
        params: Caller's values.

    Returns:
        Complete, checked parameters.

    Raises:
        DemoParamError: If any value is invalid.
    """
    return _validate(PARAMS, params)


@dataclass
class Trace:
    """What one training run produced."""

    losses: list[float] = field(default_factory=list)
    accuracy: float = 0.0
    bytes_held: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    skipped: int = 0
    lost: int = 0
    updates: int = 0
    final_scale: float | None = None


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
        train = _np_train if target.backend == "numpy" else _torch_train
        traces[mode] = train(target, mode, p, task)
    report(progress, 1.0, "done")
    return json_result(_result(p, target, traces))


def _init(p: dict[str, Any]) -> dict[str, np.ndarray]:
    return M.init_params(
        features=p["features"], hidden=p["hidden"], classes=p["classes"], seed=p["seed"]
    )


def _np_cast(name: str) -> M.Cast:
    if name == "fp32":
        return M.identity
    dtype = F.FORMATS[name].numpy_dtype

    def cast(x: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore"):
            return np.asarray(x, np.float32).astype(dtype).astype(np.float32)

    return cast


def _np_train(target: Target, mode: str, p: dict[str, Any], task: M.Task) -> Trace:
    fmt_name, master, scaled = _SETUP[mode]
    cast = _np_cast(fmt_name)
    # Pure 16-bit keeps only the 16-bit weights; otherwise these are fp32.
    w = {k: (v if master or mode == "fp32" else cast(v)) for k, v in _init(p).items()}
    state, trace = ScalerState(), Trace()
    lr = np.float32(p["lr"])
    start = time.perf_counter()
    for idx in M.batch_indices(N_TRAIN, p["batch"], p["steps"], p["seed"]):
        scale = state.scale if scaled else 1.0
        loss, g = M.forward_backward(
            w, task.x_train[idx], task.y_train[idx], cast=cast, loss_scale=scale
        )
        trace.losses.append(loss)
        bad = scaled and not all(np.isfinite(v).all() for v in g.values())
        if scaled:
            state = scaler_update(state, found_inf=bad, interval=p["growth_interval"])
        if bad:
            trace.skipped += 1
            continue
        round_w = cast if not master else M.identity
        new = {k: round_w(w[k] - lr * (g[k] / np.float32(scale))) for k in w}
        _count_lost(trace, w, new, g)
        w = new
    trace.seconds = (time.perf_counter() - start) / p["steps"]
    trace.accuracy = M.accuracy(w, task.x_test, task.y_test)
    trace.bytes_held = _np_bytes(fmt_name, master)
    trace.final_scale = state.scale if scaled else None
    return trace


def _count_lost(
    trace: Trace, old: dict[str, Any], new: dict[str, Any], grads: dict[str, Any]
) -> None:
    """Count weights whose gradient was non-zero but which did not move."""
    for k in old:
        wanted = _as_np(grads[k]) != 0
        trace.updates += int(wanted.sum())
        trace.lost += int((wanted & (_as_np(new[k]) == _as_np(old[k]))).sum())


def _as_np(x: Any) -> np.ndarray:
    return x if isinstance(x, np.ndarray) else x.detach().cpu().numpy()


def _np_bytes(fmt_name: str, master: bool) -> dict[str, float]:
    """Bytes per parameter the emulation holds (as the 16-bit formats store them)."""
    b = F.FORMATS[fmt_name].bits / 8
    return {"weights": b, "grads": b, "master": 4.0 if master else 0.0}


def _torch_train(target: Target, mode: str, p: dict[str, Any], task: M.Task) -> Trace:
    torch = import_torch()
    fmt_name, master, scaled = _SETUP[mode]
    dev, cdt = target.device, F.torch_dtype(torch, fmt_name)
    store = cdt if not master else torch.float32
    w = {
        k: torch.tensor(v, device=dev).to(store).requires_grad_()
        for k, v in _init(p).items()
    }
    opt = torch.optim.SGD(list(w.values()), lr=p["lr"])
    scaler = torch.amp.GradScaler(
        torch.device(dev).type,
        init_scale=2.0**16,
        growth_interval=p["growth_interval"],
        enabled=scaled,
    )
    x_all = torch.as_tensor(task.x_train, device=dev)
    y_all = torch.as_tensor(task.y_train, device=dev)
    idx_all = M.batch_indices(N_TRAIN, p["batch"], p["steps"], p["seed"])
    trace = Trace()
    losses = []
    _sync(torch, target)
    start = time.perf_counter()
    for idx in torch.as_tensor(idx_all, device=dev):
        loss = _torch_loss(torch, target, w, x_all[idx], y_all[idx], cdt, master)
        losses.append(loss.detach())
        opt.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        old = {k: v.detach().clone() for k, v in w.items()}
        grads = {k: v.grad.detach().clone() for k, v in w.items()}
        before = scaler.get_scale() if scaled else None
        scaler.step(opt)
        scaler.update()
        if scaled and scaler.get_scale() < before:
            trace.skipped += 1
            continue
        _count_lost(trace, old, {k: v.detach() for k, v in w.items()}, grads)
    _sync(torch, target)
    trace.seconds = (time.perf_counter() - start) / p["steps"]
    trace.losses = [float(v) for v in torch.stack(losses).cpu().tolist()]
    weights = {k: v.detach().float().cpu().numpy() for k, v in w.items()}
    trace.accuracy = M.accuracy(weights, task.x_test, task.y_test)
    trace.bytes_held = _torch_bytes(w, cdt, master)
    trace.final_scale = scaler.get_scale() if scaled else None
    return trace


def _torch_loss(
    torch: Any,
    target: Target,
    w: dict[str, Any],
    x: Any,
    y: Any,
    cdt: Any,
    master: bool,
) -> Any:
    """Forward pass: autocast on CUDA, explicit casts on the CPU; fp32 loss."""
    fn = torch.nn.functional
    if master and target.is_cuda and cdt != torch.float32:
        with torch.autocast("cuda", dtype=cdt):
            logits = _torch_forward(fn, w, x)
    else:
        wc = {k: v.to(cdt) for k, v in w.items()}
        logits = _torch_forward(fn, wc, x.to(cdt))
    return fn.cross_entropy(logits.float(), y)


def _torch_forward(fn: Any, w: dict[str, Any], x: Any) -> Any:
    h = fn.relu(fn.linear(x, w["w1"], w["b1"]))
    return fn.linear(h, w["w2"], w["b2"])


def _torch_bytes(w: dict[str, Any], cdt: Any, master: bool) -> dict[str, float]:
    """Bytes per parameter of the tensors torch holds.

    With master weights the parameters are fp32 and so are their gradients
    (as under autocast); the 16-bit copy is made per step.
    """
    v = next(iter(w.values()))
    if not master:
        return {
            "weights": v.element_size(),
            "grads": v.grad.element_size(),
            "master": 0,
        }
    return {
        "weights": cdt.itemsize,
        "grads": v.grad.element_size(),
        "master": v.element_size(),
    }


def _sync(torch: Any, target: Target) -> None:
    if target.is_cuda:
        torch.cuda.synchronize()


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
            compute = _SETUP[mode][0]
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
