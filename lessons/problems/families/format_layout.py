"""Template on a format's layout: from sign, exponent, mantissa, bias and special
values to its bits, largest finite value and machine epsilon.
"""

from __future__ import annotations

from typing import Any

from lessons.precision import Step, lookup
from lessons.problems.misconceptions import Misconception
from lessons.problems.params import ParamSpec
from lessons.problems.parts import part
from lessons.problems.registry import Built, problem_template
from lessons.problems.tolerance import EXACT
from lessons.problems.wording import fmt

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


#: Where the largest finite value sits under each rule, in words for its step.
TOP_FIELD = {
    "ieee": "top exponent field reserved: largest usable field is",
    "fn": "all-ones mantissa at the top exponent is NaN: largest mantissa 1.11…10, top field",
    "none": "every field is a number: top field",
}


def _largest(e: int, m: int, bias: int, rule: str) -> tuple[int, float]:
    """The largest exponent and significand of a layout under special-value ``rule``."""
    top = 2**e - 1
    if rule == "ieee":
        return top - 1 - bias, 2 - 2.0**-m
    if rule == "fn":
        return top - bias, 2 - 2 * 2.0**-m
    return top - bias, 2 - 2.0**-m


def _max_if(e: int, m: int, bias: int, rule: str) -> float:
    """The largest finite value a layout would have under special-value ``rule``."""
    max_exp, mant = _largest(e, m, bias, rule)
    return mant * 2.0**max_exp


@problem_template(
    key="format-properties",
    title="A format's bits, range and epsilon",
    objective="fp-representation",
    section="floating-point-numbers",
    summary="From the layout (sign, exponent, mantissa, bias, specials) to bits, largest value and epsilon.",
    params=(ParamSpec("format", "Format", choices=FORMATS),),
    inputs=("format", "exponent_bits", "mantissa_bits", "bias", "specials"),
)
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
    max_exp, mant = _largest(e, m, bias, rule)
    max_steps = (
        Step(
            "Largest exponent",
            f"{TOP_FIELD[rule]} {top - (1 if rule == 'ieee' else 0)} − bias {bias}",
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
