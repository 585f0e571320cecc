"""Demo: post-training quantization of a weight matrix or a small model.

A weight matrix with outlier rows (or the weights of a small MLP trained
here in numpy) is quantized with int8 and int4 (per tensor, per channel,
per group), fp8 E4M3 with a per-tensor scale and NF4 (block 64); the demo
reports error, memory including the scales, and for the model the accuracy
before and after. Quantizers live in ``_quant``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from workers.demos import _cost as C
from workers.demos import _mlp as M
from workers.demos import _quant as Q
from workers.demos._backend import Target, import_torch, resolve_target
from workers.demos._results import chart, fmt, json_result, report, series, table
from workers.demos._schema import Demo, Param, Progress, validator

HIST_BINS = 41
Quantizer = Callable[[np.ndarray, str, int], tuple[np.ndarray, int]]

PARAMS: tuple[Param, ...] = (
    Param(
        "source",
        "choice",
        "matrix",
        "A random matrix with outlier rows, or a small MLP trained here.",
        choices=("matrix", "mlp"),
        label="Weights to quantize",
    ),
    Param("rows", "int", 256, "Matrix rows (output channels).", 1, 4096, label="Rows"),
    Param("cols", "int", 256, "Matrix columns.", 1, 4096, label="Columns"),
    Param(
        "outlier_fraction",
        "float",
        0.01,
        "Share of rows that are outliers.",
        0,
        0.5,
        label="Share of outlier rows",
    ),
    Param(
        "outlier_magnitude",
        "float",
        20.0,
        "How much larger outlier rows are.",
        1,
        1e4,
        label="Outlier magnitude (times)",
    ),
    Param(
        "group_size",
        "int",
        64,
        "Values per scale in the per-group schemes.",
        2,
        4096,
        label="Group size",
    ),
    Param(
        "schemes",
        "multichoice",
        tuple(Q.SCHEMES),
        "Quantization schemes to compare.",
        choices=tuple(Q.SCHEMES),
        choice_label="scheme",
        label="Schemes",
    ),
    Param("seed", "int", 0, "Random seed.", 0, 2**32 - 1, label="Random seed"),
    Param(
        "features", "int", 32, "MLP input features.", 2, 512, label="MLP input features"
    ),
    Param("hidden", "int", 64, "MLP hidden units.", 2, 1024, label="MLP hidden units"),
    Param(
        "classes",
        "int",
        4,
        "MLP classes (2 or 4 make good tasks).",
        2,
        8,
        label="MLP classes",
    ),
    Param(
        "train_steps",
        "int",
        300,
        "MLP training steps (fp32 SGD).",
        1,
        5000,
        label="MLP training steps",
    ),
)


validate_params = validator(PARAMS)


def outlier_matrix(
    rows: int, cols: int, fraction: float, magnitude: float, seed: int
) -> np.ndarray:
    """Return N(0, 0.02^2) weights whose outlier rows are ``magnitude`` times larger."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((rows, cols)) * 0.02
    n_out = int(round(fraction * rows))
    if fraction > 0:
        n_out = max(n_out, 1)
    w[rng.choice(rows, size=n_out, replace=False)] *= magnitude
    return w.astype(np.float32)


def run(
    params: Mapping[str, Any] | None = None,
    *,
    backend: str = "numpy",
    device: str | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Quantize with each scheme and measure error, memory and accuracy.

    Args:
        params: Demo parameters (see ``PARAMS``).
        backend: ``"numpy"`` or ``"torch"``.
        device: torch device, or None for the best available.
        progress: Called with ``(fraction, message)`` as schemes complete.

    Returns:
        The JSON-safe result; ``data["schemes"][name]`` holds mse, snr_db,
        bits_per_param, bytes and, for the MLP, accuracy.
    """
    p = validate_params(params)
    target = resolve_target(backend, device)
    report(progress, 0.0, "preparing weights")
    weights, model = _weights(p)
    quantize = _quantizer(target)
    results: dict[str, dict[str, Any]] = {}
    errors: dict[str, np.ndarray] = {}
    for i, scheme in enumerate(p["schemes"]):
        report(progress, 0.1 + 0.9 * i / len(p["schemes"]), f"quantizing {scheme}")
        deq = {k: quantize(w, scheme, p["group_size"]) for k, w in weights.items()}
        results[scheme], errors[scheme] = _measure(scheme, weights, deq, model)
    report(progress, 1.0, "done")
    return json_result(_result(p, target, weights, model, results, errors))


def _weights(p: dict[str, Any]) -> tuple[dict[str, np.ndarray], dict[str, Any] | None]:
    if p["source"] == "matrix":
        w = outlier_matrix(
            p["rows"],
            p["cols"],
            p["outlier_fraction"],
            p["outlier_magnitude"],
            p["seed"],
        )
        return {"w": w}, None
    task = M.make_task(
        features=p["features"],
        classes=p["classes"],
        n_train=2048,
        n_test=1024,
        seed=p["seed"],
    )
    init = M.init_params(
        features=p["features"], hidden=p["hidden"], classes=p["classes"], seed=p["seed"]
    )
    trained = M.train_fp32(
        init, task, steps=p["train_steps"], batch=128, lr=0.1, seed=p["seed"]
    )
    model = {
        "params": trained,
        "task": task,
        "accuracy": M.accuracy(trained, task.x_test, task.y_test),
    }
    return {"w1": trained["w1"], "w2": trained["w2"]}, model


def _quantizer(target: Target) -> Quantizer:
    if target.backend == "numpy":
        return Q.np_quantize
    torch = import_torch()

    def quantize(w: np.ndarray, scheme: str, group: int) -> tuple[np.ndarray, int]:
        return Q.torch_quantize(torch, w, scheme, group, target.device)

    return quantize


def _measure(
    scheme: str,
    weights: dict[str, np.ndarray],
    deq: dict[str, tuple[np.ndarray, int]],
    model: dict[str, Any] | None,
) -> tuple[dict[str, Any], np.ndarray]:
    ref = np.concatenate([w.ravel() for w in weights.values()]).astype(np.float64)
    got = np.concatenate([d.ravel() for d, _ in deq.values()]).astype(np.float64)
    err = got - ref
    n, scales = ref.size, sum(s for _, s in deq.values())
    bits = Q.bits_per_param(scheme, n, scales)
    noise = float(np.sum(err**2))
    out = {
        "mse": float(np.mean(err**2)),
        "snr_db": 10 * np.log10(float(np.sum(ref**2)) / noise)
        if noise > 0
        else float("inf"),
        "max_abs_error": float(np.max(np.abs(err))),
        "scales": scales,
        "bits_per_param": bits,
        "scale_overhead_bits": bits - Q.SCHEMES[scheme].bits,
        "bytes": bits * n / 8,
        "saved_vs_fp32": 1 - bits / 32,
        "saved_vs_bf16": 1 - bits / 16,
    }
    if model is not None:
        params = {**model["params"], **{k: d for k, (d, _) in deq.items()}}
        task = model["task"]
        out["accuracy"] = M.accuracy(params, task.x_test, task.y_test)
    return out, err


def _result(
    p: dict[str, Any],
    target: Target,
    weights: dict[str, np.ndarray],
    model: dict[str, Any] | None,
    results: dict[str, dict[str, Any]],
    errors: dict[str, np.ndarray],
) -> dict[str, Any]:
    n = sum(w.size for w in weights.values())
    data: dict[str, Any] = {
        "params_quantized": n,
        "fp32_bytes": 4 * n,
        "schemes": results,
    }
    if model is not None:
        data["accuracy_fp32"] = model["accuracy"]
    return {
        "demo": DEMO.name,
        "params": p,
        "backend": target.backend,
        "device": target.device,
        "device_label": target.label,
        "charts": [_histogram(errors), _tradeoff(results)],
        "tables": [_table(results, model, n)],
        "summary": _summary(p, results, model),
        "data": data,
    }


def _histogram(errors: dict[str, np.ndarray]) -> dict[str, Any]:
    top = max((float(np.max(np.abs(e))) for e in errors.values()), default=1.0) or 1.0
    edges = np.linspace(-top, top, HIST_BINS + 1)
    centres = (edges[1:] + edges[:-1]) / 2
    lines = []
    for scheme, e in errors.items():
        counts, _ = np.histogram(e, bins=edges)
        lines.append(
            series(Q.SCHEMES[scheme].label, zip(centres, counts / e.size, strict=True))
        )
    return chart(
        "Quantization error",
        "dequantized - original",
        "share of weights",
        lines,
        kind="step",
    )


def _tradeoff(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    lines = [
        series(Q.SCHEMES[s].label, [(r["bits_per_param"], r["snr_db"])])
        for s, r in results.items()
        if np.isfinite(r["snr_db"])
    ]
    return chart(
        "Bits against signal-to-noise",
        "bits per weight (including scales)",
        "SNR (dB)",
        lines,
        kind="scatter",
    )


def _table(
    results: dict[str, dict[str, Any]], model: dict[str, Any] | None, n: int
) -> dict[str, Any]:
    cols = [
        "scheme",
        "bits per weight",
        "scales stored",
        "scale overhead (bits/weight)",
        "memory (bytes)",
        "saved vs fp32",
        "saved vs bf16",
        "MSE",
        "SNR (dB)",
    ]
    rows = []
    if model is not None:
        cols.append("test accuracy")
        rows.append(
            [
                "fp32 (not quantized)",
                32,
                0,
                0,
                4 * n,
                0,
                -1,
                0,
                "inf",
                model["accuracy"],
            ]
        )
    for s, r in results.items():
        row = [
            Q.SCHEMES[s].label,
            r["bits_per_param"],
            r["scales"],
            r["scale_overhead_bits"],
            r["bytes"],
            r["saved_vs_fp32"],
            r["saved_vs_bf16"],
            r["mse"],
            r["snr_db"],
        ]
        if model is not None:
            row.append(r["accuracy"])
        rows.append(row)
    return table("Quantization schemes compared", cols, rows)


def _summary(
    p: dict[str, Any], results: dict[str, dict[str, Any]], model: dict[str, Any] | None
) -> list[str]:
    out = [
        f"{Q.SCHEMES[s].label}: SNR {r['snr_db']:.1f} dB at {r['bits_per_param']:.3g} "
        f"bits per weight ({100 * r['saved_vs_fp32']:.1f}% smaller than fp32)"
        + (f", accuracy {100 * r['accuracy']:.1f}%" if "accuracy" in r else "")
        + "."
        for s, r in results.items()
    ]
    if {"int8_tensor", "int8_channel"} <= results.keys() and p["source"] == "matrix":
        t, c = results["int8_tensor"], results["int8_channel"]
        out.append(
            f"With outlier rows, one scale per tensor is set by the outliers: int8 "
            f"per channel has {fmt(t['mse'] / c['mse'])}x less error than per tensor."
        )
    if model is not None:
        out.append(
            f"Before quantization the model's test accuracy is {100 * model['accuracy']:.1f}%."
        )
    return out


def estimate(params: Mapping[str, Any] | None, *, backend: str) -> C.Estimate:
    """Seconds a run takes: drawing (or training, for the MLP, in numpy on
    every backend) the weights, then quantizing them with every scheme."""
    p = validate_params(params)
    schemes = len(p["schemes"])
    seconds = 0.0
    if p["source"] == "matrix":
        weights = p["rows"] * p["cols"]
    else:
        weights = p["hidden"] * p["features"] + p["classes"] * p["hidden"]
        flops = 6 * 128 * weights  # one SGD step on a batch of 128
        seconds += p["train_steps"] * (C.NP_MLP_STEP + flops * C.NP_FLOP)
        # accuracy on 1024 test rows, before and after each scheme
        seconds += (schemes + 1) * 2 * 1024 * weights * C.NP_FLOP
    seconds += weights * C.NP_QUANT_BASE
    if C.on_gpu(backend):
        per_scheme = 20 * C.GPU_LAUNCH + weights * (
            10 * C.GPU_ELEMENT + 2 * C.GPU_TRANSFER + C.NP_QUANT_BASE
        )
        seconds += C.GPU_START + schemes * per_scheme
    else:
        seconds += C.NP_START + schemes * weights * C.NP_QUANT
    return C.Estimate(seconds, backend)


DEMO = Demo(
    name="quantization",
    title="Quantizing weights to 8 and 4 bits",
    what_it_shows=(
        "Quantization stores each weight as a small integer (or fp8 or NF4 code) "
        "plus a shared scale. Finer scales (per channel, per group) cost a few "
        "bits of overhead but cut the error, especially when a few rows are "
        "outliers; 4 bits lose far more than 8."
    ),
    lesson_anchor="quantization",
    params=PARAMS,
    run=run,
    validate_params=validate_params,
    estimate=estimate,
    cost_params=("rows", "cols", "train_steps", "hidden", "features", "schemes"),
)
