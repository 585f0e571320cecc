"""Bit-level work on binary float formats: round, decode, split, step.

A float format with ``e`` exponent and ``m`` mantissa bits is sign-magnitude,
so the bit patterns of one sign, read as unsigned integers ("codes"), are
ordered like their values. That turns "next representable value" into
"code plus or minus one", for every format alike, fp64 included.

Rounding is done by the libraries, except for TF32, which no library has:

* fp64 is Python's float; fp32 and fp16 are numpy's casts from float64
  (one correct rounding).
* bf16, fp8, fp6 and fp4 are ml_dtypes' casts. ml_dtypes converts a float64
  through float32, so the value is rounded twice; this differs from a single
  rounding only for inputs within 2^-24 (relative) of a tie, e.g. bf16 of
  ``1 + 2**-8 + 2**-40`` is 1.0, not 1.0078125. It is also what a framework
  does with a value already held in fp32, which is the case in training.
* TF32 rounds the fp32 value's mantissa to 10 bits, round-to-nearest-even, on
  the bit pattern (NVIDIA's ``cvt.rna.tf32.f32`` rounds ties away from zero;
  the difference is only at exact ties). Subnormals are rounded the same way.
"""

from __future__ import annotations

import math
import struct

import numpy as np

from lessons.precision._registry import LIBRARY_DTYPES, NumberFormat

_TF32_DROPPED_BITS = 23 - 10
_UINT_FOR_BYTES = {1: np.uint8, 2: np.uint16, 4: np.uint32}


def code_of(fmt: NumberFormat, value: float) -> int:
    """Round ``value`` into ``fmt`` and return the bit pattern as an int."""
    if fmt.name == "fp64":
        return int(struct.unpack("<Q", struct.pack("<d", value))[0])
    if fmt.name == "tf32":
        return _tf32_code(value)
    dtype = LIBRARY_DTYPES[fmt.name]
    with np.errstate(all="ignore"):
        cast = np.array(value, dtype=np.float64).astype(dtype)
    raw = int(cast.view(_UINT_FOR_BYTES[dtype.itemsize]))
    return raw & ((1 << fmt.bits) - 1)


def _tf32_code(value: float) -> int:
    with np.errstate(all="ignore"):
        single = np.array(value, dtype=np.float64).astype(np.float32)
    raw = int(single.view(np.uint32))
    if math.isnan(value):
        return (raw >> _TF32_DROPPED_BITS) | (1 << 9)  # keep the sign, quiet NaN
    lowest_kept = (raw >> _TF32_DROPPED_BITS) & 1
    half_minus_one = (1 << (_TF32_DROPPED_BITS - 1)) - 1
    return (raw + half_minus_one + lowest_kept) >> _TF32_DROPPED_BITS


def fields_of(fmt: NumberFormat, code: int) -> tuple[int, int, int]:
    """Split a code into its (sign, exponent, mantissa) fields."""
    m, e = _widths(fmt)
    return code >> (e + m), (code >> m) & ((1 << e) - 1), code & ((1 << m) - 1)


def bit_string(fmt: NumberFormat, code: int) -> str:
    """Return the code as a string of ``fmt.bits`` zeros and ones."""
    return format(code, f"0{fmt.bits}b")


def bit_groups(fmt: NumberFormat, bits: str) -> tuple[tuple[str, str], ...]:
    """Split a bit string into named fields, sign first."""
    e = _widths(fmt)[1]
    return (
        ("sign", bits[0]),
        ("exponent", bits[1 : 1 + e]),
        ("mantissa", bits[1 + e :]),
    )


def value_of(fmt: NumberFormat, code: int) -> float:
    """Decode a code into the value it represents."""
    m, e = _widths(fmt)
    sign, exponent, mantissa = fields_of(fmt, code)
    magnitude = code & ((1 << (e + m)) - 1)
    all_ones = (1 << e) - 1
    if fmt.has_inf and exponent == all_ones:
        value = math.inf if mantissa == 0 else math.nan
    elif fmt.has_nan and not fmt.has_inf and magnitude == (1 << (e + m)) - 1:
        value = math.nan
    else:
        value = _finite_value(fmt, exponent, mantissa)
    return -value if sign else value


def _finite_value(fmt: NumberFormat, exponent: int, mantissa: int) -> float:
    m = _widths(fmt)[0]
    emin = fmt.min_exponent or 0
    if exponent == 0:
        return math.ldexp(mantissa, emin - m)
    return math.ldexp((1 << m) | mantissa, exponent - (fmt.bias or 0) - m)


def max_magnitude(fmt: NumberFormat) -> int:
    """The largest magnitude code that is not NaN (inf where there is one)."""
    m, e = _widths(fmt)
    if fmt.has_inf:
        return ((1 << e) - 1) << m
    top = (1 << (e + m)) - 1
    return top - 1 if fmt.has_nan else top


def next_up(fmt: NumberFormat, code: int) -> int | None:
    """The code of the next larger value, or None at the top (or for NaN)."""
    sign_bit = 1 << (fmt.bits - 1)
    magnitude = code & (sign_bit - 1)
    if magnitude > max_magnitude(fmt):
        return None
    if code & sign_bit:
        return 1 if magnitude == 0 else code - 1
    return None if magnitude == max_magnitude(fmt) else code + 1


def next_down(fmt: NumberFormat, code: int) -> int | None:
    """The code of the next smaller value, or None at the bottom (or for NaN)."""
    sign_bit = 1 << (fmt.bits - 1)
    mirrored = next_up(fmt, code ^ sign_bit)
    return None if mirrored is None else mirrored ^ sign_bit


def ulp(fmt: NumberFormat, value: float) -> float:
    """The spacing of ``fmt`` in the binade of finite ``value`` (away from 0)."""
    m, _ = _widths(fmt)
    emin = fmt.min_exponent or 0
    binade = math.frexp(value)[1] - 1 if value else emin
    return math.ldexp(1.0, max(binade, emin) - m)


def _widths(fmt: NumberFormat) -> tuple[int, int]:
    return fmt.mantissa_bits or 0, fmt.exponent_bits or 0
