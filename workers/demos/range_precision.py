"""Demo: range versus precision of each floating-point format.

For log-spaced magnitudes it measures the gap between neighbouring
representable values (by bit patterns, see ``_formats``) and reads each
format's overflow and underflow thresholds from the backend itself.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import ml_dtypes
import numpy as np

from workers.demos import _cost as C
from workers.demos import _formats as F
from workers.demos._backend import Target, import_torch, resolve_target
from workers.demos._results import chart, fmt, json_result, report, series, table
from workers.demos._schema import Demo, DemoParamError, Param, Progress
from workers.demos._schema import validate_against as _validate

TORCH_FORMATS = ("fp32", "fp16", "bf16", "fp8_e4m3fn", "fp8_e5m2")
# Where the summary says how far apart neighbouring values are.
NEAR = 1000.0
# Eager float8_e4m3fn casts saturate from this torch release on (pytorch/pytorch
# PR 178817); before it they gave NaN past the rounding limit, as ml_dtypes does.
TORCH_SATURATES_FROM = "2.12"

PARAMS: tuple[Param, ...] = (
    Param(
        "formats",
        "multichoice",
        tuple(F.FORMATS),
        "Formats to compare (fp6 and fp4 exist on the numpy backend only).",
        choices=tuple(F.FORMATS),
        choice_label="dtype",
        label="Formats",
    ),
    Param(
        "min_exp2",
        "int",
        -30,
        "Smallest magnitude as a power of two: -30 means 2^-30.",
        -149,
        127,
        label="Smallest power of two (2^n)",
    ),
    Param(
        "max_exp2",
        "int",
        20,
        "Largest magnitude as a power of two: 20 means 2^20.",
        -149,
        127,
        label="Largest power of two (2^n)",
    ),
    Param(
        "points_per_octave",
        "int",
        8,
        "Magnitudes per factor of two.",
        1,
        64,
        label="Points per factor of two",
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
    if clean["min_exp2"] >= clean["max_exp2"]:
        raise DemoParamError(
            {"max_exp2": "must be larger than the smallest power of two"}
        )
    return clean


def magnitudes(min_exp2: int, max_exp2: int, per_octave: int) -> np.ndarray:
    """Return log-spaced magnitudes, each exactly representable in float32."""
    n = (max_exp2 - min_exp2) * per_octave + 1
    x = np.exp2(np.linspace(min_exp2, max_exp2, n)).astype(np.float32)
    return x[x > 0].astype(np.float64)


def run(
    params: Mapping[str, Any] | None = None,
    *,
    backend: str = "numpy",
    device: str | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Measure spacing versus magnitude and the range of each format.

    Args:
        params: Demo parameters (see ``PARAMS``).
        backend: ``"numpy"`` or ``"torch"``.
        device: torch device, or None for the best available.
        progress: Called with ``(fraction, message)`` as formats complete.

    Returns:
        The JSON-safe result: backend, device_label, charts, tables, summary
        and ``data["formats"][name]`` with the thresholds.
    """
    p = validate_params(params)
    target = resolve_target(backend, device)
    x = magnitudes(p["min_exp2"], p["max_exp2"], p["points_per_octave"])
    measured: dict[str, dict[str, Any]] = {}
    unsupported: dict[str, str] = {}
    for i, name in enumerate(p["formats"]):
        report(progress, i / len(p["formats"]), f"measuring {name}")
        if target.backend == "torch" and name not in TORCH_FORMATS:
            unsupported[name] = "torch has no unpacked dtype for this format"
            continue
        measured[name] = _measure(target, name, x)
    report(progress, 1.0, "done")
    return json_result(_result(p, target, measured, unsupported))


def _measure(target: Target, name: str, x: np.ndarray) -> dict[str, Any]:
    if target.backend == "numpy":
        th = F.np_thresholds(name)
        q, gap = F.np_spacing(x, name)
        overflow = F.np_cast(np.array([2 * th["max"]]), name)[0]
        near = F.np_neighbours(NEAR, name) if th["max"] >= NEAR else None
    else:
        torch = import_torch()
        th = F.torch_thresholds(torch, name, target.device)
        q, gap = F.torch_spacing(torch, x, name, target.device)
        big = torch.tensor([2 * th["max"]], dtype=torch.float64, device=target.device)
        overflow = float(big.to(F.torch_dtype(torch, name)).double().item())
        near = (
            F.torch_neighbours(torch, NEAR, name, target.device)
            if th["max"] >= NEAR
            else None
        )
    # Below the largest finite value the gap is the one below it (np_spacing):
    # values up to half of it above the maximum still round down to it.
    gap_at_max = F.np_spacing(np.array([th["max"]]), name)[1][0]
    keep = (x <= th["max"]) & (q > 0) & np.isfinite(q)
    return {
        **th,
        "twice_max_becomes": overflow,
        "rounds_to_max_up_to": th["max"] + gap_at_max / 2,
        "near_1000": near,
        "gap_near_1000": near["above"] - near["below"] if near else None,
        "points": [
            (float(a), float(g)) for a, g in zip(x[keep], gap[keep], strict=True)
        ],
    }


def cast_library(target: Target) -> str:
    """The library that does this run's casts, with its version."""
    if target.backend == "numpy":
        return f"ml_dtypes {ml_dtypes.__version__}"
    return f"torch {import_torch().__version__.split('+', 1)[0]}"


def _result(
    p: dict[str, Any],
    target: Target,
    measured: dict[str, dict[str, Any]],
    unsupported: dict[str, str],
) -> dict[str, Any]:
    return {
        "demo": DEMO.name,
        "params": p,
        "backend": target.backend,
        "device": target.device,
        "device_label": target.label,
        "charts": _charts(measured),
        "tables": [_table(measured, unsupported)],
        "summary": _summary(measured, unsupported, library=cast_library(target)),
        "data": {
            "formats": {
                n: {k: v for k, v in m.items() if k != "points"}
                for n, m in measured.items()
            },
            "unsupported": unsupported,
        },
    }


def _charts(measured: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    label = {n: F.FORMATS[n].label for n in measured}
    gap = [series(label[n], m["points"]) for n, m in measured.items()]
    rel = [
        series(label[n], [(a, g / a) for a, g in m["points"]])
        for n, m in measured.items()
    ]
    return [
        chart(
            "Gap between neighbouring values",
            "magnitude",
            "gap to the next representable value",
            gap,
            x_log=True,
            y_log=True,
            kind="step",
        ),
        chart(
            "Relative gap (precision)",
            "magnitude",
            "gap / magnitude",
            rel,
            x_log=True,
            y_log=True,
            kind="step",
        ),
    ]


def _table(
    measured: dict[str, dict[str, Any]], unsupported: dict[str, str]
) -> dict[str, Any]:
    rows = []
    for name, m in measured.items():
        f = F.FORMATS[name]
        rows.append(
            [
                f.label,
                f"1/{f.exp_bits}/{f.mant_bits}",
                m["max"],
                m["min_normal"],
                m["min_subnormal"],
                m["eps"],
                m["twice_max_becomes"],
                "",
            ]
        )
    for name, why in unsupported.items():
        f = F.FORMATS[name]
        rows.append([f.label, f"1/{f.exp_bits}/{f.mant_bits}", *[None] * 5, why])
    return table(
        "Range and precision, as measured on this backend",
        [
            "format",
            "sign/exponent/mantissa bits",
            "max finite",
            "min normal",
            "min subnormal",
            "gap at 1 (eps)",
            "2 x max becomes",
            "note",
        ],
        rows,
    )


def _near_1000(m: dict[str, Any]) -> str:
    near = m["near_1000"]
    if near is None:
        return f"{fmt(NEAR)} is out of range"
    gap = near["above"] - near["below"]
    if near["stored"] == NEAR:
        return f"{fmt(NEAR)} is exact and the next value up is {fmt(gap)} away"
    return (
        f"{fmt(NEAR)} is stored as {fmt(near['stored'])}, between "
        f"{fmt(near['below'])} and {fmt(near['above'])} ({fmt(gap)} apart)"
    )


def fp8_cast_sentence(m: dict[str, Any], *, library: str) -> str:
    """Say what casting twice fp8 E4M3's maximum gave with this run's library.

    Libraries differ: ml_dtypes turns values above the rounding limit
    (halfway from 448 to the next step, 464) into NaN; torch's eager casts
    did the same before torch 2.12, which saturates to 448 (pytorch/pytorch
    PR 178817).

    Args:
        m: The measured facts of fp8_e4m3fn (``max``, ``twice_max_becomes``,
            ``rounds_to_max_up_to``).
        library: ``cast_library(target)``, e.g. ``"torch 2.13.0"``.

    Returns:
        One sentence naming the library, the measured outcome and the advice.
    """
    top = float(m["max"])
    became = float(m["twice_max_becomes"])
    limit = fmt(float(m["rounds_to_max_up_to"]))
    if math.isnan(became):
        outcome = "nan"
    elif became == top:
        outcome = f"{fmt(became)} (it saturates)"
    else:
        outcome = fmt(became)
    said = (
        f"{library} on this worker: casting 2 × max ({fmt(2 * top)}) to fp8 E4M3 "
        f"gives {outcome}."
    )
    if library.startswith("torch"):
        said += (
            f" ml_dtypes turns values above {limit} into NaN, as torch's eager casts"
            f" did before torch {TORCH_SATURATES_FROM}; from {TORCH_SATURATES_FROM}"
            f" on they saturate to {fmt(top)}"
        )
    else:
        said += (
            f" It turns values above {limit} (halfway to the next step) into NaN;"
            f" torch {TORCH_SATURATES_FROM} and later saturate to {fmt(top)} instead"
            " (their eager casts gave NaN before)"
        )
    return said + ": clip before casting so every backend agrees."


def _summary(
    measured: dict[str, dict[str, Any]],
    unsupported: dict[str, str],
    *,
    library: str,
) -> list[str]:
    out = []
    for name, m in measured.items():
        label = F.FORMATS[name].label
        out.append(
            f"{label}: largest finite {fmt(m['max'])}, smallest normal "
            f"{fmt(m['min_normal'])}, smallest subnormal {fmt(m['min_subnormal'])}"
            f" (values at or below half of it, {fmt(m['min_subnormal'] / 2)}, flush"
            f" to zero); {_near_1000(m)}."
        )
    if "fp8_e4m3fn" in measured:
        out.append(fp8_cast_sentence(measured["fp8_e4m3fn"], library=library))
    if unsupported:
        out.append(f"Not measured on this backend: {', '.join(unsupported)}.")
    return out


def estimate(params: Mapping[str, Any] | None, *, backend: str) -> C.Estimate:
    """Seconds a run takes: every magnitude in every format (vectorised)."""
    p = validate_params(params)
    points = (p["max_exp2"] - p["min_exp2"]) * p["points_per_octave"] + 1
    formats = len(p["formats"])
    if C.on_gpu(backend):
        per_point = C.GPU_ELEMENT * 10 + C.GPU_TRANSFER * 4 + C.NP_SPACING
        seconds = C.GPU_START + formats * (30 * C.GPU_LAUNCH + points * per_point)
    else:
        seconds = C.NP_START + formats * points * C.NP_SPACING
    return C.Estimate(seconds, backend)


DEMO = Demo(
    name="range_precision",
    title="Range versus precision",
    what_it_shows=(
        "Every format spends its bits on either range (exponent) or precision "
        "(mantissa). The gap between neighbouring values grows with the "
        "magnitude, so the relative precision stays fixed until values fall "
        "into the subnormals and then flush to zero."
    ),
    lesson_anchor="floating-point-numbers",
    params=PARAMS,
    run=run,
    validate_params=validate_params,
    estimate=estimate,
    cost_params=("points_per_octave", "max_exp2", "formats"),
)
