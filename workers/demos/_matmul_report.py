"""The matmul-throughput demo's report: its chart, table and summary.

Each function reads the measured rows (one per size and dtype, with status,
seconds, TFLOP/s and share of peak) and says what they show, including that
a CPU emulates 16 bits and so cannot show their speed-up.
"""

from __future__ import annotations

from typing import Any

from workers.demos._backend import Target
from workers.demos._results import chart, fmt, series, table


def throughput_chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    by_dtype: dict[str, list[tuple[float, float]]] = {}
    for r in rows:
        if r["status"] == "ok":
            by_dtype.setdefault(r["dtype"], []).append((r["size"], r["tflops"]))
    return chart(
        "Matrix-product throughput",
        "matrix size n",
        "TFLOP/s (2 n^3 / time)",
        [series(d, pts) for d, pts in by_dtype.items()],
        x_log=True,
        y_log=True,
    )


def measurements_table(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out = [
        [
            r["size"],
            r["dtype"],
            r["status"],
            r["seconds"] * 1e3 if r["seconds"] else None,
            r["tflops"],
            r["peak_fraction"],
            r["runs"],
            r["note"],
        ]
        for r in rows
    ]
    return table(
        "Matrix products timed",
        [
            "n",
            "dtype",
            "status",
            "ms per product",
            "TFLOP/s",
            "share of peak",
            "runs",
            "note",
        ],
        out,
    )


def _compare(ratio: float) -> str:
    """Say how a throughput ratio compares, never rounding slower to faster."""
    if 0.95 <= ratio <= 1.05:
        return "about as fast as"
    if ratio > 1:
        return f"{ratio:.3g}x faster than"
    return f"{1 / ratio:.3g}x slower than"


def summary(
    target: Target,
    rows: list[dict[str, Any]],
    peaks: tuple[str, dict[str, float]] | None,
) -> list[str]:
    ok = [r for r in rows if r["status"] == "ok"]
    if not ok:
        return ["Nothing could be timed on this device."]
    n = max(r["size"] for r in ok)
    at_n = {r["dtype"]: r for r in ok if r["size"] == n}
    out = [
        f"At n = {n}: "
        + ", ".join(f"{d} {fmt(r['tflops'])} TFLOP/s" for d, r in at_n.items())
        + "."
    ]
    base = at_n.get("fp32")
    for d, r in at_n.items():
        if base is None or d == "fp32":
            continue
        ratio = r["tflops"] / base["tflops"]
        out.append(f"{d} was {_compare(ratio)} fp32 here ({r['note']}).")
    if target.backend == "numpy":
        out.append(
            "This is a CPU with numpy: 16-bit values are converted to float32 or "
            "emulated element by element, so fewer bits do not run faster here. The "
            "speed-up of 16 and 8 bits comes from GPU tensor cores and halved memory "
            "traffic, which a CPU measurement cannot show."
        )
    elif not target.is_cuda:
        out.append(
            "This is a CPU: 16-bit speed depends on the CPU's vector extensions, and "
            "TF32 and fp8 need NVIDIA tensor cores."
        )
    if peaks:
        best = max(ok, key=lambda r: r["peak_fraction"] or 0)
        if best["peak_fraction"]:
            out.append(
                f"Best: {best['dtype']} at n = {best['size']} reached "
                f"{100 * best['peak_fraction']:.0f}% of the {peaks[0]}'s dense peak."
            )
    elif target.is_cuda:
        out.append(
            "This GPU's datasheet peak is not in our table; no share of peak shown."
        )
    for r in rows:
        if r["status"] == "unsupported" and r["size"] == n:
            out.append(f"{r['dtype']} not measured: {r['note']}.")
    return out
