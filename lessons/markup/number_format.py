"""Numbers written for reading: ``65,504``, ``0.00391``, ``5.96 × 10⁻⁸``, and
the small TeX and percent forms the lesson's values use.
"""

from __future__ import annotations

import math

__all__ = ["exact_decimal", "format_number", "percent", "pow2_tex", "pow10_tex"]

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def format_number(x: float, *, digits: int = 3) -> str:
    """Format a number for reading: ``65,504``, ``0.00391``, ``5.96 × 10⁻⁸``.

    Integers below ten million get thousands separators; other numbers get
    ``digits`` significant digits, in scientific notation (with a real
    superscript) when very large or small. Negative numbers use a minus sign.

    Args:
        x: The number.
        digits: Significant digits for non-integers.

    Returns:
        The text.
    """
    if math.isinf(x):
        return "−∞" if x < 0 else "∞"
    if float(x).is_integer() and abs(x) < 1e7:
        text = f"{int(x):,}"
    else:
        text = f"{x:.{digits}g}"
        if "e" in text:
            mantissa, exponent = text.split("e")
            power = "10" + str(int(exponent)).translate(_SUPERSCRIPT)
            text = power if mantissa == "1" else f"{mantissa} × {power}"
    return text.replace("-", "−")


def exact_decimal(x: float, *, max_digits: int = 12) -> str:
    """The exact decimal value of a binary float if short, else 10 digits.

    Args:
        x: The number.
        max_digits: The most significant digits an exact value may have.

    Returns:
        The text, with a minus sign for negative numbers.
    """
    exact = f"{x:.{max_digits}g}"
    return (exact if float(exact) == x else f"{x:.10g}").replace("-", "−")


def percent(x: float) -> str:
    """A fraction as a percentage with two significant digits: ``0.05 %``."""
    return f"{format_number(100 * x, digits=2)} %"


def pow2_tex(x: float) -> str:
    """TeX for an exact power of two, e.g. ``2^{-24}``.

    Raises:
        ValueError: ``x`` is not a power of two.
    """
    exponent = math.log2(x)
    if not exponent.is_integer():
        raise ValueError(f"{x} is not a power of two")
    return f"2^{{{int(exponent)}}}"


def pow10_tex(x: float) -> str:
    """TeX for an exact power of ten, e.g. ``10^{-4}``.

    Raises:
        ValueError: ``x`` is not a power of ten.
    """
    exponent = math.log10(x)
    if not exponent.is_integer():
        raise ValueError(f"{x} is not a power of ten")
    return f"10^{{{int(exponent)}}}"
