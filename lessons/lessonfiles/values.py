"""Every number the lesson shows, computed by the precision domain.

:func:`lesson_values` fills the lesson's ``{{ key }}`` placeholders: format
properties, the bit patterns of the worked examples, update thresholds, loss
scaling and quantization here; memory, compute and GPU figures in
:mod:`lessons.lessonfiles.memory_values`. Only the examples' inputs are
chosen (:mod:`lessons.lessonfiles.examples`), so the text cannot drift from
the code.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from lessons import precision
from lessons.lessonfiles import memory_values
from lessons.lessonfiles.examples import (
    ENCODING_EXAMPLES,
    EXAMPLE_INPUTS,
    EXAMPLE_MODELS,
    LESSON_FORMATS,
)
from lessons.markup.number_format import (
    exact_decimal,
    format_number,
    percent,
    pow2_tex,
    pow10_tex,
)
from lessons.precision.formats import nan_codes, underflow_threshold

__all__ = ["lesson_values"]


def lesson_values() -> dict[str, str]:
    """Compute every number the lesson shows, formatted for reading.

    Format properties, bit patterns of the worked examples, update thresholds,
    quantization examples and memory figures all come from
    :mod:`lessons.precision` (GPU figures from its registry); only the
    examples' inputs (:data:`EXAMPLE_INPUTS`, :data:`EXAMPLE_MODELS`,
    :data:`EXAMPLE_GPU`, in :mod:`lessons.lessonfiles.examples`) are chosen.

    Returns:
        Placeholder key (e.g. ``"fp16.max"``) to display text (``"65,504"``).
    """
    values: dict[str, str] = {}
    for short, name in LESSON_FORMATS.items():
        values.update(_format_values(short, name))
    for key, name, value in ENCODING_EXAMPLES:
        values.update(_encoding_values(key, name, value))
    for part in (
        _update_values,
        _loss_scale_values,
        _quantization_values,
        _nf4_values,
        memory_values.nf4_memory_values,
        memory_values.activation_values,
        memory_values.gpu_values,
        memory_values.recap_values,
    ):
        values.update(part())
    for model in EXAMPLE_MODELS:
        values.update(memory_values.weights_values(model))
        values.update(memory_values.training_values(model))
    for short in ("int8", "int4"):
        values[f"{short}.bytes"] = format_number(
            precision.lookup(short).bytes_per_value
        )
    return values


def _format_values(short: str, name: str) -> dict[str, str]:
    f = precision.lookup(name)
    # Float formats have all of these; the asserts narrow the types.
    assert f.exponent_bits is not None
    assert f.mantissa_bits is not None
    assert f.epsilon is not None
    assert f.min_normal is not None
    assert f.min_subnormal is not None
    assert f.bias is not None
    values = {
        "bits": f.bits,
        "sign_bits": f.bits - f.exponent_bits - f.mantissa_bits,
        "exp_bits": f.exponent_bits,
        "mant_bits": f.mantissa_bits,
        "bias": f.bias,
        "bytes": f.bytes_per_value,
        "max": f.max_finite,
        "min_normal": f.min_normal,
        "min_subnormal": f.min_subnormal,
        "eps": f.epsilon,
    }
    out = {f"{short}.{k}": format_number(v) for k, v in values.items()}
    # Exponents go into TeX, which wants an ASCII minus.
    out[f"{short}.min_exp"] = str(1 - f.bias)
    out[f"{short}.max_exp"] = str(math.floor(math.log2(f.max_finite)))
    out[f"{short}.digits"] = f"{(f.mantissa_bits + 1) * math.log10(2):.1f}"
    out[f"{short}.rel_error"] = percent(f.epsilon / 2)
    for key in ("eps", "min_normal", "min_subnormal"):
        out[f"{short}.{key}_pow2"] = pow2_tex(values[key])
    # At or below half the smallest subnormal a value becomes 0; above, it
    # rounds up to the smallest subnormal (checked by casting).
    flush = underflow_threshold(name)
    out[f"{short}.flush"] = format_number(flush)
    out[f"{short}.flush_pow2"] = pow2_tex(flush)
    if f.dtype is not None and f.bits <= 16:
        out[f"{short}.nan_patterns"] = format_number(len(nan_codes(name)))
    return out


def _encoding_values(key: str, name: str, value: float) -> dict[str, str]:
    e = precision.encode(name, value)
    fields = dict(e.bit_fields)
    out = {
        "bits": " ".join(bits for _field, bits in e.bit_fields),
        "sign": fields.get("sign", ""),
        "exp_field": fields.get("exponent", ""),
        "exp_field_int": str(e.exponent),
        "mant_field": fields.get("mantissa", ""),
        "value": exact_decimal(e.stored),
        "rel_error": percent(e.rel_error or 0.0),
    }
    return {f"ex.{key}.{k}": v for k, v in out.items()}


def _update_values() -> dict[str, str]:
    out = {
        f"update.{short}.at_{w}": format_number(
            precision.smallest_update_that_changes(short, float(w))
        )
        for short in ("fp32", "fp16", "bf16")
        for w in (1, 4)
    }
    out.update(
        {
            f"spacing.{short}.1000": format_number(precision.spacing(short, 1000.0))
            for short in ("fp16", "bf16")
        }
    )
    # Near a power of two the grid changes step: show both neighbours.
    near = precision.encode("fp8_e5m2", EXAMPLE_INPUTS["e5m2_near"])
    assert near.below is not None
    assert near.above is not None
    out["e5m2.near_1000.stored"] = format_number(near.stored)
    out["e5m2.near_1000.below"] = format_number(near.below)
    out["e5m2.near_1000.above"] = format_number(near.above)
    out["e5m2.near_1000.gap_below"] = format_number(near.stored - near.below)
    out["e5m2.near_1000.gap_above"] = format_number(near.above - near.stored)
    update, steps = EXAMPLE_INPUTS["update"], EXAMPLE_INPUTS["steps"]
    for short in ("fp32", "fp16", "bf16"):
        w = 1.0
        for _ in range(steps):
            w = precision.round_to(short, w + precision.round_to(short, update))
        out[f"asym.{short}_after"] = format_number(w, digits=5)
    out["asym.steps"] = format_number(steps)
    out["asym.update_tex"] = pow10_tex(update)
    return out


def _loss_scale_values() -> dict[str, str]:
    grad, scale = EXAMPLE_INPUTS["gradient"], EXAMPLE_INPUTS["loss_scale"]
    scaled = precision.round_to("fp16", grad * scale)
    return {
        "ls.grad_tex": pow10_tex(grad),
        "ls.scale_pow2": pow2_tex(scale),
        "ls.scaled_stored": format_number(scaled),
        "ls.recovered": format_number(
            precision.round_to("fp32", scaled / scale), digits=4
        ),
        **_encoding_values("fp16.1e-8", "fp16", grad),
    }


def _int8_row(row: tuple[float, ...]) -> tuple[float, list[Any]]:
    scale = max(abs(x) for x in row) / precision.lookup("int8").max_finite
    return scale, [precision.encode("int8", x, scale=scale) for x in row]


def _quantization_values() -> dict[str, str]:
    int8, int4 = precision.lookup("int8"), precision.lookup("int4")
    scale, row = _int8_row(EXAMPLE_INPUTS["row"])
    _big_scale, big = _int8_row((*EXAMPLE_INPUTS["row"], EXAMPLE_INPUTS["outlier"]))
    low, high = EXAMPLE_INPUTS["asym_range"]
    uint8_qmax = 2**int8.bits - 1
    asym_scale = (high - low) / uint8_qmax
    practice_scale = EXAMPLE_INPUTS["practice_absmax"] / int8.max_finite
    practice = precision.encode(
        "int8", EXAMPLE_INPUTS["practice_weight"], scale=practice_scale
    )
    group, scale_bits = EXAMPLE_INPUTS["group_size"], EXAMPLE_INPUTS["scale_bits"]
    return {
        "int8.qmax": format_number(int8.max_finite),
        "int8.levels": format_number(2**int8.bits),
        "int4.levels": format_number(2**int4.bits),
        "uint8.qmax": format_number(uint8_qmax),
        "q.ex.scale": format_number(scale),
        "q.ex.levels": _join(format_number(e.level) for e in row),
        "q.ex.decoded": _join(format_number(e.stored) for e in row),
        "q.ex.max_abs_error": format_number(max(e.abs_error for e in row)),
        "q.outlier.scale": format_number(_big_scale),
        "q.outlier.small_decoded": _join(format_number(big[i].stored) for i in (0, 3)),
        "q.asym.scale": format_number(asym_scale),
        "q.asym.zero_point": format_number(round(-low / asym_scale)),
        "q.group.size": format_number(group),
        "q.group.overhead_bits": format_number(scale_bits / group),
        "q.practice.scale": format_number(practice_scale),
        "q.practice.level": format_number(practice.level or 0),
        "q.practice.decoded": format_number(practice.stored),
    }


def _join(items: Iterable[str]) -> str:
    items = list(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _nf4_values() -> dict[str, str]:
    levels = precision.NF4_VALUES
    zero = levels.index(0.0)
    return {
        "nf4.levels": format_number(len(levels)),
        "nf4.next_to_zero": _join(
            format_number(levels[i]) for i in (zero - 1, zero + 1)
        ),
        "nf4.below_one": format_number(levels[-2]),
        "nf4.top_gap": format_number(levels[-1] - levels[-2]),
    }
