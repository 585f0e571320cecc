"""The problem framework: templates, parameters, problems, parts, misconceptions.

A :class:`Template` describes a family of problems: its parameter space
(:class:`ParamSpec`, visible to teachers, who may narrow it) and a ``build``
function that turns drawn parameters into a prompt and graded parts.
:func:`generate` is a pure function of (template key, seed, limits): it draws
every parameter from ``random.Random(seed)`` in the order the template lists
them, so the same seed gives the same problem forever.

Pure Python; imports nothing from Django.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from lessons.precision import Step
from lessons.problems import units

OBJECTIVES: dict[str, str] = {
    "fp-representation": "Explain how sign, exponent and mantissa bits set a format's range and precision.",
    "fewer-bits-save": "Compute what fewer bits save in memory, bandwidth and compute.",
    "quantization-vs-mixed": "Tell quantization for inference from mixed-precision training.",
    "precision-asymmetry": "Explain why weights need more precision than activations and gradients.",
}
SECTIONS: tuple[str, ...] = (
    "floating-point-numbers",
    "range-versus-precision",
    "what-fewer-bits-save",
    "quantization",
    "mixed-precision-training",
    "the-asymmetry",
)

MAX_SEED = 2**63 - 1


class ProblemInputError(ValueError):
    """A bad template key, seed, limit or part; ``field`` names the culprit."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Tolerance:
    """How close an answer must be: relative, absolute or significant figures.

    ``relative``: |x - a| <= amount·|a|; ``absolute``: |x - a| <= amount;
    ``sigfigs``: |x - a| <= half a unit in the amount-th significant figure of a.
    """

    kind: Literal["relative", "absolute", "sigfigs"]
    amount: float

    def width(self, answer: float) -> float:
        """The largest accepted distance from ``answer``."""
        if self.kind == "relative":
            return abs(answer) * self.amount
        if self.kind == "absolute":
            return self.amount
        if answer == 0:
            return 0.0
        digits = int(self.amount)
        return 0.5 * 10 ** (math.floor(math.log10(abs(answer))) - digits + 1)

    def accepts(self, answer: float, value: float) -> bool:
        """Whether ``value`` is within tolerance of ``answer``."""
        slack = 1e-12 * max(abs(answer), abs(value))
        return abs(value - answer) <= self.width(answer) + slack

    def describe(self) -> str:
        if self.kind == "relative":
            return f"within {self.amount * 100:g}%"
        if self.kind == "absolute":
            return f"within ±{self.amount:g}"
        return f"to {int(self.amount)} significant figures"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "amount": self.amount, "text": self.describe()}


REL_1PCT = Tolerance("relative", 0.01)
EXACT = Tolerance("relative", 1e-9)


@dataclass(frozen=True)
class Misconception:
    """A named mistake, the answer it produces and what to tell the learner."""

    name: str
    value: float
    unit: str
    feedback: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "unit": self.unit,
            "feedback": self.feedback,
        }


@dataclass(frozen=True)
class Part:
    """One graded answer of a problem.

    Attributes:
        key: Stable key ("weights", "total").
        label: What is asked, for the form.
        answer: The correct value, in ``unit`` (1.0/0.0 for yes/no parts).
        unit: Canonical unit symbol (see :mod:`lessons.problems.units`).
        tolerance: How close an answer must be.
        misconceptions: Named wrong answers, each outside the tolerance.
        solution: Worked steps; the last step's value is ``answer`` in ``unit``.
        choices: ("yes", "no") for a yes/no part, else None.
    """

    key: str
    label: str
    answer: float
    unit: str
    tolerance: Tolerance
    misconceptions: tuple[Misconception, ...]
    solution: tuple[Step, ...]
    choices: tuple[str, ...] | None = None

    @property
    def answer_text(self) -> str:
        if self.choices:
            return "yes" if self.answer else "no"
        return f"{fmt(self.answer, 6)} {self.unit}".strip()

    def to_dict(self, *, with_answer: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "key": self.key,
            "label": self.label,
            "unit": self.unit,
            "choices": list(self.choices) if self.choices else None,
            "tolerance": self.tolerance.to_dict(),
        }
        if with_answer:
            data |= {
                "answer": self.answer,
                "answer_text": self.answer_text,
                "misconceptions": [m.to_dict() for m in self.misconceptions],
                "solution": [s.to_dict() for s in self.solution],
            }
        return data


@dataclass(frozen=True)
class Problem:
    """One generated problem: a pure function of (template, seed, limits)."""

    template: str
    seed: int
    title: str
    params: Mapping[str, Any]
    inputs: Mapping[str, str]
    prompt: str
    parts: tuple[Part, ...]
    convention: str | None = None

    def part(self, key: str) -> Part:
        for part in self.parts:
            if part.key == key:
                return part
        raise ProblemInputError(key, f"this problem has no part {key!r}")

    @property
    def part_keys(self) -> tuple[str, ...]:
        return tuple(p.key for p in self.parts)

    def to_dict(self, *, with_answers: bool = False) -> dict[str, Any]:
        return {
            "template": self.template,
            "seed": self.seed,
            "title": self.title,
            "params": dict(self.params),
            "prompt": self.prompt,
            "convention": self.convention,
            "parts": [p.to_dict(with_answer=with_answers) for p in self.parts],
        }


# What a limit may hold: the JSON scalars (never a list or object in a list).
_SCALAR = (str, int, float, bool)


@dataclass(frozen=True)
class ParamSpec:
    """One randomized parameter: a list of choices or a numeric grid.

    A choice spec draws one of ``choices`` (strings or numbers); a range spec
    draws ``low + k·step`` for a whole k, up to ``high``. Teachers narrow a
    spec with a *limit*: a subset of the choices, or ``[low, high]``.
    """

    name: str
    label: str
    choices: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None
    step: float | None = None
    help: str = ""

    def describe(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "label": self.label,
            "help": self.help,
        }
        if self.choices:
            data |= {"kind": "choice", "choices": list(self.choices)}
        else:
            data |= {
                "kind": "range",
                "low": self.low,
                "high": self.high,
                "step": self.step,
            }
        return data

    def draw(self, rng: random.Random, limit: Any = None) -> Any:
        if self.choices:
            pool = self._limited_choices(limit)
            return pool[rng.randrange(len(pool))]
        low, high = self._limited_range(limit)
        if self.step is None or self.low is None:
            raise ValueError(f"{self.name}: a range needs low and step")
        first = math.ceil((low - self.low) / self.step - 1e-9)
        last = math.floor((high - self.low) / self.step + 1e-9)
        k = first + rng.randrange(last - first + 1)
        return round(self.low + k * self.step, 10)

    def _limited_choices(self, limit: Any) -> tuple[Any, ...]:
        if limit is None:
            return self.choices
        if isinstance(limit, str) or not isinstance(limit, Sequence):
            limit = [limit]
        if not all(isinstance(item, _SCALAR) for item in limit):
            raise ProblemInputError(
                self.name,
                f"limit must be one of {list(self.choices)} or a list of them",
            )
        allowed = tuple(c for c in self.choices if c in set(limit))
        if not allowed:
            raise ProblemInputError(
                self.name, f"limit must name some of {list(self.choices)}"
            )
        return allowed

    def _limited_range(self, limit: Any) -> tuple[float, float]:
        if self.low is None or self.high is None or not self.step:
            raise ValueError(f"{self.name}: a range needs low, high and step")
        if limit is None:
            return self.low, self.high
        if (
            isinstance(limit, str)
            or not isinstance(limit, Sequence)
            or len(limit) != 2
            or not all(
                isinstance(x, _SCALAR) and not isinstance(x, bool) for x in limit
            )
        ):
            raise ProblemInputError(self.name, "limit must be [low, high]")
        try:
            low, high = (float(x) for x in limit)
        except (TypeError, ValueError, OverflowError):
            raise ProblemInputError(self.name, "limit must be [low, high]") from None
        low, high = max(low, self.low), min(high, self.high)
        if not low <= high or math.floor(
            (high - self.low) / self.step + 1e-9
        ) < math.ceil((low - self.low) / self.step - 1e-9):
            raise ProblemInputError(
                self.name, f"limit must overlap [{self.low:g}, {self.high:g}]"
            )
        return low, high


@dataclass(frozen=True)
class Built:
    """What a template's ``build`` returns."""

    prompt: str
    parts: tuple[Part, ...]
    inputs: Mapping[str, str]
    derived: Mapping[str, Any] = field(default_factory=dict)
    convention: str | None = None


@dataclass(frozen=True)
class Template:
    """A family of problems.

    Attributes:
        key: Stable key ("training-memory-mixed").
        title: Short title.
        objective: Learning objective key (see :data:`OBJECTIVES`).
        section: Lesson section anchor (see :data:`SECTIONS`).
        summary: One sentence on what is practised.
        params: The parameter space, drawn in this order.
        inputs: Names of the displayed inputs the answers depend on; every one
            is shown in the prompt.
        build: Parameters (drawn + nothing else) -> :class:`Built`.
    """

    key: str
    title: str
    objective: str
    section: str
    summary: str
    params: tuple[ParamSpec, ...]
    inputs: tuple[str, ...]
    build: Callable[[dict[str, Any]], Built]

    def describe(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "objective": self.objective,
            "section": self.section,
            "summary": self.summary,
            "params": [p.describe() for p in self.params],
        }


_REGISTRY: dict[str, Template] = {}


def register(template: Template) -> Template:
    if template.objective not in OBJECTIVES:
        raise ValueError(f"{template.key}: unknown objective {template.objective}")
    if template.section not in SECTIONS:
        raise ValueError(f"{template.key}: unknown section {template.section}")
    if template.key in _REGISTRY:
        raise ValueError(f"duplicate template {template.key}")
    _REGISTRY[template.key] = template
    return template


def templates() -> tuple[Template, ...]:
    """Every registered template, in the order of the lesson's sections."""
    return tuple(sorted(_REGISTRY.values(), key=lambda t: SECTIONS.index(t.section)))


def get_template(key: object) -> Template:
    """The template called ``key``; ProblemInputError("template") if unknown."""
    if not isinstance(key, str) or key not in _REGISTRY:
        raise ProblemInputError(
            "template", f"unknown template {key!r}; valid: {', '.join(_REGISTRY)}"
        )
    return _REGISTRY[key]


def check_seed(seed: object) -> int:
    """Return ``seed`` as an int in [0, 2^63); ProblemInputError("seed") if not."""
    if isinstance(seed, bool):
        raise ProblemInputError("seed", "seed must be a whole number")
    if isinstance(seed, str) and seed.strip().isdigit():
        seed = int(seed.strip())
    if not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise ProblemInputError(
            "seed", f"seed must be a whole number in [0, {MAX_SEED}]"
        )
    return seed


def check_limits(
    template: Template, limits: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Validate teacher limits for ``template`` (names and overlap)."""
    if not limits:
        return {}
    if not isinstance(limits, Mapping):
        raise ProblemInputError("limits", "limits must map parameter names to values")
    specs = {p.name: p for p in template.params}
    for name, limit in limits.items():
        if name not in specs:
            raise ProblemInputError(name, f"{template.key} has no parameter {name!r}")
        spec = specs[name]
        if spec.choices:
            spec._limited_choices(limit)
        else:
            spec._limited_range(limit)
    return dict(limits)


def generate(
    template_key: str, seed: int, *, limits: Mapping[str, Any] | None = None
) -> Problem:
    """Generate the problem for (template, seed): the same inputs, the same problem.

    Args:
        template_key: A registered template key.
        seed: A whole number in [0, 2^63).
        limits: Optional teacher limits per parameter (choices subset or
            [low, high]); omitted parameters use their full space.

    Raises:
        ProblemInputError: naming ``template``, ``seed`` or the parameter.
    """
    template = get_template(template_key)
    seed = check_seed(seed)
    limits = check_limits(template, limits)
    rng = random.Random(seed)
    params = {
        spec.name: spec.draw(rng, limits.get(spec.name)) for spec in template.params
    }
    built = template.build(dict(params))
    return Problem(
        template=template.key,
        seed=seed,
        title=template.title,
        params={**params, **built.derived},
        inputs=dict(built.inputs),
        prompt=built.prompt,
        parts=built.parts,
        convention=built.convention,
    )


# --- helpers for templates ---------------------------------------------------


def fmt(value: float, digits: int = 4) -> str:
    """A number for prompts and answers: 7,000,000,000 / 193.7 / 6.1e-05."""
    if isinstance(value, bool):
        return str(value)
    if value == 0:
        return "0"
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    magnitude = abs(value)
    if magnitude >= 1e15 or magnitude < 1e-3:
        return f"{value:.{digits}g}".replace("e+", "e")
    text = f"{value:,.{digits}g}" if magnitude >= 1 else f"{value:.{digits}g}"
    if "e" in text:
        text = f"{value:,.{max(digits - len(str(int(magnitude))), 0)}f}"
    return text


def part(
    key: str,
    label: str,
    answer: float,
    unit: str,
    solution: Sequence[Step],
    misconceptions: Sequence[Misconception] = (),
    *,
    tolerance: Tolerance = REL_1PCT,
    unit_mixups: bool = True,
) -> Part:
    """Build a part; drop misconceptions that the tolerance cannot tell apart.

    A misconception is kept only when its answer lies outside the tolerance of
    the correct answer and of every misconception kept before it, so the order
    of ``misconceptions`` is the order of preference. For byte answers in GB or
    GiB, ``unit_mixups`` adds "GiB labelled GB" (and the reverse).

    Raises:
        ValueError: the last solution step does not equal the answer.
    """
    if not solution or solution[-1].value != answer or solution[-1].unit != unit:
        raise ValueError(f"part {key}: the last solution step must be the answer")
    found = list(misconceptions)
    if unit_mixups:
        found += _unit_mixups(answer, unit)
    target = units.unit(unit)
    kept: list[Misconception] = []
    for m in found:
        if not math.isfinite(m.value):
            continue
        base = units.unit(m.unit).to_base(m.value)
        if units.unit(m.unit).dimension != target.dimension:
            continue
        value = target.from_base(base)
        clash = tolerance.accepts(answer, value) or any(
            tolerance.accepts(
                target.from_base(units.unit(k.unit).to_base(k.value)), value
            )
            or tolerance.accepts(
                value, target.from_base(units.unit(k.unit).to_base(k.value))
            )
            for k in kept
        )
        if not clash:
            kept.append(m)
    return Part(key, label, answer, unit, tolerance, tuple(kept), tuple(solution))


def _unit_mixups(answer: float, unit: str) -> list[Misconception]:
    pairs = {
        "GB": "GiB",
        "GiB": "GB",
        "TB": "TiB",
        "TiB": "TB",
        "MB": "MiB",
        "MiB": "MB",
    }
    if unit not in pairs:
        return []
    other = pairs[unit]
    in_other = units.convert(answer, unit, other)
    decimal = unit.endswith("B") and "i" not in unit
    if decimal:
        first = Misconception(
            "gib_labelled_gb",
            in_other,
            unit,
            f"That is the size in {other} (÷ 2^30), labelled {unit}. The question asks "
            f"for {unit}: 1 {unit} = 10^9 bytes; 1 {other} = 2^30 = 1,073,741,824 bytes.",
        )
        second = Misconception(
            "gb_labelled_gib",
            answer,
            other,
            f"The number is right in {unit} but labelled {other}; {other} is 2^30 bytes, "
            f"{unit} 10^9, a 7% difference.",
        )
    else:
        first = Misconception(
            "gb_labelled_gib",
            in_other,
            unit,
            f"That is the size in {other} (÷ 10^9), labelled {unit}. 1 {unit} = 2^30 "
            f"bytes, 1 {other} = 10^9 bytes.",
        )
        second = Misconception(
            "gib_labelled_gb",
            answer,
            other,
            f"The number is right in {unit} but labelled {other}; they differ by 7%.",
        )
    return [first, second]


def final(label: str, expression: str, value: float, unit: str) -> Step:
    """The last step of a part: the answer in the part's unit."""
    return Step(label, expression, value, unit)


def in_unit(label: str, num_bytes: float, unit: str) -> Step:
    """A step converting bytes into ``unit`` (GB, GiB, B/param...)."""
    divisor = units.unit(unit).factor
    shown = {1e9: "10^9", 2.0**30: "2^30", 1e12: "10^12", 2.0**40: "2^40", 1e6: "10^6"}
    return Step(
        label,
        f"{fmt(num_bytes)} B / {shown.get(divisor, fmt(divisor))}",
        num_bytes / divisor,
        unit,
    )
