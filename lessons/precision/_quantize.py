"""Integer and NF4 quantization of one value, given its scale.

No library quantizes a single Python float the way the lesson explains it, and
bitsandbytes (NF4) needs a GPU, so these few lines are written here.

* int8 / int4: symmetric, ``q = round(x / scale)`` (ties to even) clipped to
  ``[-127, 127]`` / ``[-7, 7]``. The most negative code (-128 / -8) is left
  unused so that the grid is symmetric around zero, as in absmax quantization
  (``scale = absmax / 127``); a value decodes to ``q * scale``.
* NF4: ``x / absmax`` goes to the nearest of the 16 :data:`NF4_VALUES`
  (exact midpoints go to the lower code, as bitsandbytes' ``>`` comparisons
  do); ``|x| > absmax`` saturates to the ends of the table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lessons.precision._registry import NF4_VALUES, NumberFormat


@dataclass(frozen=True)
class Quantized:
    """A value on a quantization grid: its level and what it decodes to."""

    level: int
    stored: float
    saturated: bool
    below: float | None
    above: float | None


def quantize_int(fmt: NumberFormat, value: float, *, scale: float) -> Quantized:
    """Round ``value / scale`` to the format's symmetric integer grid."""
    qmax = int(fmt.max_finite)
    ratio = value / scale
    q = math.copysign(qmax + 1, ratio) if abs(ratio) > qmax + 1 else round(ratio)
    level = int(max(-qmax, min(qmax, q)))
    return Quantized(
        level=level,
        stored=level * scale,
        saturated=abs(q) > qmax,
        below=(level - 1) * scale if level > -qmax else None,
        above=(level + 1) * scale if level < qmax else None,
    )


def quantize_nf4(value: float, *, absmax: float) -> Quantized:
    """Pick the NF4 code nearest to ``value / absmax``."""
    ratio = value / absmax
    saturated = abs(ratio) > 1
    clipped = max(-1.0, min(1.0, ratio))
    index = min(range(16), key=lambda i: (abs(clipped - NF4_VALUES[i]), i))
    return Quantized(
        level=index,
        stored=NF4_VALUES[index] * absmax,
        saturated=saturated,
        below=NF4_VALUES[index - 1] * absmax if index > 0 else None,
        above=NF4_VALUES[index + 1] * absmax if index < 15 else None,
    )


def twos_complement(level: int, bits: int) -> str:
    """The ``bits``-wide two's complement bit string of ``level``."""
    return format(level & ((1 << bits) - 1), f"0{bits}b")


def from_twos_complement(code: int, bits: int) -> int:
    """The signed integer held by a ``bits``-wide two's complement code."""
    return code - (1 << bits) if code >> (bits - 1) else code


def nf4_gap(index: int) -> float:
    """The gap from NF4 code ``index`` to its neighbour away from zero."""
    value = NF4_VALUES[index]
    step = 1 if value >= 0 else -1
    if not 0 <= index + step < 16:
        step = -step
    return abs(NF4_VALUES[index + step] - value)
