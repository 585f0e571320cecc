"""Templates on rounding: what a value becomes in a 16- or 8-bit format, and the
smallest update that changes a weight.
"""

from __future__ import annotations

import math
from typing import Any

from lessons.precision import (
    Step,
    encode,
    lookup,
    smallest_update_that_changes,
    spacing,
)
from lessons.problems.misconceptions import Misconception
from lessons.problems.params import ParamSpec
from lessons.problems.parts import part, yes_no_part
from lessons.problems.registry import Built, problem_template
from lessons.problems.tolerance import Tolerance
from lessons.problems.wording import fmt

# --- what a value becomes ----------------------------------------------------

#: The first PyTorch release whose eager casts to float8_e4m3fn saturate on a
#: finite overflow (pytorch/pytorch#178817, merged April 2026; torchao gates
#: its saturation test on 2.12.0.dev0, pytorch/ao#4364). Before it, and in
#: ml_dtypes, values past the NaN threshold became NaN.
TORCH_E4M3_SATURATES_SINCE = "2.12"


def _saturation_note(name: str) -> str:
    """What the prompt says of overflow in fp8 E4M3 (no infinity)."""
    f = lookup(name)
    if name != "fp8_e4m3fn" or f.has_inf:
        return ""
    top = f.max_finite
    # Past the midpoint between the largest value and the next (unrepresentable)
    # step, round-to-nearest would reach the NaN pattern.
    nan_above = top + spacing(name, top) / 2
    return (
        f" It has no infinity. Since torch {TORCH_E4M3_SATURATES_SINCE}, eager casts "
        f"to `torch.float8_e4m3fn` saturate to {fmt(top)}; earlier versions gave "
        f"(and ml_dtypes gives) NaN above {fmt(nan_above)}. This problem follows the saturating cast: a value "
        f"beyond {fmt(top)} is stored as {fmt(top)}."
    )


@problem_template(
    key="round-to-format",
    title="What a value becomes in bf16, fp16 or fp8",
    objective="fp-representation",
    section="range-versus-precision",
    summary="Round a value to a 16- or 8-bit format and measure the relative error.",
    params=(
        ParamSpec(
            "format", "Format", choices=("bf16", "fp16", "fp8_e4m3fn", "fp8_e5m2")
        ),
        ParamSpec("mantissa", "Leading digits", low=1.01, high=9.99, step=0.01),
        ParamSpec("exponent", "Power of ten", choices=(-2, -1, 0, 1, 2)),
    ),
    inputs=("format", "value"),
)
def _round_value(p: dict[str, Any]) -> Built:
    name = p["format"]
    x = round(p["mantissa"] * 10.0 ** p["exponent"], 10)
    enc = encode(name, x)
    stored = enc.stored
    f = lookup(name)
    truncated = (
        stored if stored <= x else (enc.below if enc.below is not None else stored)
    )
    rel = enc.rel_error or 0.0
    inputs = {"format": name, "value": fmt(x, 6)}
    edge = _saturation_note(name)
    prompt = (
        f"The number **{fmt(x, 6)}** is stored in **{name}** ({f.exponent_bits} exponent "
        f"bits, {f.mantissa_bits} mantissa bits), rounding to the nearest representable "
        f"value (ties to even).{edge}\n\n"
        "What value is stored (to at least 5 significant figures), and what is the "
        "relative error $|\\text{stored} - x| / |x|$ in percent?"
    )
    st_steps = (
        Step(
            "Neighbours",
            f"{fmt(enc.below, 8) if enc.below is not None else '—'} ≤ … ≤ {fmt(enc.above, 8) if enc.above is not None else '—'}",
            stored,
            "",
        ),
        Step("Stored value", enc.note or "round to nearest", stored, ""),
    )
    stored_part = part(
        "stored",
        "Stored value",
        stored,
        "",
        st_steps,
        [
            Misconception(
                "truncated",
                truncated,
                "",
                "Formats round to the *nearest* representable value; chopping the extra bits rounds toward zero.",
            ),
            Misconception(
                "no_rounding",
                x,
                "",
                f"{name} cannot hold {fmt(x, 6)} exactly: it keeps {f.mantissa_bits} mantissa bits.",
            ),
            Misconception(
                "rounded_up",
                enc.above
                if enc.above is not None and enc.above != stored
                else math.nan,
                "",
                "The nearer neighbour is below: round to nearest.",
            ),
        ],
        tolerance=Tolerance("relative", 1e-4),
        unit_mixups=False,
    )
    rel_pct = rel * 100
    rel_steps = (
        Step(
            "Absolute error",
            f"|{fmt(stored, 8)} − {fmt(x, 6)}|",
            enc.abs_error or 0.0,
            "",
        ),
        Step(
            "Relative error",
            f"{fmt(enc.abs_error or 0.0)} / {fmt(x, 6)} × 100",
            rel_pct,
            "%",
        ),
    )
    trunc_rel = abs(truncated - x) / x * 100
    rel_part = part(
        "rel_error",
        "Relative error",
        rel_pct,
        "%",
        rel_steps,
        [
            Misconception(
                "truncated",
                trunc_rel,
                "%",
                "Formats round to the nearest value; chopping gives a larger error.",
            ),
            Misconception(
                "epsilon_as_error",
                f.epsilon * 100 if f.epsilon else math.nan,
                "%",
                "Epsilon bounds the *gap* at 1; the actual error of this value is |stored − x|/x.",
            ),
            Misconception(
                "half_epsilon_bound",
                f.epsilon * 50 if f.epsilon else math.nan,
                "%",
                "2^-(m+1) is the worst case; compute this value's actual error.",
            ),
            Misconception(
                "fraction_not_percent",
                rel,
                "%",
                "The question asks for percent: multiply the fraction by 100.",
                typed_units=("%", ""),
            ),
            Misconception(
                "absolute_error",
                enc.abs_error or 0.0,
                "%",
                "Divide the absolute error by |x| for the relative error.",
            ),
        ],
        tolerance=Tolerance("relative", 0.03),
        unit_mixups=False,
    )
    return Built(prompt, (stored_part, rel_part), inputs, derived={"value": x})


# --- smallest update that changes a weight -----------------------------------


@problem_template(
    key="smallest-update",
    title="The smallest update that changes a weight",
    objective="precision-asymmetry",
    section="the-asymmetry",
    summary="Spacing at a weight, the update-swallowing threshold, and whether an update survives.",
    params=(
        ParamSpec("format", "Weight format", choices=("fp16", "bf16", "fp32")),
        ParamSpec(
            "weight_mantissa",
            "Weight leading digits",
            low=1.01,
            high=9.99,
            step=0.01,
        ),
        ParamSpec("weight_exponent", "Weight power of ten", choices=(-2, -1, 0, 1)),
        ParamSpec(
            "update_mantissa", "Update leading digits", low=1.0, high=9.9, step=0.1
        ),
        ParamSpec(
            "update_exponent", "Update power of ten", choices=(-7, -6, -5, -4, -3)
        ),
    ),
    inputs=("format", "weight", "update"),
)
def _smallest_update(p: dict[str, Any]) -> Built:
    name = p["format"]
    w = round(p["weight_mantissa"] * 10.0 ** p["weight_exponent"], 10)
    u = round(p["update_mantissa"] * 10.0 ** p["update_exponent"], 12)
    f = lookup(name)
    assert f.epsilon is not None
    w_stored = encode(name, w).stored
    gap = spacing(name, w_stored)
    threshold = smallest_update_that_changes(name, w_stored)
    after = encode(name, w_stored + u).stored
    changes = after != w_stored
    binade = math.floor(math.log2(abs(w_stored)))
    inputs = {"format": name, "weight": fmt(w_stored, 8), "update": fmt(u, 3)}
    prompt = (
        f"A weight is stored in **{name}** ({f.mantissa_bits} mantissa bits) with value "
        f"**{fmt(w_stored, 8)}**. An optimizer step adds an update of **{fmt(u, 3)}**, "
        "and the sum is rounded back to the format (round to nearest, ties to even).\n\n"
        "What is the spacing between representable values at this weight? Below what "
        "size is an update lost? Does this update change the weight?"
    )
    gap_steps = (
        Step(
            "Power of two at the weight",
            f"2^⌊log2 {fmt(w_stored, 8)}⌋ = 2^{binade}",
            2.0**binade,
            "",
        ),
        Step("Spacing", f"2^-{f.mantissa_bits} × 2^{binade}", gap, ""),
    )
    gap_part = part(
        "spacing",
        "Spacing at the weight",
        gap,
        "",
        gap_steps,
        [
            Misconception(
                "epsilon_unscaled",
                f.epsilon,
                "",
                "Epsilon is the spacing at 1; at this weight the spacing is epsilon × 2^⌊log2 w⌋.",
            ),
            Misconception(
                "epsilon_times_weight",
                f.epsilon * w_stored,
                "",
                "The spacing is constant within a power-of-two interval: epsilon × 2^⌊log2 w⌋, not epsilon × w.",
            ),
            Misconception(
                "smallest_subnormal",
                f.min_subnormal or math.nan,
                "",
                "The smallest representable number is not the spacing near this weight.",
            ),
        ],
        unit_mixups=False,
    )
    thr_steps = (
        *gap_steps,
        Step("Lost below half the spacing", f"{fmt(gap)} / 2", threshold, ""),
    )
    thr_part = part(
        "threshold",
        "Smallest update that changes it",
        threshold,
        "",
        thr_steps,
        [
            Misconception(
                "full_spacing",
                gap,
                "",
                "An update larger than half the spacing already rounds to the next value.",
            ),
            Misconception(
                "epsilon_unscaled",
                f.epsilon / 2,
                "",
                "Scale by the weight's power of two: half of epsilon × 2^⌊log2 w⌋.",
            ),
            Misconception(
                "epsilon_times_weight",
                f.epsilon * w_stored / 2,
                "",
                "The spacing is constant within a power-of-two interval: use 2^⌊log2 w⌋, not w.",
            ),
        ],
        unit_mixups=False,
    )
    change_steps = (
        *thr_steps,
        Step(
            "Weight + update, rounded",
            f"round({fmt(w_stored, 8)} + {fmt(u, 3)})",
            after,
            "",
        ),
        Step("Changes", "yes" if changes else "no", float(changes), ""),
    )
    wrong_by_eps = u > f.epsilon / 2
    change_miscs = []
    if wrong_by_eps != changes:
        change_miscs.append(
            Misconception(
                "compared_with_epsilon",
                float(wrong_by_eps),
                "",
                "Compare the update with half the spacing *at this weight*, not with epsilon at 1.",
            )
        )
    else:
        change_miscs.append(
            Misconception(
                "update_always_applies",
                1.0 if not changes else math.nan,
                "",
                "A small update can be swallowed: the sum rounds back to the same weight.",
            )
        )
    change_miscs = [m for m in change_miscs if not math.isnan(m.value)]
    change_part = yes_no_part(
        "changes",
        "Does the update change the weight? (yes/no)",
        changes,
        change_steps,
        change_miscs,
    )
    return Built(
        prompt,
        (gap_part, thr_part, change_part),
        inputs,
        derived={"weight": w_stored, "update": u},
    )
