"""Reading the number in a typed answer: digits, separators, powers, fractions.

The rule for separators is :func:`read_digits`'s; :func:`split_number` reads the
number at the start of an answer and returns what follows it (the unit).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

#: Spaces, underscores and apostrophes that people put between digit groups.
_GAP = "_ \u00a0\u2009\u202f'"
_NUMBER = (
    r"[-+−]?(?:\d[\d.," + _GAP + r"]*\d|\d)?(?:[.,]\d+)?"
    r"(?:[eE][-+−]?\d+)?"
)
# A power: ``2^-7``, ``-2**10``, ``6.3 × 10^23`` (a mantissa needs a times sign).
_POWER = re.compile(
    r"^\s*(?:(?P<mant>" + _NUMBER + r")\s*[x×*·]\s*|(?P<sign>[-+−]?))"
    r"(?P<base>\d+(?:\.\d+)?)\s*(?:\^|\*\*)\s*"
    r"\(?(?P<exp>[-+−]?\d+)\)?\s*(?P<rest>.*)$"
)
_PLAIN = re.compile(r"^\s*(?P<num>" + _NUMBER + r")\s*(?P<rest>.*)$")
_FRACTION = re.compile(
    r"^\s*(?P<num>[-+−]?\d+(?:[.,]\d+)?)\s*/\s*(?P<den>\d+(?:[.,]\d+)?)"
    r"(?:\s*(?:\^|\*\*)\s*\(?(?P<exp>[-+−]?\d+)\)?)?\s*(?P<rest>.*)$"
)
_SUPERSCRIPT = re.compile(r"\^?([⁺⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)")
_FROM_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻", "0123456789+-")
_GROUPS = {
    ",": re.compile(r"[1-9]\d{0,2}(?:,\d{3})+"),
    ".": re.compile(r"[1-9]\d{0,2}(?:\.\d{3})+"),
}


@dataclass(frozen=True)
class Number:
    """A number read from text, and how an ambiguous spelling was read (or None)."""

    value: float
    note: str | None = None


def read_digits(text: str) -> Number | None:
    """Read a number's digits, separators and exponent (no unit, no power).

    The rule for separators, in order:

    1. Spaces, underscores and apostrophes separate groups of three digits
       (``1 500``, ``1_500``); a gap anywhere else makes the text unreadable.
    2. With both ``,`` and ``.``, the last one is the decimal mark and the
       other separates groups of three (``1,234.5`` and ``1.234,5`` are both
       1234.5).
    3. A single ``.`` is a decimal point; several dots group thousands
       (``1.234.567``).
    4. A single ``,`` followed by exactly three digits, after one to three
       digits that are not ``0``, separates thousands (``1,024`` = 1024,
       ``208,000``); the reading carries a note, since a decimal comma was
       possible. Any other single comma is a decimal comma: ``0,208``,
       ``1,5``, ``1,25``, ``1,2345``, ``1234,567``. Several commas group
       thousands (``1,234,567``).

    The value is Python's correctly rounded ``float`` of the decimal text,
    so ``repr(x)`` reads back as ``x``.
    """
    text = text.replace("\u2212", "-").strip()
    match = re.fullmatch(r"([-+]?)([\d.," + _GAP + r"]*)(?:[eE]([-+]?\d+))?", text)
    if match is None or not re.search(r"\d", match[2]):
        return None
    sign, body, exponent = match[1], match[2], match[3]
    if re.search("[" + _GAP + "]", body):
        if not re.fullmatch(r"\d{1,3}(?:[" + _GAP + r"]\d{3})+(?:[.,]\d+)?", body):
            return None
        body = re.sub("[" + _GAP + "]", "", body)
    parsed = _separators(body)
    if parsed is None:
        return None
    digits, ambiguous = parsed
    text = f"{sign}{digits}" + (f"e{exponent}" if exponent else "")
    try:
        value = float(text)
    except (ValueError, OverflowError):
        return None
    if not math.isfinite(value):
        return None
    note = None
    if ambiguous:
        note = (
            f"{sign}{body} was read as {_plain(float(sign + digits))}: a comma "
            "before exactly "
            f"three digits separates thousands (write {sign}{body.replace(',', '.')} "
            "for a decimal)"
        )
    return Number(value, note)


def _plain(value: float) -> str:
    return f"{value:.15g}" if not value.is_integer() else f"{int(value)}"


def _separators(body: str) -> tuple[str, bool] | None:
    """``body`` (digits, ``,`` and ``.``) as Python digits, and whether a
    comma was read as thousands where a decimal comma was possible."""
    commas, dots = body.count(","), body.count(".")
    if not commas and dots <= 1:
        return (body, False) if body not in ("", ".") else None
    if commas and dots:
        mark = "," if body.rfind(",") > body.rfind(".") else "."
        group = "." if mark == "," else ","
        whole, _, frac = body.rpartition(mark)
        if group in frac or mark in whole or not frac.isdigit():
            return None
        if not _GROUPS[group].fullmatch(whole):
            return None
        return f"{whole.replace(group, '')}.{frac}", False
    sep = "," if commas else "."
    if _GROUPS[sep].fullmatch(body):
        ambiguous = sep == "," and commas == 1
        return body.replace(sep, ""), ambiguous
    if sep == "," and commas == 1:
        whole, _, frac = body.partition(",")
        if frac.isdigit() and (whole.isdigit() or whole == ""):
            return f"{whole or '0'}.{frac}", False
    return None


def split_number(text: str) -> tuple[Number | None, str]:
    """The number at the start of ``text`` and the text after it (the unit).

    Superscript powers (``2⁻⁷``) are read as ``2^-7``. Returns ``(None, "")``
    when no number can be read.
    """
    text = _SUPERSCRIPT.sub(lambda m: "^" + m[1].translate(_FROM_SUPERSCRIPT), text)
    return _split(text)


def _split(text: str) -> tuple[Number | None, str]:
    if match := _POWER.match(text):
        mantissa = (
            read_digits(match["mant"])
            if match["mant"] is not None
            else Number(-1.0 if match["sign"] in ("-", "\u2212") else 1.0)
        )
        if mantissa is not None:
            try:
                value = mantissa.value * float(match["base"]) ** int(
                    match["exp"].replace("\u2212", "-")
                )
            except (OverflowError, ZeroDivisionError):
                return None, ""
            if not math.isfinite(value):
                return None, ""
            return Number(value, mantissa.note), match["rest"]
    if match := _FRACTION.match(text):
        num, den = read_digits(match["num"]), read_digits(match["den"])
        if num is not None and den is not None and den.value:
            divisor = den.value
            try:
                if match["exp"]:
                    divisor = divisor ** int(match["exp"].replace("\u2212", "-"))
                value = num.value / divisor
            except (OverflowError, ZeroDivisionError):
                return None, ""
            if math.isfinite(value):
                return Number(value), match["rest"]
    if match := _PLAIN.match(text):
        number = read_digits(match["num"])
        rest = match["rest"]
        if number is not None and not re.match(r"^[\d.,]", rest):
            return number, rest
    return None, ""
