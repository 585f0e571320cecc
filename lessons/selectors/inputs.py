"""Raw calculator and format input (query strings, form fields) read into
numbers and flags, and results made JSON-safe (non-finite floats as text, byte
sizes as GB and GiB). Bad input raises
:class:`~lessons.precision.PrecisionInputError` naming every bad field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from lessons.precision.errors import PrecisionInputError
from lessons.problems.units import read_number

_INTEGER = re.compile(r"^[+-]?\d+$")
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", "none"}


@dataclass(frozen=True)
class Param:
    """One input of a calculator: its name, kind, default and help text.

    ``kind`` is "count" (whole number), "number", "format", "bool",
    "master" (bool or a format name) or "choice". ``default`` None means
    required.
    """

    name: str
    kind: str
    default: Any
    help: str
    choices: tuple[str, ...] = ()


class Parser:
    """Collects parse problems per field, like the domain's Checker."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.errors: dict[str, str] = {}
        self.defaults: dict[str, Any] = {}

    def parse(self, param: Param) -> Any:
        raw = self.data.get(param.name)
        if isinstance(raw, str):
            raw = raw.strip()
        if raw is None or raw == "":
            if param.default is None:
                self.errors[param.name] = "required"
            self.defaults[param.name] = param.default
            return param.default
        try:
            return _PARSE[param.kind](raw)
        except ValueError as error:
            self.errors[param.name] = str(error)
            return None

    def done(self) -> None:
        if self.errors:
            raise PrecisionInputError(self.errors)


def parse_number(raw: Any) -> int | float:
    """A finite number from text: an int if written as one, else a float.

    Whole numbers in digits stay exact ints (``"9" * 400``); anything else is
    read by the one number reader of typed answers
    (:func:`lessons.problems.units.read_number`), so ``7,000,000,000``,
    ``7 000 000 000``, ``2^30``, ``1/128`` and ``0,5`` mean here what they
    mean in a problem's answer. A unit (``7B``, ``7 GB``) is refused.

    Raises:
        ValueError: not a number, or not finite (nan, inf, 1e400).
    """
    if isinstance(raw, bool):
        raise ValueError(f"expected a number, got {raw!r}")
    if isinstance(raw, int | float):
        number: int | float = raw
    elif isinstance(raw, str) and _INTEGER.match(raw):
        number = int(raw)
        if number == 0 and raw.strip().startswith("-"):
            number = -0.0  # minus zero is a float of its own (sign bit 1)
    else:
        try:
            number = float(raw)
        except (TypeError, ValueError):
            number = _read_typed(raw)
    if isinstance(number, float) and not math.isfinite(number):
        raise ValueError(f"must be a finite number, got {raw!r}")
    return number


def _read_typed(raw: Any) -> int | float:
    value = read_number(raw) if isinstance(raw, str) else None
    if value is None:
        raise ValueError(f"expected a number, got {raw!r}")
    # Grouped digits ("7,000,000,000") are a whole number, as "7000000000" is.
    if value.is_integer() and re.fullmatch(
        r"[-+]?[\d,_ \u00a0\u2009\u202f']+", raw.strip()
    ):
        return int(value)
    return value


def _parse_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"must be true or false, got {raw!r}")


def _parse_master(raw: Any) -> bool | str:
    try:
        return _parse_bool(raw)
    except ValueError:
        return str(raw)  # a format name; the domain checks it


_PARSE: dict[str, Callable[[Any], Any]] = {
    "count": parse_number,
    "number": parse_number,
    "format": str,
    "choice": str,
    "bool": _parse_bool,
    "master": _parse_master,
}

# --------------------------------------------------------------------------
# JSON-safe output


def json_safe(value: Any) -> Any:
    """Non-finite floats as "inf", "-inf", "nan"; byte sizes with GB and GiB.

    The domain's size dicts use ``gb``/``gib``; the API spells them ``GB``
    and ``GiB``. JSON never sees a bare NaN or Infinity.
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else _nonfinite(value)
    if isinstance(value, Mapping):
        return {_KEYS.get(k, k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


_KEYS = {"gb": "GB", "gib": "GiB"}


def _nonfinite(value: float) -> str:
    if math.isnan(value):
        return "nan"
    return "inf" if value > 0 else "-inf"
