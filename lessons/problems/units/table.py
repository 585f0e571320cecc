"""The units answers are given in: dimensions, factors and every spelling.

Every unit belongs to a *dimension* and has a factor to that dimension's base
unit: bytes (B), bytes per parameter (B/param), FLOP, seconds, a ratio (1; a
percent is 0.01) and plain numbers. ``GB``, ``MB``, ... are decimal (1e9,
1e6); ``GiB``, ``MiB``, ... binary (2^30); ``B``/``byte`` is a byte and
``b``/``bit`` a bit (see :mod:`lessons.problems.units` for every convention).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BYTES = "bytes"
BYTES_PER_PARAM = "bytes/param"
FLOP = "flop"
TIME = "time"
RATIO = "ratio"
NUMBER = "number"


@dataclass(frozen=True)
class Unit:
    """A unit: its canonical symbol, dimension and factor to the base unit."""

    symbol: str
    dimension: str
    factor: float
    name: str

    def to_base(self, value: float) -> float:
        """``value`` of this unit in the dimension's base unit."""
        return value * self.factor

    def from_base(self, value: float) -> float:
        """A base-unit amount expressed in this unit."""
        return value / self.factor


_UNITS: dict[str, Unit] = {}
_ALIASES: dict[str, str] = {}


def _add(symbol: str, dimension: str, factor: float, name: str, *aliases: str) -> None:
    _UNITS[symbol] = Unit(symbol, dimension, factor, name)
    for alias in (symbol, *aliases):
        _ALIASES[alias] = symbol


_DECIMAL = (
    ("k", "K", "kilo", 1e3),
    ("M", "M", "mega", 1e6),
    ("G", "G", "giga", 1e9),
    ("T", "T", "tera", 1e12),
    ("P", "P", "peta", 1e15),
)
_BINARY = (
    ("Ki", "kibi", 2**10),
    ("Mi", "mebi", 2**20),
    ("Gi", "gibi", 2**30),
    ("Ti", "tebi", 2**40),
    ("Pi", "pebi", 2**50),
)

_add("B", BYTES, 1.0, "bytes", "byte", "bytes", "Byte", "Bytes")
_add("bit", BYTES, 1 / 8, "bits", "bits", "b", "Bit", "Bits")
for low, cap, word, factor in _DECIMAL:
    _add(
        f"{cap}B",
        BYTES,
        factor,
        f"{word}bytes",
        f"{low}B",
        f"{cap.lower()}b",
        f"{word}byte",
        f"{word}bytes",
    )
    _add(
        f"{cap}bit",
        BYTES,
        factor / 8,
        f"{word}bits",
        f"{cap}b",
        f"{low}bit",
        f"{word}bit",
        f"{word}bits",
        f"{cap}bits",
    )
for prefix, word, factor in _BINARY:
    _add(
        f"{prefix}B",
        BYTES,
        float(factor),
        f"{word}bytes",
        prefix.lower() + "b",
        f"{prefix}b".upper(),
        f"{word}byte",
        f"{word}bytes",
        f"{prefix}byte",
        f"{prefix}bytes",
    )
_ALIASES["kb"] = "KB"
_ALIASES["KiB"] = "KiB"

_add(
    "B/param",
    BYTES_PER_PARAM,
    1.0,
    "bytes per parameter",
    "bytes/param",
    "byte/param",
    "B/parameter",
    "bytes/parameter",
    "bytes per param",
    "bytes per parameter",
    "byte per parameter",
    "B per param",
    "B/p",
    "bytes/weight",
    "bytes per weight",
)
_add(
    "bit/param",
    BYTES_PER_PARAM,
    1 / 8,
    "bits per parameter",
    "bits/param",
    "b/param",
    "bit/parameter",
    "bits/parameter",
    "bits per param",
    "bits per parameter",
    "bit per parameter",
    "bits/weight",
    "bits per weight",
)

_add(
    "FLOP",
    FLOP,
    1.0,
    "floating-point operations",
    "FLOPs",
    "flop",
    "flops",
    "Flop",
    "Flops",
    "FLOPS",
)
for prefix, word, factor in (
    ("K", "kilo", 1e3),
    ("M", "mega", 1e6),
    ("G", "giga", 1e9),
    ("T", "tera", 1e12),
    ("P", "peta", 1e15),
    ("E", "exa", 1e18),
    ("Z", "zetta", 1e21),
    ("Y", "yotta", 1e24),
):
    _add(
        f"{prefix}FLOP",
        FLOP,
        factor,
        f"{word}FLOP",
        f"{prefix}FLOPs",
        f"{prefix}FLOPS",
        f"{prefix.lower()}flop",
        f"{prefix.lower()}flops",
        f"{word}FLOP",
        f"{word}FLOPs",
        f"{word}flop",
        f"{word}flops",
    )

_add("s", TIME, 1.0, "seconds", "sec", "secs", "second", "seconds")
_add("min", TIME, 60.0, "minutes", "mins", "minute", "minutes")
_add("h", TIME, 3600.0, "hours", "hr", "hrs", "hour", "hours")
_add("days", TIME, 86400.0, "days", "d", "day")
_add("weeks", TIME, 7 * 86400.0, "weeks", "week", "wk")
_add("years", TIME, 365.25 * 86400.0, "years", "year", "yr", "yrs")

_add("%", RATIO, 0.01, "percent", "percent", "pct", "per cent")
_add("x", RATIO, 1.0, "times", "×", "times", "fold")

_add("", NUMBER, 1.0, "")
_add("GPUs", NUMBER, 1.0, "GPUs", "GPU", "gpus", "gpu", "cards", "card")


def unit(symbol: str) -> Unit:
    """Return the unit spelled ``symbol`` (a canonical symbol or an alias).

    Raises:
        KeyError: the spelling is not known.
    """
    return _UNITS[_ALIASES[symbol]]


def find_unit(text: str) -> Unit | None:
    """Return the unit ``text`` spells, or None; tolerant of case and spaces."""
    clean = re.sub(r"\s+", " ", text.strip())
    clean = re.sub(r"\s*/\s*", "/", clean)
    clean = clean.removesuffix(".")
    for candidate in (clean, clean.replace(" ", "")):
        if candidate in _ALIASES:
            return _UNITS[_ALIASES[candidate]]
    lowered = clean.lower()
    for alias, symbol in _ALIASES.items():
        if alias.lower() == lowered and _case_free(alias):
            return _UNITS[symbol]
    return None


def _case_free(alias: str) -> bool:
    # Spellings whose case carries meaning (Gb is bits, GB bytes) match only
    # exactly; words and per-parameter forms match in any case.
    return len(alias) > 3 or "/" in alias or " " in alias


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """Convert ``value`` between two units of the same dimension.

    Raises:
        ValueError: the units measure different things.
    """
    a, b = unit(from_unit), unit(to_unit)
    if a.dimension != b.dimension:
        raise ValueError(f"cannot convert {a.symbol} to {b.symbol}")
    return b.from_base(a.to_base(value))
