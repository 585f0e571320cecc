"""Demo descriptions, parameter schemas and their validation.

Our own small schema, not a library's: the demos must stay importable without
Django (so no DRF serializers), and every problem with a request has to be
reported at once as ``{field: message}`` for the web form and the API alike.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from workers.demos._cost import Estimate

ParamType = Literal["int", "float", "choice", "multichoice", "bool"]
Progress = Callable[[float, str], None]


class DemoParamError(ValueError):
    """Raised when demo parameters are invalid.

    Attributes:
        errors: One message per offending field, e.g. ``{"rows": "must be at
            most 4096"}``. The key ``"__all__"`` holds problems that involve
            several fields.
    """

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors: dict[str, str] = dict(errors)
        detail = "; ".join(f"{name}: {msg}" for name, msg in self.errors.items())
        super().__init__(f"invalid demo parameters: {detail}")


@dataclass(frozen=True)
class Param:
    """One parameter of a demo, as a web form or an API client sees it.

    Attributes:
        name: Key in the parameter dict.
        type: One of int, float, choice, multichoice, bool.
        default: Value used when the parameter is absent.
        help: One sentence for the form.
        min: Smallest allowed value (int and float only).
        max: Largest allowed value (int and float only).
        choices: Allowed values (choice and multichoice only).
        choice_label: What a choice is called in messages, e.g. "dtype".
        label: What the form calls the field, in words, e.g. "Smallest power
            of two (2^n)" for ``min_exp2``; the name when left empty.
    """

    name: str
    type: ParamType
    default: Any
    help: str
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()
    choice_label: str = "choice"
    label: str = ""

    @property
    def display_label(self) -> str:
        """The label, or the name in words where a parameter has none."""
        return self.label or self.name.replace("_", " ")

    def to_dict(self) -> dict[str, Any]:
        """Return the schema entry as JSON-safe data."""
        return {
            "name": self.name,
            "label": self.display_label,
            "type": self.type,
            "default": list(self.default)
            if isinstance(self.default, tuple)
            else self.default,
            "min": self.min,
            "max": self.max,
            "choices": list(self.choices),
            "help": self.help,
        }


def _check_number(param: Param, value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None, f"must be {'an integer' if param.type == 'int' else 'a number'}"
    if not math.isfinite(value):
        return None, "must be a finite number (not NaN or infinity)"
    if param.type == "int":
        if isinstance(value, float) and not value.is_integer():
            return None, "must be an integer"
        value = int(value)
    else:
        value = float(value)
    if param.min is not None and value < param.min:
        if param.min == 0:
            return None, "must not be negative"
        return None, f"must be at least {_fmt(param.min)}"
    if param.max is not None and value > param.max:
        return None, f"must be at most {_fmt(param.max)}"
    return value, None


def _check_choice(param: Param, value: Any) -> tuple[Any, str | None]:
    if not isinstance(value, str):
        return None, f"must be one of: {', '.join(param.choices)}"
    if value not in param.choices:
        return None, _unknown(param, value)
    return value, None


def _check_multichoice(param: Param, value: Any) -> tuple[Any, str | None]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        return None, f"must be a list drawn from: {', '.join(param.choices)}"
    if not value:
        return None, "must not be empty"
    for item in value:
        if not isinstance(item, str) or item not in param.choices:
            return None, _unknown(param, item)
    return tuple(dict.fromkeys(value)), None


def _check_bool(param: Param, value: Any) -> tuple[Any, str | None]:
    if not isinstance(value, bool):
        return None, "must be true or false"
    return value, None


_CHECKS = {
    "int": _check_number,
    "float": _check_number,
    "choice": _check_choice,
    "multichoice": _check_multichoice,
    "bool": _check_bool,
}


def _unknown(param: Param, value: Any) -> str:
    return (
        f"unknown {param.choice_label} {value!r}; choose from: "
        f"{', '.join(param.choices)}"
    )


def _fmt(bound: float) -> str:
    return str(int(bound)) if float(bound).is_integer() else repr(bound)


def validate_against(
    schema: Sequence[Param], params: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Check ``params`` against ``schema`` and fill in defaults.

    Args:
        schema: The demo's parameters.
        params: Values sent by the caller; missing ones take their default.

    Returns:
        A new dict with every schema parameter; multichoice values are tuples.

    Raises:
        DemoParamError: With every problem found, keyed by field name.
    """
    params = dict(params or {})
    known = {p.name: p for p in schema}
    errors = {
        name: f"unknown parameter; known: {', '.join(known)}"
        for name in params
        if name not in known
    }
    clean: dict[str, Any] = {}
    for param in schema:
        if param.name not in params:
            clean[param.name] = param.default
            continue
        value, error = _CHECKS[param.type](param, params[param.name])
        if error:
            errors[param.name] = error
        else:
            clean[param.name] = value
    if errors:
        raise DemoParamError(errors)
    return clean


Runner = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class Demo:
    """What a demo is, for the registry and the web page.

    Attributes:
        name: URL slug, e.g. ``"update_swallowing"``.
        title: Heading shown above the demo.
        what_it_shows: Two or three sentences for the learner.
        lesson_anchor: Anchor of the lesson section the demo illustrates.
        params: Parameter schema.
        run: The module's ``run(params, *, backend, device, progress)``.
        validate_params: The module's ``validate_params(params)``.
        estimate: The module's ``estimate(params, *, backend)``: a run's
            cost in seconds (`workers.demos._cost`), from valid parameters.
        cost_params: The parameters the cost grows with, the weightiest
            first (named when a run is refused for its cost).
    """

    name: str
    title: str
    what_it_shows: str
    lesson_anchor: str
    params: tuple[Param, ...]
    run: Runner = field(repr=False)
    validate_params: Callable[[Mapping[str, Any] | None], dict[str, Any]] = field(
        repr=False
    )
    estimate: Callable[..., Estimate] = field(repr=False)
    cost_params: tuple[str, ...] = ()

    @property
    def defaults(self) -> dict[str, Any]:
        """Every parameter's default value."""
        return {p.name: p.default for p in self.params}

    def to_dict(self) -> dict[str, Any]:
        """Return the description and schema as JSON-safe data."""
        return {
            "name": self.name,
            "title": self.title,
            "what_it_shows": self.what_it_shows,
            "lesson_anchor": self.lesson_anchor,
            "params": [p.to_dict() for p in self.params],
        }


def validator(
    schema: Sequence[Param],
) -> Callable[[Mapping[str, Any] | None], dict[str, Any]]:
    """A demo's ``validate_params``: fill in defaults and check ``params``
    against ``schema``, raising `DemoParamError` when a value is invalid."""

    def validate_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
        return validate_against(schema, params)

    validate_params.__doc__ = validator.__doc__
    return validate_params
