"""The number formats and what each does to a value: the format list, one
format's or every format's encoding of a typed number, and its error against
the exact decimal that was typed."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from lessons import precision
from lessons.precision.errors import PrecisionInputError
from lessons.selectors.inputs import Param, Parser, json_safe


def format_list() -> list[dict[str, Any]]:
    """Every number format with all its properties."""
    return [
        json_safe({**f.to_dict(), "min_exponent": f.min_exponent})
        for f in precision.all_formats()
    ]


def format_encode(*, name: str, value: Any, scale: Any = None) -> dict[str, Any]:
    """What format ``name`` does to ``value`` (raw text or a number).

    Overflow, saturation and underflow are answers, not errors.

    Raises:
        PrecisionInputError: unknown format (field ``name``), a value that is
            not a finite number (``value``) or a bad ``scale``.
    """
    parser = Parser({"value": value, "scale": scale})
    number = parser.parse(Param("value", "number", None, ""))
    factor = parser.parse(Param("scale", "number", "", ""))
    try:
        precision.lookup(name, field="name")
    except PrecisionInputError as error:
        parser.errors = {**error.errors, **parser.errors}
    parser.done()
    encoding = precision.encode(name, number, scale=factor if factor != "" else None)
    data = _encoding_dict(encoding)
    if isinstance(value, str):
        # Errors against the decimal typed ("0.1" is 1/10), not its double.
        fmt = precision.lookup(name)
        row = {**data, "kind": fmt.kind, "label": fmt.label}
        row = against_exact(row, exact_value(value, number))
        data = {k: row[k] for k in data} | {"note": row.get("note", data.get("note"))}
        data = json_safe(data)
    return data


def _encoding_dict(encoding: precision.Encoding) -> dict[str, Any]:
    data = encoding.to_dict()
    data.pop("nonfinite", None)
    for key in ("value", "stored", "below", "above"):
        data[key] = getattr(encoding, key)
    if encoding.abs_error is None and not math.isfinite(encoding.stored):
        # The domain leaves the error undefined here; IEEE arithmetic says inf
        # (overflow) or nan (nothing stored).
        data["abs_error"] = abs(encoding.stored - encoding.value)
        data["rel_error"] = (
            data["abs_error"] / abs(encoding.value) if encoding.value else None
        )
    return json_safe(data)


def format_encode_all(*, value: Any, scale: Any = None) -> list[dict[str, Any]]:
    """The value in every format, side by side (the float explorer).

    ``scale`` applies to int8, int4 (the step) and nf4 (the block absmax);
    float formats take none.
    """
    parser = Parser({"value": value, "scale": scale})
    number = parser.parse(Param("value", "number", None, ""))
    factor = parser.parse(Param("scale", "number", 1.0, ""))
    parser.done()
    if not (factor > 0):
        raise PrecisionInputError.single("scale", f"must be positive, got {scale!r}")
    return [
        {
            **_encoding_dict(
                precision.encode(
                    f.name, number, scale=None if f.kind == "float" else factor
                )
            ),
            "label": f.label,
            "kind": f.kind,
        }
        for f in precision.all_formats()
    ]


def exact_value(text: str, number: int | float) -> Fraction | None:
    """The exact rational the learner typed, or None when not finite.

    "0.1" is 1/10, not the double nearest it; "1/3" is 1/3; "0,1" (a decimal
    comma) and "7,000" (grouping) are read as :func:`parse_number` reads
    them. Anything else (``2^-7``) is taken as the number read.
    """
    if isinstance(number, int):
        return Fraction(number)
    if not math.isfinite(number):
        return None
    clean = text.strip().replace("\u2212", "-").replace("_", "")
    for candidate in (clean, clean.replace(",", "."), clean.replace(",", "")):
        try:
            exact = Fraction(candidate)
        except (ValueError, ZeroDivisionError):
            continue
        if float(exact) == number:
            return exact
    return Fraction(number)


def against_exact(row: dict[str, Any], exact: Fraction | None) -> dict[str, Any]:
    """A float format's errors measured against the exact value typed.

    The domain sees the typed text as a double, so 0.1 looked exact in fp64;
    0.1 is 1/10, and fp64 stores 0.1000000000000000055511151231257827…
    (an error of about 5.55e-18). Integer formats keep the domain's errors
    (their grid is the scale times whole levels, both doubles).
    """
    stored = row.get("stored")
    if (
        exact is None
        or row.get("kind") != "float"
        or not isinstance(stored, float)
        or not math.isfinite(stored)
    ):
        return row
    error = abs(Fraction(stored) - exact)
    fixed = {
        **row,
        "abs_error": float(error),
        "abs_exact": error,
        "rel_error": float(error / abs(exact)) if exact else row["rel_error"],
    }
    if error and not row.get("abs_error"):  # the domain saw no error
        fixed["note"] = (
            f"Below half the smallest {row['label']} subnormal: underflows to zero."
            if stored == 0
            else f"Rounded to the nearest {row['label']} value."
        )
    return fixed
