"""The one-sentence note that an Encoding gives the learner."""

from __future__ import annotations

import math
from typing import Literal

from lessons.precision._registry import NumberFormat

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
        note += (
            " Clipped before the cast: ml_dtypes would give NaN past 464, "
            "torch saturates to 448."
        )
    return note


def _zero_note(fmt: NumberFormat, value: float) -> str:
    if value == 0:
        return "Zero is stored exactly."
    if fmt.kind == "float":
        return (
            f"{value:g} is below half the smallest subnormal {fmt.min_subnormal:g} "
            "and underflows to zero."
        )
    return f"{value:g} is nearer to 0 than to any other {fmt.label} level: stored as 0."
