"""What the calculators API refuses before answering: parameters a
calculator does not take, and inputs so large that a formula overflows.

Each refusal is a 400 (``Invalid``) naming the offending parameters, so a
client learns which input to change.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from typing import Any

from lessons import selectors
from lessons.precision.errors import PrecisionInputError
from studysite.errors import Invalid

OVERFLOW_MESSAGE = (
    "Too large: the result overflows (past about 1.8e308, the largest "
    "floating-point number)."
)


def _overflowed(value: Any) -> bool:
    """Whether a result holds a number past float range: inf or NaN (which
    ``json_safe`` spells as strings) or a whole number no float can hold."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif _out_of_range(item):
            return True
    return False


def _out_of_range(number: Any) -> bool:
    if isinstance(number, bool):
        return False
    if isinstance(number, float):
        return not math.isfinite(number)
    if isinstance(number, int):
        return abs(number) > sys.float_info.max
    return number in ("inf", "-inf", "nan")


def _runs_in_range(name: str, query: Mapping[str, Any]) -> bool:
    try:
        return not _overflowed(selectors.calculate(name, query))
    except (OverflowError, PrecisionInputError):
        return False


def _numeric_inputs(name: str, query: Mapping[str, Any]) -> list[str]:
    return [
        p.name
        for p in selectors.CALCULATORS[name].params
        if p.kind in ("count", "number") and str(query.get(p.name) or "").strip()
    ]


def _fixed_alone(name: str, query: Mapping[str, Any]) -> list[str]:
    """The numeric inputs each of which, set to 1, brings the result back in
    range: the ones to name when it overflows."""
    return [
        n
        for n in _numeric_inputs(name, query)
        if _runs_in_range(name, {**query, n: "1"})
    ]


def calculate(name: str, query: Mapping[str, Any]) -> dict[str, Any]:
    """Run calculator ``name`` on a query string, refusing inputs so large
    that a formula overflows (Python raises ``OverflowError`` converting a
    huge whole number to float, or the result is infinite).

    Raises:
        PrecisionInputError: naming every bad field (the domain's checks).
        Invalid: naming each input that makes the result overflow (each
            one that alone brings it back in range, else every numeric one).
    """
    query = {key: query.get(key) for key in query}  # one value each, copyable
    _refuse_unknown(name, query)
    try:
        result = selectors.calculate(name, query)
    except OverflowError:
        result = None
    except PrecisionInputError as error:
        if set(error.errors) <= {p.name for p in selectors.CALCULATORS[name].params}:
            raise
        # The domain refused a derived value (total_bytes: inf): an overflow
        # when some input alone brings it back in range, else its own answer.
        if not (culprits := _fixed_alone(name, query)):
            raise
        raise Invalid(dict.fromkeys(culprits, OVERFLOW_MESSAGE)) from None
    if result is not None and not _overflowed(result):
        return result
    culprits = _fixed_alone(name, query) or _numeric_inputs(name, query)
    raise Invalid(dict.fromkeys(culprits or ["detail"], OVERFLOW_MESSAGE))


def _refuse_unknown(name: str, query: Mapping[str, Any]) -> None:
    """A parameter the calculator does not take is a 400 naming it, with the
    bad known ones (never silently ignored: a misspelt ``optimiser`` would
    otherwise answer for the default).

    Raises:
        Invalid: naming every unknown parameter and every bad known one.
    """
    params = [p.name for p in selectors.CALCULATORS[name].params]
    unknown = [key for key in query if key not in params]
    if not unknown:
        return
    message = f"Unknown parameter; {name} takes {', '.join(params)}."
    errors: dict[str, str | list[str]] = {}
    try:
        selectors.calculate(name, {k: v for k, v in query.items() if k in params})
    except PrecisionInputError as error:
        errors = dict(error.errors)
    except OverflowError:
        pass
    raise Invalid({**errors, **dict.fromkeys(unknown, message)})
