"""Demo: gradients underflow in fp16, and loss scaling moves them back.

A log-normal cloud of gradient magnitudes is cast to fp16, bf16 and fp8 E5M2
(the shares that flush to zero, turn subnormal or stay normal); a sweep of
loss scales shows underflow trading against overflow; and a dynamic run
applies PyTorch GradScaler's rule (see ``_gradscaler``) to a stream of
gradient batches with occasional spikes. The torch backend runs torch's own
``_amp_update_scale_`` kernel where it exists. The measurements on each
backend live in ``_loss_scaling_ops``; this module reports them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from workers.demos import _cost as C
from workers.demos import _formats as F
from workers.demos._backend import Target, resolve_target
from workers.demos._loss_scaling_ops import SCALED_FORMAT, NumpyOps, TorchOps
from workers.demos._results import chart, fmt, json_result, report, series, table
from workers.demos._schema import Demo, Param, Progress, validator

CAST_FORMATS = ("fp16", "bf16", "fp8_e5m2")

PARAMS: tuple[Param, ...] = (
    Param(
        "median",
        "float",
        1e-6,
        "Median gradient magnitude.",
        1e-30,
        1e4,
        label="Median gradient",
    ),
    Param(
        "sigma",
        "float",
        2.5,
        "Spread: std. dev. of ln |gradient|.",
        0,
        10,
        label="Spread (σ of ln |gradient|)",
    ),
    Param(
        "count",
        "int",
        100_000,
        "Gradients in the distribution.",
        10,
        2_000_000,
        label="Number of gradients",
    ),
    Param("seed", "int", 0, "Random seed.", 0, 2**32 - 1, label="Random seed"),
    Param(
        "max_scale_exp2",
        "int",
        24,
        "The sweep tries the scales 2^0, 2^1, … up to 2^n.",
        0,
        40,
        label="Largest loss scale swept (2^n)",
    ),
    Param(
        "steps",
        "int",
        5000,
        "Steps in the dynamic-scaling run.",
        1,
        20_000,
        label="Steps of dynamic scaling",
    ),
    Param(
        "batch",
        "int",
        256,
        "Gradients per step in that run.",
        1,
        10_000,
        label="Gradients per step",
    ),
    Param(
        "growth_interval",
        "int",
        2000,
        "Clean steps before the scale doubles (GradScaler default 2000).",
        1,
        100_000,
        label="Growth interval (clean steps)",
    ),
    Param(
        "spike_prob",
        "float",
        0.001,
        "Chance that a step's gradients spike.",
        0,
        1,
        label="Spike probability",
    ),
    Param(
        "spike_factor",
        "float",
        1e4,
        "How much a spike multiplies them.",
        1,
        1e12,
        label="Spike factor",
    ),
)


validate_params = validator(PARAMS)


def gradients(median: float, sigma: float, count: int, seed: int) -> np.ndarray:
    """Return ``count`` log-normal gradient magnitudes as float32."""
    rng = np.random.default_rng(seed)
    return (median * np.exp(sigma * rng.standard_normal(count))).astype(np.float32)


def batches(p: dict[str, Any]) -> np.ndarray:
    """Return the dynamic run's gradients, one row per step, with spikes."""
    rng = np.random.default_rng(p["seed"] + 1)
    g = p["median"] * np.exp(p["sigma"] * rng.standard_normal((p["steps"], p["batch"])))
    spikes = rng.random(p["steps"]) < p["spike_prob"]
    g[spikes] *= p["spike_factor"]
    out: np.ndarray = g.astype(np.float32)
    return out


def run(
    params: Mapping[str, Any] | None = None,
    *,
    backend: str = "numpy",
    device: str | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Show underflow, the loss-scale sweep and a dynamic loss-scaling run.

    Args:
        params: Demo parameters (see ``PARAMS``).
        backend: ``"numpy"`` or ``"torch"``.
        device: torch device, or None for the best available.
        progress: Called with ``(fraction, message)``.

    Returns:
        The JSON-safe result; ``data`` holds ``shares`` per format, the
        ``sweep`` and the ``dynamic`` run (skipped steps, scale events).
    """
    p = validate_params(params)
    target = resolve_target(backend, device)
    ops = NumpyOps() if target.backend == "numpy" else TorchOps(target.device)
    g = gradients(p["median"], p["sigma"], p["count"], p["seed"])
    report(progress, 0.0, "casting gradients")
    shares = {f: ops.shares(g, f) for f in CAST_FORMATS}
    report(progress, 0.2, "sweeping loss scales")
    sweep = [
        {"scale_exp2": e, **{f: ops.under_over(g, 2.0**e, f) for f in CAST_FORMATS}}
        for e in range(p["max_scale_exp2"] + 1)
    ]
    report(progress, 0.5, "dynamic loss scaling")
    dynamic = ops.dynamic(batches(p), p["growth_interval"])
    report(progress, 1.0, "done")
    return json_result(_result(p, target, g, shares, sweep, dynamic))


def _result(
    p: dict[str, Any],
    target: Target,
    g: np.ndarray,
    shares: dict[str, dict[str, float]],
    sweep: list[dict[str, Any]],
    dynamic: dict[str, Any],
) -> dict[str, Any]:
    return {
        "demo": DEMO.name,
        "params": p,
        "backend": target.backend,
        "device": target.device,
        "device_label": target.label,
        "charts": [_histogram(g), _sweep_chart(sweep), _dynamic_chart(dynamic)],
        "tables": [_shares_table(shares), _sweep_table(sweep), _dynamic_table(dynamic)],
        "summary": _summary(p, shares, sweep, dynamic),
        "data": {
            "thresholds": {f: F.np_thresholds(f) for f in CAST_FORMATS},
            "shares": shares,
            "sweep": sweep,
            "dynamic": dynamic,
        },
    }


def _histogram(g: np.ndarray) -> dict[str, Any]:
    logs = np.log2(g[g > 0].astype(np.float64))
    counts, edges = np.histogram(logs, bins=60)
    centres = (edges[:-1] + edges[1:]) / 2
    lines = [series("gradients", zip(centres, counts / len(g), strict=True))]
    top = float(counts.max() / len(g))
    for name, key in (
        ("smallest subnormal", "min_subnormal"),
        ("smallest normal", "min_normal"),
    ):
        x = np.log2(F.np_thresholds("fp16")[key])
        lines.append(series(f"fp16 {name}", [(x, 0.0), (x, top)]))
    return chart(
        "Gradient magnitudes and fp16's limits",
        "log2 |gradient|",
        "share of gradients",
        lines,
        kind="step",
    )


def _sweep_chart(sweep: list[dict[str, Any]]) -> dict[str, Any]:
    lines = []
    for f in CAST_FORMATS:
        label = F.FORMATS[f].label
        below = [
            (2.0 ** s["scale_exp2"], s[f]["underflow"] + s[f]["subnormal"])
            for s in sweep
        ]
        lines.append(series(f"{label} below normal (zero or subnormal)", below))
        over = [(2.0 ** s["scale_exp2"], s[f]["overflow"]) for s in sweep]
        lines.append(series(f"{label} overflow", over))
    return chart(
        "Loss scale: underflow against overflow",
        "loss scale",
        "share of gradients",
        lines,
        x_log=True,
    )


def _dynamic_chart(d: dict[str, Any]) -> dict[str, Any]:
    pts = [(0, d["initial_scale"])]
    for e in d["events"]:
        pts.append((e["step"], pts[-1][1]))
        pts.append((e["step"], e["scale"]))
    pts.append((d["steps"], d["final_scale"]))
    backoffs = [
        (e["step"] - 1, e["scale"] * 2) for e in d["events"] if e["kind"] == "backoff"
    ]
    return chart(
        "Dynamic loss scale (GradScaler rule)",
        "step",
        "loss scale",
        [series("loss scale", pts), series("skipped step (inf/NaN)", backoffs)],
        y_log=True,
    )


def _shares_table(shares: dict[str, dict[str, float]]) -> dict[str, Any]:
    rows = [
        [F.FORMATS[f].label, s["zero"], s["subnormal"], s["normal"], s["overflow"]]
        for f, s in shares.items()
    ]
    return table(
        "Unscaled gradients after the cast (shares)",
        ["format", "flushed to zero", "subnormal", "normal", "overflow"],
        rows,
    )


def _sweep_table(sweep: list[dict[str, Any]]) -> dict[str, Any]:
    cols = ["loss scale"]
    keys = (("underflow", "zero"), ("subnormal", "subnormal"), ("overflow", "overflow"))
    for f in CAST_FORMATS:
        cols += [f"{F.FORMATS[f].label} {word}" for _, word in keys]
    rows = [
        [f"2^{s['scale_exp2']}"] + [s[f][k] for f in CAST_FORMATS for k, _ in keys]
        for s in sweep
    ]
    return table("Loss-scale sweep (shares)", cols, rows)


def _dynamic_table(d: dict[str, Any]) -> dict[str, Any]:
    growths = sum(e["kind"] == "growth" for e in d["events"])
    rows = [
        ["steps", d["steps"]],
        ["steps skipped (inf/NaN)", len(d["skipped_steps"])],
        ["scale halvings", len(d["events"]) - growths],
        ["scale doublings", growths],
        ["initial scale", d["initial_scale"]],
        ["final scale", d["final_scale"]],
        ["mean share flushed to zero (kept steps)", d["mean_underflow_kept"]],
    ]
    return table("Dynamic loss scaling", ["quantity", "value"], rows)


def best_scale(sweep: list[dict[str, Any]], f: str = SCALED_FORMAT) -> dict[str, Any]:
    """The sweep entry that keeps the most gradients in ``f``'s normal range.

    Subnormal values are not rescued: they keep only a few bits of precision
    (the loss-scale problem calls aiming at them a misconception). Among the
    scales without overflow the one with the largest normal share wins, the
    smallest such scale on a tie; if every scale overflows, the one with the
    least overflow, then the largest normal share.
    """
    safe = [s for s in sweep if s[f]["overflow"] == 0]
    if safe:
        return max(safe, key=lambda s: (s[f]["normal"], -s["scale_exp2"]))
    return min(
        sweep, key=lambda s: (s[f]["overflow"], -s[f]["normal"], s["scale_exp2"])
    )


def best_scale_sentence(sweep: list[dict[str, Any]], f: str = SCALED_FORMAT) -> str:
    """Say which scale keeps the most gradients normal, and what the rest became."""
    best = best_scale(sweep, f)
    s, label = best[f], F.FORMATS[f].label
    rest = (
        f"{_pct(s['normal'])} normal, {_pct(s['subnormal'])} subnormal (few bits "
        f"of precision left), {_pct(s['underflow'])} flushed to zero"
    )
    if s["overflow"] == 0:
        said = (
            f"In {label}, loss scale 2^{best['scale_exp2']} keeps the most gradients "
            f"in the normal range without overflow: {rest}."
        )
    else:
        said = (
            f"In {label}, every scale swept overflows some gradients; 2^"
            f"{best['scale_exp2']} overflows the fewest ({_pct(s['overflow'])}) and "
            f"keeps the most in the normal range: {rest}."
        )
    flushed_only = min(sweep, key=lambda e: e[f]["underflow"] + e[f]["overflow"])
    if flushed_only["scale_exp2"] < best["scale_exp2"]:
        sub = flushed_only[f]["subnormal"]
        said += (
            f" Counting only the flushed values would stop at 2^"
            f"{flushed_only['scale_exp2']}, where {_pct(sub)} are still subnormal."
        )
    return said


def _summary(
    p: dict[str, Any],
    shares: dict[str, dict[str, float]],
    sweep: list[dict[str, Any]],
    d: dict[str, Any],
) -> list[str]:
    out = []
    for f, s in shares.items():
        out.append(
            f"Unscaled, {_pct(s['zero'])} of the gradients flush to zero in "
            f"{F.FORMATS[f].label} and {_pct(s['subnormal'])} are subnormal."
        )
    out.append(best_scale_sentence(sweep, SCALED_FORMAT))
    over = [s for s in sweep if s[SCALED_FORMAT]["overflow"] > 0]
    if over:
        out.append(
            f"From 2^{over[0]['scale_exp2']} on, the largest gradients pass fp16's "
            f"maximum ({fmt(F.np_thresholds(SCALED_FORMAT)['max'])}) and overflow."
        )
    out.append(
        f"Dynamic scaling from 2^16 with growth interval {p['growth_interval']} "
        f"skipped {len(d['skipped_steps'])} of {d['steps']} steps (each skip halves"
        f" the scale) and ended at {fmt(d['final_scale'])}."
    )
    return out


def _pct(x: float) -> str:
    """A share as a percentage, never rounding a part to all or to none."""
    text = ""
    for digits in range(3, 9):
        text = f"{100 * x:.{digits}g}"
        if (text != "100" or x >= 1) and (text != "0" or x <= 0):
            break
    return f"{text}%"


def estimate(params: Mapping[str, Any] | None, *, backend: str) -> C.Estimate:
    """Seconds a run takes: ``count`` gradients cast at every swept scale in
    three formats, then ``steps`` dynamic-scaling steps of ``batch`` each."""
    p = validate_params(params)
    scales = p["max_scale_exp2"] + 1
    casts = p["count"] * len(CAST_FORMATS) * (scales + 1)
    elements = p["steps"] * p["batch"]
    # The gradients are drawn with numpy on every backend.
    drawn = p["count"] * C.NP_GRADIENT + elements * C.NP_STEP_ELEMENT / 2
    if C.on_gpu(backend):
        seconds = (
            C.GPU_START
            + drawn
            + (casts + 4 * elements) * C.GPU_ELEMENT
            + (p["count"] * len(CAST_FORMATS) + elements) * C.GPU_TRANSFER
            + (len(CAST_FORMATS) * scales * 6 + p["steps"] * 12) * C.GPU_LAUNCH
        )
    else:
        seconds = (
            C.NP_START
            + drawn
            + casts * C.NP_CAST
            + p["steps"] * C.NP_LOOP_STEP
            + elements * C.NP_STEP_ELEMENT
        )
    return C.Estimate(seconds, backend)


DEMO = Demo(
    name="loss_scaling",
    title="Loss scaling rescues small gradients",
    what_it_shows=(
        "Gradients are often far smaller than fp16's smallest normal number, so "
        "many turn subnormal (keeping few bits) or flush to zero. Multiplying the "
        "loss by a scale lifts them into the normal range until the largest "
        "overflow; GradScaler finds the scale by halving on overflow and doubling "
        "after a run of clean steps."
    ),
    lesson_anchor="range-versus-precision",
    params=PARAMS,
    run=run,
    validate_params=validate_params,
    estimate=estimate,
    cost_params=("count", "max_scale_exp2", "steps", "batch"),
)
