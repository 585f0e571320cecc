"""Number formats and what they do to one value.

The registry (:func:`lookup`, :func:`all_formats`, :data:`NF4_VALUES`) says
what each format is; :func:`encode` shows what it does to a value: the value
it stores, the bits, the error, the neighbours, and what happened at the edges.
Nothing past the edges is an error: overflow, saturation and underflow are
answers, described by ``Encoding.category`` and ``Encoding.note``.

Edge behaviour, chosen so that the numpy/ml_dtypes and torch demos agree:

* fp64, fp32, tf32, fp16, bf16, fp8_e5m2 have inf: a finite value past the
  largest finite one rounds to inf (category ``"overflow"``).
* fp8_e4m3fn has no inf: values past 448 (and inf) are clipped to +-448 before
  the cast (category ``"saturated"``). Libraries disagree here: ml_dtypes gives
  NaN past 464 (the midpoint between 448 and the next step, which ties to
  448); torch 2.12 and later saturate eager casts to +-448 (pytorch/pytorch
  PR 178817), earlier versions returned NaN past 464.
* fp6, fp4, int8, int4 and nf4 have neither inf nor NaN: past the range (and
  inf) they saturate to the largest value.
* NaN: formats with NaN store NaN. Formats without one cannot hold it (ml_dtypes
  silently turns NaN into -0 for fp6/fp4): the encoding says category
  ``"nan"``, stores NaN, and has no bits.

See :mod:`lessons.precision._floatbits` for how values are rounded (ml_dtypes
rounds a float64 through float32) and :mod:`lessons.precision._quantize` for
the integer and NF4 grids.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from lessons.precision import _floatbits as fb
from lessons.precision import _quantize as qz
from lessons.precision._notes import Category, note_for
from lessons.precision._registry import (
    FORMAT_NAMES,
    LIBRARY_DTYPES,
    NF4_VALUES,
    NumberFormat,
    all_formats,
    library_nan_codes,
    lookup,
)
from lessons.precision.errors import PrecisionInputError, UnknownFormatError
from lessons.precision.validation import as_number

__all__ = [
    "FORMAT_NAMES",
    "NF4_VALUES",
    "Category",
    "Encoding",
    "NumberFormat",
    "UnknownFormatError",
    "all_formats",
    "decode_bits",
    "encode",
    "lookup",
    "nan_codes",
    "round_to",
    "smallest_update_that_changes",
    "spacing",
    "underflow_threshold",
]


@dataclass(frozen=True)
class Encoding:
    """What a format does to one value.

    Attributes:
        format: The format's registry name.
        value: The input value (a float; may be inf or NaN).
        stored: The value the format holds (NaN where it cannot hold NaN).
        category: zero, subnormal, normal, inf, nan, overflow (a finite value
            became inf) or saturated (clipped to the largest finite value).
            Integer and NF4 values inside the range are "normal".
        bits: The stored bit pattern, most significant bit first; ``None``
            when the format has no pattern for the value (NaN without NaN).
        bit_fields: ``bits`` split into named fields: sign, exponent and
            mantissa for floats, ``integer`` (two's complement) for int8/int4,
            ``index`` for NF4.
        code: ``bits`` read as an unsigned integer.
        sign: The sign bit (floats; the two's complement top bit for ints).
        exponent: The exponent field as stored (floats only).
        mantissa: The mantissa field as stored (floats only).
        unbiased_exponent: The power of two the stored value is scaled by
            (``1 - bias`` for subnormals); floats, finite non-zero only.
        level: The integer ``q`` (int8/int4) or the table index (NF4).
        scale: The scale (int8/int4) or block absmax (NF4) used.
        abs_error: ``|stored - value|``; None when either is not finite.
        rel_error: ``abs_error / |value|``; None also when value is 0.
        below: The next representable value below ``stored`` (None at the end).
        above: The next representable value above ``stored`` (None at the end).
        note: One sentence on what happened, for the learner.
    """

    format: str
    value: float
    stored: float
    category: Category
    bits: str | None
    bit_fields: tuple[tuple[str, str], ...]
    code: int | None
    sign: int | None
    exponent: int | None
    mantissa: int | None
    unbiased_exponent: int | None
    level: int | None
    scale: float | None
    abs_error: float | None
    rel_error: float | None
    below: float | None
    above: float | None
    note: str

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict.

        JSON has no inf or NaN: such floats become ``None`` and the field is
        listed in ``nonfinite`` with ``"inf"``, ``"-inf"`` or ``"nan"``.

        Returns:
            The fields by name, ``bit_fields`` as a list of ``[name, bits]``,
            plus ``nonfinite``.
        """
        data = asdict(self)
        data["bit_fields"] = [list(pair) for pair in self.bit_fields]
        nonfinite = {}
        for key, item in data.items():
            if isinstance(item, float) and not math.isfinite(item):
                nonfinite[key] = str(item)
                data[key] = None
        data["nonfinite"] = nonfinite
        return data


def encode(name: str, value: object, *, scale: object = None) -> Encoding:
    """Store ``value`` in format ``name`` and describe the result.

    Args:
        name: A format name from the registry (see :func:`all_formats`).
        value: Any real number, including inf and NaN.
        scale: For int8/int4 the quantization scale, for NF4 the block absmax
            (a positive finite number; default 1.0). Float formats take none.

    Returns:
        The encoding: stored value, bits, category, errors and neighbours.

    Raises:
        PrecisionInputError: ``value`` is not a number, ``scale`` is invalid or
            given for a float format, or ``name`` is unknown
            (:class:`UnknownFormatError`).
    """
    fmt = lookup(name)
    number = as_number("value", value)
    factor = _scale_for(fmt, scale)
    if fmt.kind == "float":
        return _encode_float(fmt, number)
    if math.isnan(number):
        return _nan_without_pattern(fmt, number, factor)
    return _encode_grid(fmt, number, factor)


def round_to(name: str, value: object, *, scale: object = None) -> float:
    """Return the value that format ``name`` stores for ``value``.

    Args:
        name: A format name.
        value: Any real number.
        scale: The scale or absmax for int8/int4/nf4 (see :func:`encode`).

    Returns:
        The stored value, as a Python float.
    """
    return encode(name, value, scale=scale).stored


def spacing(name: str, value: object, *, scale: object = None) -> float:
    """Return the gap between representable values at ``value`` (the ULP).

    For floats it is the gap above ``|stored|`` within its binade,
    ``2**(max(E, emin) - mantissa_bits)``, so at a power of two it is the gap
    above, not the (half as large) gap below. For int8/int4 it is the scale;
    for NF4 the gap to the next table value away from zero, times absmax.

    Args:
        name: A format name.
        value: A real number whose stored value is finite.
        scale: The scale or absmax for int8/int4/nf4.

    Returns:
        The spacing, in the units of ``value``.

    Raises:
        PrecisionInputError: the value is not a number or rounds to inf or NaN.
    """
    encoding = encode(name, value, scale=scale)
    fmt = lookup(name)
    if not math.isfinite(encoding.stored):
        raise PrecisionInputError.single(
            "value",
            f"spacing needs a finite value; {value!r} is stored as "
            f"{encoding.stored} in {name}",
        )
    if fmt.kind == "float":
        return fb.ulp(fmt, encoding.stored)
    factor = encoding.scale or 1.0
    if fmt.kind == "int":
        return factor
    return qz.nf4_gap(encoding.level or 0) * factor


def smallest_update_that_changes(
    name: str, weight: object, *, scale: object = None
) -> float:
    """Return the update-swallowing threshold at ``weight``: half the spacing.

    Adding an update smaller than this (away from zero) to ``weight`` rounds
    back to ``weight``: the update is lost. An update of exactly this size is
    a tie and goes to the even neighbour (at w = 1 it is lost too); larger
    updates change the weight. At w = 1 this is 2**-11 for fp16 and 2**-8 for
    bf16, which is why master weights are kept in fp32.

    Args:
        name: A format name.
        weight: The weight's value.
        scale: The scale or absmax for int8/int4/nf4.

    Returns:
        Half of :func:`spacing` at ``weight``.
    """
    return spacing(name, weight, scale=scale) / 2


def underflow_threshold(name: str) -> float:
    """Return the largest positive value that float format ``name`` stores as 0.

    It is half the smallest subnormal: a value exactly there is a tie between
    0 and the smallest subnormal and goes to the even one, 0; anything above
    it (up to the smallest subnormal) rounds *up* to the smallest subnormal.
    For fp16 that is 2^-25, not 2^-24. Both facts are checked by casting.

    Args:
        name: A float format name.

    Returns:
        The threshold (a power of two).

    Raises:
        PrecisionInputError: ``name`` is not a float format.
    """
    fmt = lookup(name)
    if fmt.kind != "float" or fmt.min_subnormal is None:
        raise PrecisionInputError.single(
            "format", f"{name} is not a float format: it has no subnormals"
        )
    half = fmt.min_subnormal / 2
    # The next float32 above: a framework holds the value in fp32 already.
    above = float(np.nextafter(np.float32(half), np.float32(1)))
    if round_to(name, half) != 0 or round_to(name, above) != fmt.min_subnormal:
        raise AssertionError(f"{name} does not round ties near zero to even")
    return half


def nan_codes(name: str) -> tuple[int, ...]:
    """Return every bit pattern (as an unsigned int) that is NaN in ``name``.

    Counted by decoding each pattern with the format's library type
    (ml_dtypes or numpy), so it is the library's answer: fp8 E4M3FN has two,
    ``S.1111.111`` (0x7F and 0xFF); fp8 E5M2 has six; fp6 and fp4 none.

    Args:
        name: A float format of at most 16 bits with a library type.

    Returns:
        The NaN codes, ascending.

    Raises:
        PrecisionInputError: the format is wider than 16 bits or has no
            library type.
    """
    fmt = lookup(name)
    if fmt.kind != "float" or fmt.dtype is None or fmt.bits > 16:
        raise PrecisionInputError.single(
            "format", f"{name} is not a library float format of at most 16 bits"
        )
    return library_nan_codes(LIBRARY_DTYPES[name], fmt.bits)


def decode_bits(name: str, bits: str, *, scale: object = None) -> float:
    """Return the value that a bit pattern represents in format ``name``.

    Args:
        name: A format name.
        bits: Exactly ``bits`` zeros and ones, most significant first; spaces,
            ``_`` and ``|`` between fields are ignored ("0 01111 0000000000").
        scale: The scale (int8/int4, decoding ``q * scale``) or absmax (NF4).

    Returns:
        The value, a Python float (inf or NaN where the pattern means that).

    Raises:
        PrecisionInputError: the bit string is not valid for the format.
    """
    fmt = lookup(name)
    factor = _scale_for(fmt, scale) or 1.0
    code = _parse_bits(fmt, bits)
    if fmt.kind == "float":
        return fb.value_of(fmt, code)
    if fmt.kind == "int":
        return qz.from_twos_complement(code, fmt.bits) * factor
    return NF4_VALUES[code] * factor


def _parse_bits(fmt: NumberFormat, bits: object) -> int:
    clean = (
        bits.translate(str.maketrans("", "", " _|")) if isinstance(bits, str) else ""
    )
    if len(clean) != fmt.bits or set(clean) - {"0", "1"}:
        raise PrecisionInputError.single(
            "bits", f"{fmt.name} needs exactly {fmt.bits} bits of 0 and 1, got {bits!r}"
        )
    return int(clean, 2)


def _scale_for(fmt: NumberFormat, scale: object) -> float | None:
    if fmt.kind == "float":
        if scale is not None:
            raise PrecisionInputError.single(
                "scale",
                f"{fmt.name} is a float format and takes no scale; "
                "only int8, int4 and nf4 do",
            )
        return None
    if scale is None:
        return 1.0
    factor = as_number("scale", scale)
    if not (math.isfinite(factor) and factor > 0):
        raise PrecisionInputError.single(
            "scale", f"scale must be a positive finite number, got {scale!r}"
        )
    return factor


def _encode_float(fmt: NumberFormat, value: float) -> Encoding:
    if math.isnan(value) and not fmt.has_nan:
        return _nan_without_pattern(fmt, value, None)
    saturated = fmt.overflow == "saturate" and abs(value) > fmt.max_finite
    target = math.copysign(fmt.max_finite, value) if saturated else value
    code = fb.code_of(fmt, target)
    stored = fb.value_of(fmt, code)
    sign, exponent, mantissa = fb.fields_of(fmt, code)
    bits = fb.bit_string(fmt, code)
    category = _float_category(fmt, value, stored, saturated=saturated)
    abs_error, rel_error = _errors(value, stored)
    return Encoding(
        format=fmt.name,
        value=value,
        stored=stored,
        category=category,
        bits=bits,
        bit_fields=fb.bit_groups(fmt, bits),
        code=code,
        sign=sign,
        exponent=exponent,
        mantissa=mantissa,
        unbiased_exponent=_unbiased(fmt, exponent, stored),
        level=None,
        scale=None,
        abs_error=abs_error,
        rel_error=rel_error,
        below=_neighbour(fmt, fb.next_down(fmt, code)),
        above=_neighbour(fmt, fb.next_up(fmt, code)),
        note=note_for(fmt, category, value, stored),
    )


def _encode_grid(fmt: NumberFormat, value: float, factor: float | None) -> Encoding:
    scale = factor or 1.0
    if fmt.kind == "int":
        grid = qz.quantize_int(fmt, value, scale=scale)
        bits = qz.twos_complement(grid.level, fmt.bits)
        fields, sign = (("integer", bits),), int(bits[0])
    else:
        grid = qz.quantize_nf4(value, absmax=scale)
        bits = format(grid.level, "04b")
        fields, sign = (("index", bits),), None
    category: Category = "saturated" if grid.saturated else "normal"
    if grid.stored == 0:
        category = "zero"
    abs_error, rel_error = _errors(value, grid.stored)
    return Encoding(
        format=fmt.name,
        value=value,
        stored=grid.stored,
        category=category,
        bits=bits,
        bit_fields=fields,
        code=int(bits, 2),
        sign=sign,
        exponent=None,
        mantissa=None,
        unbiased_exponent=None,
        level=grid.level,
        scale=scale,
        abs_error=abs_error,
        rel_error=rel_error,
        below=grid.below,
        above=grid.above,
        note=note_for(fmt, category, value, grid.stored),
    )


def _nan_without_pattern(
    fmt: NumberFormat, value: float, scale: float | None
) -> Encoding:
    return Encoding(
        format=fmt.name,
        value=value,
        stored=math.nan,
        category="nan",
        bits=None,
        bit_fields=(),
        code=None,
        sign=None,
        exponent=None,
        mantissa=None,
        unbiased_exponent=None,
        level=None,
        scale=scale,
        abs_error=None,
        rel_error=None,
        below=None,
        above=None,
        note=note_for(fmt, "nan", value, math.nan),
    )


def _float_category(
    fmt: NumberFormat, value: float, stored: float, *, saturated: bool
) -> Category:
    if math.isnan(value):
        return "nan"
    if saturated:
        return "saturated"
    if math.isinf(stored):
        return "inf" if math.isinf(value) else "overflow"
    if stored == 0:
        return "zero"
    if abs(stored) < (fmt.min_normal or 0.0):
        return "subnormal"
    return "normal"


def _unbiased(fmt: NumberFormat, exponent: int, stored: float) -> int | None:
    if stored == 0 or not math.isfinite(stored):
        return None
    return max(exponent, 1) - (fmt.bias or 0)


def _neighbour(fmt: NumberFormat, code: int | None) -> float | None:
    if code is None:
        return None
    return fb.value_of(fmt, code) + 0.0  # + 0.0 turns -0.0 into 0.0


def _errors(value: float, stored: float) -> tuple[float | None, float | None]:
    if not (math.isfinite(value) and math.isfinite(stored)):
        return None, None
    abs_error = abs(stored - value)
    return abs_error, (abs_error / abs(value) if value else None)
