"""Units of answers, and reading an answer the way a person types it.

Every unit belongs to a *dimension* and has a factor to that dimension's base
unit: bytes (B), bytes per parameter (B/param), FLOP, seconds, a ratio (1; a
percent is 0.01) and plain numbers. ``208 GB``, ``2.08e11 bytes``, ``193.7
GiB``, ``208,000 MB``, ``1.25GiB``, ``1.5 TB``, ``16 bytes/param``,
``4 bits/param``, ``0.39 %``, ``2^-7``, ``1/128`` and ``6.3 × 10^23 FLOPs``
are all read.

Conventions for ambiguous spellings, stated once here:

* ``GB``, ``MB``, ... are decimal (1e9, 1e6); ``GiB``, ``MiB``, ... binary (2^30).
* ``B``/``byte`` is a byte; ``b``/``bit`` a bit. A capital prefix with a small
  ``b`` (``Gb``, ``Mb``, ``Tb``) is gigabits etc.; the all-lowercase ``gb``,
  ``mb``, ``kb``, ``tb``, which people type for bytes, are read as bytes.
* Separators (the full rule is :func:`_digits`): spaces, ``_`` and ``'``
  separate groups of three digits; with both ``,`` and ``.`` the last is the
  decimal mark (``1,234.5`` = ``1.234,5`` = 1234.5); a single comma before
  exactly three digits, after 1-3 digits that are not ``0``, separates
  thousands (``1,024`` = 1024, ``208,000``) and the reading says so in its
  ``note``; every other single comma is a decimal comma (``0,208`` = 0.208,
  ``1,5`` = 1.5, ``1,25``, ``1,2345``).
* Powers take any base (``2^-7``, ``2**-7``, ``2⁻⁷``); a mantissa needs
  a times sign (``6.3 × 10^23``), so ``102^3`` is 102³, never 10·2³.

This is the one reader of typed numbers: problems (:mod:`.grading`), numeric
flashcards (``flashcards.content``) and the calculators' inputs
(``lessons.selectors.parse_number``) all call :func:`read_answer` or
:func:`read_number`.

Pure Python; imports nothing from Django.
"""

from __future__ import annotations

import math
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


@dataclass(frozen=True)
class Reading:
    """What an answer says: a number and, if typed, a unit.

    Attributes:
        text: The answer as typed.
        value: The number read, or None if none could be read.
        unit: The unit typed, None when no unit was typed.
        choice: For yes/no answers, "yes" or "no".
        error: Why nothing could be read, when ``value`` and ``choice`` are None.
        unit_text: The unit exactly as typed (``"gb"`` for the unit GB), so
            feedback can speak of what the learner wrote; None without a unit.
        note: How an ambiguous spelling was read (``1,024`` as 1024), to show
            beside a wrong verdict; None when nothing was ambiguous.
    """

    text: str
    value: float | None
    unit: Unit | None
    choice: str | None = None
    error: str | None = None
    unit_text: str | None = None
    note: str | None = None

    @property
    def readable(self) -> bool:
        return self.error is None


_YES = {"yes", "y", "true", "fits", "it fits", "yes it fits", "yes, it fits", "1"}
_NO = {
    "no",
    "n",
    "false",
    "does not fit",
    "doesn't fit",
    "it does not fit",
    "no it does not fit",
    "no, it does not fit",
    "0",
}

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
_APPROX = re.compile(
    r"^(?:about|approx\.?|approximately|around|roughly|~|≈|=)\s*", re.I
)
_SUPERSCRIPT = re.compile(r"\^?([⁺⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)")
_FROM_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻", "0123456789+-")
_GROUPS = {
    ",": re.compile(r"[1-9]\d{0,2}(?:,\d{3})+"),
    ".": re.compile(r"[1-9]\d{0,2}(?:\.\d{3})+"),
}


@dataclass(frozen=True)
class _Number:
    value: float
    note: str | None = None


def _digits(text: str) -> _Number | None:
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
    return _Number(value, note)


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


def read_answer(text: object, *, choices: tuple[str, ...] | None = None) -> Reading:
    """Read an answer as a person types it: the one reader for every answer.

    Problems, numeric flashcards and the calculators' numeric inputs all read
    through here, so a text means the same number wherever it is typed.
    Accepted: plain numbers, scientific notation (``2.08e11``), thousands
    separators and decimal commas (see :func:`_digits` for the rule), powers
    (``2^-7``, ``2**-7``, ``2⁻⁷``, ``6.3 × 10^23``), fractions (``1/128``,
    ``1/2^7``) and a unit after the number (see :func:`find_unit`).

    Args:
        text: What was typed (anything; non-strings cannot be read).
        choices: For a yes/no part, the accepted choices.

    Returns:
        A :class:`Reading`; ``error`` says why when nothing could be read.
    """
    if not isinstance(text, str):
        return Reading(str(text), None, None, error="the answer is not text")
    raw = text
    text = _APPROX.sub("", text.strip()).strip()
    if not text:
        return Reading(raw, None, None, error="no answer given")
    if choices is not None:
        word = text.lower().rstrip(".!")
        if word in _YES and "yes" in choices:
            return Reading(raw, None, None, choice="yes")
        if word in _NO and "no" in choices:
            return Reading(raw, None, None, choice="no")
        return Reading(
            raw, None, None, error=f"could not read {raw!r}: answer yes or no"
        )
    text = _SUPERSCRIPT.sub(lambda m: "^" + m[1].translate(_FROM_SUPERSCRIPT), text)
    number, rest = _split(text)
    if number is None:
        return Reading(raw, None, None, error=f"could not read a number in {raw!r}")
    rest = rest.strip()
    if not rest:
        return Reading(raw, number.value, None, note=number.note)
    found = find_unit(rest)
    if found is None:
        return Reading(raw, None, None, error=f"could not read the unit {rest!r}")
    return Reading(raw, number.value, found, unit_text=rest, note=number.note)


def read_number(text: object) -> float | None:
    """A plain number (no unit) as :func:`read_answer` reads it, else None.

    ``int`` and ``float`` values pass through when finite (``bool`` does not).
    """
    if isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        try:
            value = float(text)
        except OverflowError:
            return None
        return value if math.isfinite(value) else None
    reading = read_answer(text)
    if reading.error is not None or reading.unit is not None:
        return None
    return reading.value


def _split(text: str) -> tuple[_Number | None, str]:
    if match := _POWER.match(text):
        mantissa = (
            _digits(match["mant"])
            if match["mant"] is not None
            else _Number(-1.0 if match["sign"] in ("-", "\u2212") else 1.0)
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
            return _Number(value, mantissa.note), match["rest"]
    if match := _FRACTION.match(text):
        num, den = _digits(match["num"]), _digits(match["den"])
        if num is not None and den is not None and den.value:
            divisor = den.value
            try:
                if match["exp"]:
                    divisor = divisor ** int(match["exp"].replace("\u2212", "-"))
                value = num.value / divisor
            except (OverflowError, ZeroDivisionError):
                return None, ""
            if math.isfinite(value):
                return _Number(value), match["rest"]
    if match := _PLAIN.match(text):
        number = _digits(match["num"])
        rest = match["rest"]
        if number is not None and not re.match(r"^[\d.,]", rest):
            return number, rest
    return None, ""
