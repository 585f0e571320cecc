"""The 21 FSRS-6 parameters: their count, defaults, names and validation."""

from __future__ import annotations

import math
from collections.abc import Sequence

import fsrs_rs_python as fsrs_rs
from fsrs.scheduler import DEFAULT_PARAMETERS as FSRS_DEFAULT_PARAMETERS

PARAMETER_COUNT = 21
DEFAULT_PARAMETERS: tuple[float, ...] = tuple(map(float, FSRS_DEFAULT_PARAMETERS))

PARAMETER_NAMES: tuple[str, ...] = (
    "initial stability (Again)",
    "initial stability (Hard)",
    "initial stability (Good)",
    "initial stability (Easy)",
    "initial difficulty",
    "initial difficulty: rating effect",
    "difficulty change per rating",
    "difficulty mean reversion",
    "recall stability: scale",
    "recall stability: stability decay",
    "recall stability: retrievability effect",
    "forget stability: scale",
    "forget stability: difficulty effect",
    "forget stability: stability effect",
    "forget stability: retrievability effect",
    "hard penalty",
    "easy bonus",
    "same-day stability: rating effect",
    "same-day stability: offset",
    "same-day stability: stability effect",
    "forgetting curve decay",
)


def _checked_parameters(parameters: Sequence[float], *, name: str) -> tuple[float, ...]:
    values = tuple(float(weight) for weight in parameters)
    if len(values) != PARAMETER_COUNT:
        raise ValueError(
            f"{name}: expected {PARAMETER_COUNT} parameters, got {len(values)}"
        )
    if not all(math.isfinite(weight) for weight in values):
        raise ValueError(f"{name}: parameters must be finite numbers")
    try:
        fsrs_rs.check_and_fill_parameters(list(values))
    except ValueError as exc:
        raise ValueError(f"{name}: invalid FSRS parameters ({exc})") from exc
    return values
