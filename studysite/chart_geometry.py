"""Chart geometry, for every chart the site draws (demo results, progress).

Where a value lands between two positions (`scale`), round tick values
(`nice_ticks`, decades in `log_ticks`), their labels (`fmt_tick`) and an axis
that puts them together (`Axis`). The drawing stays with each chart
(`workers.charts` for demo results, `lessons.progress.charts` for the
dashboards); the arithmetic is here once.

Pure: imports nothing from Django.
"""

from __future__ import annotations

import math


def scale(value: float, lo: float, hi: float, start: float, end: float) -> float:
    """Where ``value`` of ``[lo, hi]`` lands on ``[start, end]`` (linear; ``end``
    may be below ``start``, as a y axis is drawn downwards). An empty domain
    puts everything at ``start``."""
    span = hi - lo or 1.0
    return start + (value - lo) / span * (end - start)


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering ``[lo, hi]`` (1, 2 or 5 times a power of 10)."""
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(lo / step) * step
    ticks, value = [], first
    while value <= hi + step * 1e-9:
        ticks.append(round(value, 12))
        value += step
    if ticks[-1] < hi:
        ticks.append(round(ticks[-1] + step, 12))
    return ticks


def log_ticks(lo: float, hi: float, count: int = 6) -> list[float]:
    """Powers of ten covering ``[lo, hi]``, every k-th decade if there are many."""
    a, b = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    if a == b:
        b = a + 1
    stride = max(1, math.ceil((b - a) / count))
    exponents = list(range(a, b + 1, stride))
    if exponents[-1] < b:
        exponents.append(exponents[-1] + stride)
    return [10.0**k for k in exponents]


def fmt_tick(value: float, *, log: bool = False) -> str:
    """A short tick label: ``0.5``, ``2000``, ``1e-08``, ``65504``."""
    if value == 0:
        return "0"
    if log:
        k = round(math.log10(value))
        if abs(value - 10.0**k) <= 1e-9 * 10.0**k and (k < -3 or k > 4):
            return f"1e{k}"
    mag = abs(value)
    if float(value).is_integer() and mag < 1e6:
        return str(int(value))
    if 1e-3 <= mag < 1e5:
        return f"{value:.4g}"
    return f"{value:.2g}".replace("e+0", "e").replace("e-0", "e-").replace("e+", "e")


class Axis:
    """A chart axis: its ticks (nice ones, or decades when ``log``) and the
    map from a value to a position between ``start`` and ``end``."""

    def __init__(
        self, lo: float, hi: float, *, log: bool, start: float, end: float
    ) -> None:
        self.log = log
        if log:
            self.ticks = log_ticks(lo, hi)
        else:
            self.ticks = nice_ticks(lo, hi)
        self.lo, self.hi = self.ticks[0], self.ticks[-1]
        self.start, self.end = start, end

    def _t(self, v: float) -> float:
        return math.log10(v) if self.log else v

    def __call__(self, v: float) -> float:
        return scale(
            self._t(v), self._t(self.lo), self._t(self.hi), self.start, self.end
        )
