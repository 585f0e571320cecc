"""Template on choosing an fp16 loss scale: the power-of-two scales that lift small
gradients to normal numbers without overflowing large ones.
"""

from __future__ import annotations

import math
from typing import Any

from lessons.precision import Step, lookup
from lessons.problems.misconceptions import Misconception
from lessons.problems.params import ParamSpec
from lessons.problems.parts import part, yes_no_part
from lessons.problems.registry import Built, problem_template
from lessons.problems.tolerance import Tolerance
from lessons.problems.wording import fmt


@problem_template(
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
)
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
    both = yes_no_part(
        "both", "Is there a scale that does both? (yes/no)", possible, both_steps
    )
    return Built(prompt, (min_part, max_part, both), inputs, derived={"small": g_min})
