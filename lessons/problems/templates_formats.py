"""Templates on number formats: bits/range/epsilon, rounding a value, the
smallest update that changes a weight, choosing a loss scale, GB versus GiB.
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
from lessons.problems import units
from lessons.problems.core import (
    EXACT,
    Built,
    Misconception,
    ParamSpec,
    Part,
    Template,
    Tolerance,
    fmt,
    part,
    register,
)
from lessons.problems.models_catalog import ALL_MODELS, CARDS, MODELS

# --- 10. a format's bits, range and epsilon ---------------------------------

FORMATS = (
    "fp32",
    "fp16",
    "bf16",
    "fp8_e4m3fn",
    "fp8_e5m2",
    "fp6_e2m3",
    "fp6_e3m2",
    "fp4_e2m1",
)

SPECIALS = {
    "ieee": "the largest exponent field is reserved for inf and NaN (IEEE style)",
    "fn": "no inf; NaN only where every exponent and mantissa bit is set (with either sign bit)",
    "none": "no inf and no NaN: every bit pattern is a finite number",
}


def _specials(name: str) -> str:
    f = lookup(name)
    if f.has_inf:
        return "ieee"
    return "fn" if f.has_nan else "none"


def _max_if(e: int, m: int, bias: int, rule: str) -> float:
    """The largest finite value a layout would have under special-value ``rule``."""
    top = 2**e - 1
    if rule == "ieee":
        return (2 - 2.0**-m) * 2.0 ** (top - 1 - bias)
    if rule == "fn":
        return (2 - 2 * 2.0**-m) * 2.0 ** (top - bias)
    return (2 - 2.0**-m) * 2.0 ** (top - bias)


def _format_props(p: dict[str, Any]) -> Built:
    f = lookup(p["format"])
    e, m, bias = f.exponent_bits, f.mantissa_bits, f.bias
    if e is None or m is None or bias is None or f.epsilon is None:
        raise ValueError(f"{f.name} is not a float format")
    rule = _specials(f.name)
    inputs = {
        "format": f.name,
        "exponent_bits": f"{e} exponent bits",
        "mantissa_bits": f"{m} mantissa bits",
        "bias": f"bias {bias}",
        "specials": SPECIALS[rule],
    }
    prompt = (
        f"The format **{f.name}** has 1 sign bit, {e} exponent bits and {m} mantissa bits "
        f"(stored fraction bits; normal numbers have an implicit leading 1), exponent "
        f"bias {bias}, and {SPECIALS[rule]}.\n\n"
        "How many bits does a value take? What is the largest finite value? What is the "
        "machine epsilon, the gap between 1 and the next larger representable number? "
        "(You may type powers of two such as `2^-7`.)"
    )
    bits_steps = (
        Step("Bits", f"1 sign + {e} exponent + {m} mantissa", float(f.bits), "bit"),
    )
    bits = part(
        "bits",
        "Bits per value",
        float(f.bits),
        "bit",
        bits_steps,
        [
            Misconception(
                "forgot_sign_bit",
                float(e + m),
                "bit",
                "Count the sign bit too: 1 + exponent + mantissa.",
            ),
            Misconception(
                "forgot_implicit_bit_is_free",
                float(f.bits + 1),
                "bit",
                "The leading 1 of a normal number is implicit: it is not stored.",
            ),
        ],
        tolerance=EXACT,
        unit_mixups=False,
    )
    top = 2**e - 1
    if rule == "ieee":
        max_exp, mant, how = (
            top - 1 - bias,
            2 - 2.0**-m,
            "top exponent field reserved: largest usable field is",
        )
    elif rule == "fn":
        max_exp, mant, how = (
            top - bias,
            2 - 2 * 2.0**-m,
            "all-ones mantissa at the top exponent is NaN: largest mantissa 1.11…10, top field",
        )
    else:
        max_exp, mant, how = (
            top - bias,
            2 - 2.0**-m,
            "every field is a number: top field",
        )
    max_steps = (
        Step(
            "Largest exponent",
            f"{how} {top - (1 if rule == 'ieee' else 0)} − bias {bias}",
            float(max_exp),
            "",
        ),
        Step(
            "Largest significand",
            "2 − 2^-m" if rule != "fn" else "2 − 2·2^-m",
            mant,
            "",
        ),
        Step("Largest finite value", f"{fmt(mant)} × 2^{max_exp}", f.max_finite, ""),
    )
    other_rules = [r for r in SPECIALS if r != rule]
    largest = part(
        "max",
        "Largest finite value",
        f.max_finite,
        "",
        max_steps,
        [
            *[
                Misconception(
                    f"specials_{r}",
                    _max_if(e, m, bias, r),
                    "",
                    f"That treats the special values as if {SPECIALS[r]}; for {f.name}, {SPECIALS[rule]}.",
                )
                for r in other_rules
            ],
            Misconception(
                "forgot_mantissa",
                2.0 ** (max_exp + 1),
                "",
                "The significand is below 2: the largest value is (2 − 2^-m) × 2^E, not 2^(E+1).",
            ),
            Misconception(
                "significand_one",
                2.0**max_exp,
                "",
                "The largest significand is 1.11…1 in binary, nearly 2, not 1.",
            ),
        ],
        unit_mixups=False,
    )
    eps_steps = (
        Step(
            "Machine epsilon",
            f"2^-{m} (one unit in the last of {m} mantissa bits, at 1)",
            f.epsilon,
            "",
        ),
    )
    eps = part(
        "epsilon",
        "Machine epsilon",
        f.epsilon,
        "",
        eps_steps,
        [
            Misconception(
                "unit_roundoff",
                f.epsilon / 2,
                "",
                "2^-(m+1) is the unit roundoff, half of epsilon: the largest relative rounding error, not the gap. (Counting the implicit leading 1 as a stored bit gives the same slip.)",
            ),
            Misconception(
                "counted_all_bits",
                2.0 ** -(f.bits - 1),
                "",
                "Epsilon depends only on the mantissa bits: 2^-m.",
            ),
        ],
        unit_mixups=False,
    )
    return Built(
        prompt,
        (bits, largest, eps),
        inputs,
        derived={"exponent_bits": e, "mantissa_bits": m, "bias": bias},
    )


register(
    Template(
        key="format-properties",
        title="A format's bits, range and epsilon",
        objective="fp-representation",
        section="floating-point-numbers",
        summary="From the layout (sign, exponent, mantissa, bias, specials) to bits, largest value and epsilon.",
        params=(ParamSpec("format", "Format", choices=FORMATS),),
        inputs=("format", "exponent_bits", "mantissa_bits", "bias", "specials"),
        build=_format_props,
    )
)


# --- 11. what a value becomes -----------------------------------------------

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


register(
    Template(
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
        build=_round_value,
    )
)


# --- 12. smallest update that changes a weight ------------------------------


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
    change_part = Part(
        "changes",
        "Does the update change the weight? (yes/no)",
        float(changes),
        "",
        EXACT,
        tuple(change_miscs),
        change_steps,
        choices=("yes", "no"),
    )
    return Built(
        prompt,
        (gap_part, thr_part, change_part),
        inputs,
        derived={"weight": w_stored, "update": u},
    )


register(
    Template(
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
        build=_smallest_update,
    )
)


# --- 13. choosing a loss scale ----------------------------------------------


def _loss_scale(p: dict[str, Any]) -> Built:
    fp16 = lookup("fp16")
    tiny, big = fp16.min_normal, fp16.max_finite
    sub = fp16.min_subnormal
    if tiny is None or sub is None:
        raise ValueError("fp16 has no normal/subnormal figures")
    g_min = round(p["small_mantissa"] * 10.0 ** p["small_exponent"], 14)
    g_max = float(p["large"])
    k_min = math.ceil(math.log2(tiny / g_min))
    k_max = math.floor(math.log2(big / g_max))
    s_min, s_max = 2.0**k_min, 2.0**k_max
    possible = k_min <= k_max
    inputs = {
        "small": fmt(g_min, 3),
        "large": fmt(g_max),
        "min_normal": "2^-14",
        "max": "65,504",
    }
    prompt = (
        f"In an fp16 mixed-precision run, the smallest gradient values that matter are about "
        f"**{fmt(g_min, 3)}** and the largest are about **{fmt(g_max)}**. fp16's smallest "
        "normal number is 2^-14 ≈ 6.1e-05 (below it precision drops; at or below 2^-25, "
        "half the smallest subnormal 2^-24, values flush to zero) and its largest "
        "finite value is 65,504.\n\n"
        "Loss scales are powers of two. What is the smallest scale that lifts the smallest "
        "gradients to at least fp16's smallest *normal* number? What is the largest scale "
        "that keeps the largest gradients finite (at most 65,504)? Is there a scale that "
        "does both?"
    )
    min_steps = (
        Step("Needed factor", f"2^-14 / {fmt(g_min, 3)}", tiny / g_min, ""),
        Step(
            "Round up to a power of two",
            f"2^⌈log2 {fmt(tiny / g_min)}⌉ = 2^{k_min}",
            s_min,
            "",
        ),
    )
    k_sub = math.ceil(math.log2(sub / g_min))
    min_part = part(
        "min_scale",
        "Smallest scale",
        s_min,
        "",
        min_steps,
        [
            Misconception(
                "used_subnormal",
                2.0**k_sub,
                "",
                "Lifting gradients just above 2^-24 keeps them from flushing to zero but leaves them subnormal, with few bits of precision; aim for 2^-14.",
            ),
            Misconception(
                "rounded_down",
                s_min / 2,
                "",
                "Round the exponent up: a smaller power of two leaves the gradient below 2^-14.",
            ),
            Misconception(
                "default_scale",
                2.0**16,
                "",
                "2^16 is GradScaler's initial scale, not the scale these gradients need.",
            ),
            Misconception(
                "not_power_of_two",
                tiny / g_min,
                "",
                "Loss scales are powers of two (scaling is then exact): round up to one.",
            ),
        ],
        tolerance=Tolerance("relative", 0.001),
        unit_mixups=False,
    )
    max_steps = (
        Step("Headroom", f"65,504 / {fmt(g_max)}", big / g_max, ""),
        Step(
            "Round down to a power of two",
            f"2^⌊log2 {fmt(big / g_max)}⌋ = 2^{k_max}",
            s_max,
            "",
        ),
    )
    max_part = part(
        "max_scale",
        "Largest scale",
        s_max,
        "",
        max_steps,
        [
            Misconception(
                "rounded_up",
                s_max * 2,
                "",
                "Round down: the next power of two pushes the largest gradients past 65,504 to inf.",
            ),
            Misconception(
                "used_2_16",
                65536.0 / g_max,
                "",
                "fp16's largest finite value is 65,504, and the scale must be a power of two.",
            ),
            Misconception(
                "not_power_of_two",
                big / g_max,
                "",
                "Loss scales are powers of two: round down to one.",
            ),
        ],
        tolerance=Tolerance("relative", 0.001),
        unit_mixups=False,
    )
    both_steps = (
        min_steps[-1],
        max_steps[-1],
        Step(
            "Both at once",
            f"2^{k_min} ≤ 2^{k_max}: {'yes' if possible else 'no'}",
            float(possible),
            "",
        ),
    )
    both = Part(
        "both",
        "Is there a scale that does both? (yes/no)",
        float(possible),
        "",
        EXACT,
        (),
        both_steps,
        choices=("yes", "no"),
    )
    return Built(prompt, (min_part, max_part, both), inputs, derived={"small": g_min})


register(
    Template(
        key="loss-scale",
        title="Choosing a loss scale",
        objective="quantization-vs-mixed",
        section="mixed-precision-training",
        summary="Power-of-two loss scales that lift small fp16 gradients without overflowing large ones.",
        params=(
            ParamSpec(
                "small_mantissa",
                "Smallest gradient, leading digits",
                low=1.0,
                high=9.9,
                step=0.1,
            ),
            ParamSpec(
                "small_exponent",
                "Smallest gradient, power of ten",
                choices=(-11, -10, -9, -8, -7),
            ),
            ParamSpec(
                "large", "Largest gradient", choices=(0.5, 1, 2, 4, 8, 16, 32, 64, 100)
            ),
        ),
        inputs=("small", "large", "min_normal", "max"),
        build=_loss_scale,
    )
)


# --- 14. GB versus GiB ------------------------------------------------------


def _gb_gib(p: dict[str, Any]) -> Built:
    what = p["quantity"]
    if what == "checkpoint":
        model = MODELS[p["model"]]
        size_gb = model.params * 2 / 1e9
        given, given_unit, ask = size_gb, "GB", "GiB"
        story = (
            f"A bf16 checkpoint of **{model.name}** is **{fmt(size_gb)} GB** "
            "(2 bytes per parameter, decimal gigabytes as file sizes are shown)."
        )
        inputs = {"model": model.name, "amount": f"{fmt(size_gb)} GB"}
    else:
        from lessons.precision import gpu

        card = gpu(p["gpu"])
        gib = card.memory_bytes / 2**30
        given, given_unit, ask = gib, "GiB", "GB"
        story = (
            f"An **{card.label}** has **{fmt(gib)} GiB** of memory (its datasheet's "
            f"'{fmt(gib)} GB' means binary gigabytes)."
        )
        inputs = {"gpu": card.label, "amount": f"{fmt(gib)} GiB"}
    num_bytes = units.unit(given_unit).to_base(given)
    answer = units.unit(ask).from_base(num_bytes)
    prompt = (
        f"{story}\n\nHow much is that in **{ask}**? ($1\\,\\text{{GB}} = 10^9$ bytes, "
        "$1\\,\\text{GiB} = 2^{30}$ = 1,073,741,824 bytes.)"
    )
    steps = (
        Step(
            "Bytes",
            f"{fmt(given)} × {'10^9' if given_unit == 'GB' else '2^30'}",
            num_bytes,
            "B",
        ),
        Step(
            f"In {ask}",
            f"{fmt(num_bytes)} B / {'2^30' if ask == 'GiB' else '10^9'}",
            answer,
            ask,
        ),
    )
    one_step = given * 1000 / 1024 if ask == "GiB" else given * 1024 / 1000
    wrong_way = given * (2**30 / 1e9) if ask == "GiB" else given * (1e9 / 2**30)
    ans = part(
        "converted",
        f"In {ask}",
        answer,
        ask,
        steps,
        [
            Misconception(
                "divided_by_1024_once",
                one_step,
                ask,
                "GB and GiB differ at every prefix step: (1024/1000)^3 ≈ 1.074, not 1.024.",
            ),
            Misconception(
                "converted_wrong_way",
                wrong_way,
                ask,
                "A GiB is larger than a GB, so a size has fewer GiB than GB. Check the direction.",
            ),
        ],
    )
    return Built(
        prompt, (ans,), inputs, derived={"given": given, "given_unit": given_unit}
    )


register(
    Template(
        key="gb-vs-gib",
        title="GB versus GiB",
        objective="fewer-bits-save",
        section="what-fewer-bits-save",
        summary="Convert a checkpoint size or a card's memory between decimal and binary gigabytes.",
        params=(
            ParamSpec("quantity", "Quantity", choices=("checkpoint", "card")),
            ParamSpec("model", "Model (checkpoint)", choices=ALL_MODELS),
            ParamSpec("gpu", "GPU (card)", choices=CARDS),
        ),
        inputs=("amount",),
        build=_gb_gib,
    )
)
