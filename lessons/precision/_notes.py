"""The one-sentence note that an Encoding gives the learner."""

from __future__ import annotations

import math
from typing import Literal

from lessons.precision._registry import NumberFormat

#: The first torch release whose eager casts to float8_e4m3fn saturate at
#: +-448 (pytorch/pytorch PR 178817, April 2026; torchao PR 4364 gates its
#: test on 2.12). Earlier eager casts returned NaN past the midpoint 464.
#: Checked: torch 2.13.0 (CPU) casts 465, 1000 and inf to 448.
TORCH_SATURATES_E4M3_SINCE = "2.12"

Category = Literal["zero", "subnormal", "normal", "inf", "nan", "overflow", "saturated"]


def note_for(fmt: NumberFormat, category: Category, value: float, stored: float) -> str:
    """Say in one sentence what storing ``value`` in ``fmt`` did."""
    label = fmt.label
    if category == "nan":
        if fmt.has_nan:
            return f"NaN is stored as NaN in {label}; it spreads through any math."
        hint = " (ml_dtypes silently casts it to -0)" if fmt.kind == "float" else ""
        return (
            f"{label} has no NaN: no bit pattern can hold it{hint}; nothing is stored."
        )
    if category == "inf":
        return f"{label} stores infinity as inf."
    if category == "overflow":
        return (
            f"{value:g} is past {label}'s largest finite value {fmt.max_finite:g} "
            f"and overflows to {stored:g}."
        )
    if category == "saturated":
        return _saturated_note(fmt, value)
    if category == "zero":
        return _zero_note(fmt, value)
    if category == "subnormal":
        if fmt.min_subnormal is not None and abs(value) < fmt.min_subnormal:
            return (
                f"{value:g} is below the smallest subnormal {fmt.min_subnormal:g} but "
                f"more than half of it, so it rounds up to the smallest subnormal "
                "instead of flushing to zero."
            )
        return (
            f"Below the smallest normal {fmt.min_normal:g}: a subnormal, with fewer "
            "significant bits, so the relative error grows."
        )
    return "Exact." if stored == value else f"Rounded to the nearest {label} value."


def _saturated_note(fmt: NumberFormat, value: float) -> str:
    units = "" if fmt.kind == "float" else " (in units of the scale)"
    limit = math.copysign(fmt.max_finite, value)
    note = (
        f"{value:g} is past {fmt.label}'s largest value {fmt.max_finite:g}{units}; "
        f"with no inf it saturates to {limit:g}."
    )
    if fmt.name == "fp8_e4m3fn":
        # Half a step past the largest value, the cast rounds to NaN.
        top_step = math.ldexp(
            1.0, math.frexp(fmt.max_finite)[1] - 1 - (fmt.mantissa_bits or 0)
        )
        midpoint = fmt.max_finite + top_step / 2
        note += (
            f" Clipped before the cast, so every backend agrees: ml_dtypes gives "
            f"NaN past {midpoint:g}; torch {TORCH_SATURATES_E4M3_SINCE} and later "
            f"saturate eager casts to ±{fmt.max_finite:g}, earlier versions gave "
            f"NaN past {midpoint:g}."
        )
    return note


def _zero_note(fmt: NumberFormat, value: float) -> str:
    if value == 0:
        return "Zero is stored exactly."
    if fmt.kind == "float":
        tie = (
            " (exactly half is a tie, which goes to the even neighbour, 0)"
            if fmt.min_subnormal is not None and abs(value) == fmt.min_subnormal / 2
            else ""
        )
        return (
            f"{value:g} is at most half the smallest subnormal {fmt.min_subnormal:g} "
            f"and underflows to zero{tie}."
        )
    return f"{value:g} is nearer to 0 than to any other {fmt.label} level: stored as 0."
