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
from lessons.precision.steps import show, show_bytes
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

    @property
    def exact(self) -> bool:
        """Whether only the answer itself is accepted (up to float rounding)."""
        return self.kind != "sigfigs" and self.amount <= (
            1e-6 if self.kind == "relative" else 0.0
        )

    def describe(self) -> str:
        """The tolerance in words: "within 1%", "within ±0.5", "exactly"."""
        if self.exact:
            return "exactly"
        if self.kind == "relative":
            return f"within {self.amount * 100:g}%"
        if self.kind == "absolute":
            return f"within ±{self.amount:g}"
        return f"to {int(self.amount)} significant figures"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "amount": self.amount, "text": self.describe()}


REL_1PCT = Tolerance("relative", 0.01)
EXACT = Tolerance("relative", 1e-9)


#: Every misconception's name as a learner or a teacher reads it, by its id.
#: Ids are shared by templates that test the same slip.
MISCONCEPTION_TITLES: dict[str, str] = {
    "absolute_error": "Absolute error given as the relative error",
    "adam_one_state": "Adam counted with one state instead of two",
    "bits_as_bytes": "Bits counted as bytes",
    "capacity_read_as_gb": "Card capacity read as GB instead of GiB",
    "compared_with_epsilon": "Update compared with epsilon at 1, not the spacing at the weight",
    "converted_wrong_way": "Converted between GB and GiB the wrong way",
    "counted_all_bits": "Epsilon from all the bits, not the mantissa bits",
    "default_scale": "GradScaler's initial scale taken as the answer",
    "divided_by_1024_once": "GB and GiB taken to differ by 1024/1000 once",
    "eight_bytes_per_moment": "8-bit read as 8 bytes",
    "epsilon_as_error": "Machine epsilon taken as this value's error",
    "epsilon_times_weight": "Spacing taken as epsilon times the weight",
    "epsilon_unscaled": "Epsilon at 1 used at another magnitude",
    "everything_8_bit": "Everything counted in 8 bits, not only Adam's moments",
    "extra_master_copy": "A master copy counted for fp32 weights",
    "forgot_attention_term": "Attention-score term left out",
    "forgot_backward_factor": "Backward pass counted once, not twice the forward",
    "forgot_batch": "Batch left out",
    "forgot_block_scales": "Block scales left out",
    "forgot_implicit_bit_is_free": "Implicit leading bit counted as stored",
    "forgot_k_and_v": "Keys or values left out (the factor 2)",
    "forgot_mantissa": "Largest significand taken as 2",
    "forgot_master_weights": "fp32 master weights left out",
    "forgot_optimizer_states": "Optimizer states left out",
    "forgot_sign_bit": "Sign bit left out",
    "forgot_tensor_parallel": "Tensor/sequence parallel split left out",
    "forgot_utilization": "Utilization left out",
    "forward_only": "Forward pass only (2ND instead of 6ND)",
    "fp32_adam": "Adam's moments counted in fp32",
    "fp32_everything": "Counted as fp32 or mixed-precision training",
    "fp32_weights": "Working weights counted in fp32",
    "fraction_not_percent": "A fraction given where a percent is asked",
    "full_spacing": "The whole spacing taken as the threshold, not half",
    "gb_labelled_gib": "Right number in GB, labelled GiB",
    "gib_labelled_gb": "Size in GiB given where GB is asked",
    "half_epsilon_bound": "Worst-case rounding error given instead of this value's",
    "hours_as_days": "Hours given as days",
    "ignored_convention": "The stated gradient convention ignored",
    "ignored_factor": "The 6 of 6ND left out",
    "kept_master_weights": "A master copy counted in pure bf16",
    "kib_as_kb": "Size in kB given where KiB is asked",
    "master_in_16_bit": "Master weights counted in 16 bits",
    "mixed_precision_halves": "Mixed precision taken to halve memory",
    "multiplied_by_utilization": "Multiplied by the utilization instead of dividing",
    "no_rounding": "The value taken as exact, without rounding",
    "no_saving": "Recomputation taken to save nothing",
    "not_power_of_two": "A scale that is not a power of two",
    "one_layer": "One layer instead of all of them",
    "one_moment": "8-bit Adam counted with one moment",
    "query_heads": "Query heads used instead of key/value heads",
    "recompute_stores_nothing": "Full recomputation taken to store nothing",
    "rounded_down": "Rounded down where it must round up",
    "rounded_up": "Rounded up where it must not",
    "saved_everything": "The 8-bit moments taken to cost nothing",
    "saved_is_quantized_size": "The quantized size given as the saving",
    "saved_total_halved": "8-bit Adam taken to halve all of training memory",
    "scale_per_weight": "One scale per weight instead of per block",
    "sharded_gradients": "Gradients sharded at a stage that keeps them whole",
    "sharded_optimizer": "Optimizer states sharded at stage 0",
    "sharded_weights": "Weights sharded before stage 3",
    "significand_one": "Largest significand taken as 1",
    "smallest_subnormal": "Smallest subnormal taken as the spacing",
    "sparse_peak": "The 2:4-sparse peak used for dense training",
    "specials_fn": "Special values read as in the fn formats (no inf)",
    "specials_ieee": "Special values read as in IEEE formats (inf and NaN)",
    "specials_none": "Special values read as absent",
    "total_over_all_gpus": "Summed over all GPUs instead of per GPU",
    "truncated": "Truncated instead of rounded to nearest",
    "unit_roundoff": "Unit roundoff given instead of epsilon",
    "unquantized_size": "Size before quantization",
    "unsharded_gradients": "Gradients not sharded at stage 2 or 3",
    "unsharded_optimizer": "Optimizer states not sharded from stage 1",
    "unsharded_weights": "Weights not sharded at stage 3",
    "update_always_applies": "An update taken to always change the weight",
    "used_16_bit": "Counted in 16 bits",
    "used_16_convention": "The 16 bytes/param convention used instead of the stated one",
    "used_18_convention": "The 18 bytes/param convention used instead of the stated one",
    "used_20_convention": "The 20 bytes/param convention used instead of the stated one",
    "used_2_16": "65,536 used instead of fp16's largest value",
    "used_full": "Full recomputation used instead of selective",
    "used_selective": "Selective recomputation used instead of full",
    "used_stage_0": "ZeRO stage 0's figure",
    "used_stage_1": "ZeRO stage 1's figure",
    "used_stage_2": "ZeRO stage 2's figure",
    "used_stage_3": "ZeRO stage 3's figure",
    "used_subnormal": "Aimed at the smallest subnormal, not the smallest normal",
    "used_total_params": "A mixture of experts' total parameters used for compute",
    "weights_only": "Weights only",
    "divided_everything": "Every state divided by the GPUs",
}


def misconception_title(name: str) -> str:
    """A misconception id as words: its registered title, else the id spelled out.

    Args:
        name: A misconception id ("gib_labelled_gb"), as grades and answers store it.

    Returns:
        The human name ("Size in GiB given where GB is asked").
    """
    if name in MISCONCEPTION_TITLES:
        return MISCONCEPTION_TITLES[name]
    words = name.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]


#: Units a learner types a byte count in (bits excluded), and "" for no unit.
BYTE_LABELS: tuple[str, ...] = (
    "",
    *(
        s
        for s in ("B", "KB", "MB", "GB", "TB", "PB", "KiB", "MiB", "GiB", "TiB", "PiB")
        if units.unit(s).dimension == units.BYTES
    ),
)


@dataclass(frozen=True)
class Misconception:
    """A named mistake, the answer it produces and what to tell the learner.

    Attributes:
        name: Stable id ("gib_labelled_gb"); :attr:`title` is its name in words.
        value: The wrong answer, in ``unit``.
        unit: The unit ``value`` is stated in.
        feedback: What the mistake is, for the learner.
        typed_units: For a mix-up of units: the units (canonical symbols, ""
            for none) the learner must have typed for this to be the mistake;
            None when the mistake lies in the number, whatever unit is typed.
    """

    name: str
    value: float
    unit: str
    feedback: str
    typed_units: tuple[str, ...] | None = None

    @property
    def title(self) -> str:
        """The misconception's name in words (see :func:`misconception_title`)."""
        return misconception_title(self.name)

    def applies_to(self, typed_unit: str) -> bool:
        """Whether an answer typed in ``typed_unit`` ("" for none) can show it."""
        return self.typed_units is None or typed_unit in self.typed_units

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "value": self.value,
            "unit": self.unit,
            "typed_units": list(self.typed_units)
            if self.typed_units is not None
            else None,
            "feedback": self.feedback,
        }


def step_value_text(step: Step, *, choice: bool = False) -> str:
    """A step's result as a person writes it.

    Whole numbers without ".0" and with thousands separators (131,008), byte
    counts with GB and GiB beside them, and "yes"/"no" for a yes/no step; the
    formatting is :mod:`lessons.precision.steps`' own, as everywhere else.
    """
    if choice:
        return "yes" if step.value else "no"
    if not math.isfinite(step.value):
        return f"{step.value} {step.unit}".strip()
    text = f"{show(step.value)} {_unit_word(step.value, step.unit)}".strip()
    if step.unit == "B":
        text += f" ({show_bytes(step.value)})"
    return text


def _unit_word(value: float, unit: str) -> str:
    """The unit as written after ``value``: "1 GPU", "2 GPUs"."""
    return "GPU" if unit == "GPUs" and value == 1 else unit


def step_text(step: Step, *, choice: bool = False) -> str:
    """One line of a worked solution: "label: expression = result".

    A yes/no step whose expression already ends in its verdict is not
    followed by "= yes" (nor by the 1.0/0.0 it is stored as).
    """
    value = step_value_text(step, choice=choice)
    if choice and step.expression.rstrip(" .").endswith(value):
        return f"{step.label}: {step.expression}"
    return f"{step.label}: {step.expression} = {value}"


def _step_dict(step: Step, *, choice: bool) -> dict[str, Any]:
    return step.to_dict() | {
        "value_text": step_value_text(step, choice=choice),
        "text": step_text(step, choice=choice),
    }


@dataclass(frozen=True)
class Part:
    """One graded answer of a problem.

    Attributes:
        key: Stable key ("weights", "total").
        label: What is asked, without the unit ("Working weights");
            :attr:`field_label` adds the unit once, for a form.
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
        return f"{fmt(self.answer, 6)} {_unit_word(self.answer, self.unit)}".strip()

    @property
    def field_label(self) -> str:
        """The label with its unit, once: "Working weights (GB)"."""
        if self.choices or not self.unit:
            return self.label
        return f"{self.label} ({self.unit})"

    @property
    def tolerance_text(self) -> str:
        """How close an answer must be, in words; "" for a yes/no part."""
        return "" if self.choices else self.tolerance.describe()

    def solution_lines(self) -> tuple[str, ...]:
        """The worked solution, one line per step (see :func:`step_text`)."""
        last = len(self.solution) - 1
        return tuple(
            step_text(s, choice=bool(self.choices) and i == last)
            for i, s in enumerate(self.solution)
        )

    def to_dict(self, *, with_answer: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "key": self.key,
            "label": self.label,
            "field_label": self.field_label,
            "unit": self.unit,
            "choices": list(self.choices) if self.choices else None,
            "tolerance": self.tolerance.to_dict() | {"text": self.tolerance_text},
        }
        if with_answer:
            last = len(self.solution) - 1
            data |= {
                "answer": self.answer,
                "answer_text": self.answer_text,
                "misconceptions": [m.to_dict() for m in self.misconceptions],
                "solution": [
                    _step_dict(s, choice=bool(self.choices) and i == last)
                    for i, s in enumerate(self.solution)
                ],
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


def draw_params(
    template_key: str, seed: int, *, limits: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The parameters :func:`generate` draws for (template, seed, limits).

    Cheap (no problem is built): for choosing among seeds by their numbers.

    Raises:
        ProblemInputError: naming ``template``, ``seed`` or the parameter.
    """
    template = get_template(template_key)
    rng = random.Random(check_seed(seed))
    limits = check_limits(template, limits)
    return {
        spec.name: spec.draw(rng, limits.get(spec.name)) for spec in template.params
    }


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
    params = draw_params(template.key, seed, limits=limits)
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
        ValueError: the last solution step does not equal the answer, or the
            label names the unit (pages add it once, see ``field_label``).
    """
    if not solution or solution[-1].value != answer or solution[-1].unit != unit:
        raise ValueError(f"part {key}: the last solution step must be the answer")
    if unit and label.endswith(f"({unit})"):
        raise ValueError(f"part {key}: the label must not name the unit {unit!r}")
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
    """The GB/GiB (MB/MiB, TB/TiB) mix-ups of an answer in ``unit``.

    Each names the unit the learner typed, so each applies only when that unit
    (or, for the number of the other unit, no unit) was typed: 224 GB typed
    for 208 GB is the same bytes as 208 GiB, but nobody labelled it GiB.
    """
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
    decimal = "i" not in unit
    one = units.unit(unit).factor
    one_other = units.unit(other).factor
    power = {1e6: "10^6", 1e9: "10^9", 1e12: "10^12"}
    binary = {2.0**20: "2^20", 2.0**30: "2^30", 2.0**40: "2^40"}
    shown = power | binary
    first = Misconception(
        f"{'gib_labelled_gb' if decimal else 'gb_labelled_gib'}",
        in_other,
        unit,
        f"That is the size in {other} (bytes ÷ {shown[one_other]}); the question asks "
        f"for {unit}: 1 {unit} = {shown[one]} = {fmt(one)} bytes, 1 {other} = "
        f"{shown[one_other]} = {fmt(one_other)} bytes.",
        typed_units=(unit, ""),
    )
    second = Misconception(
        f"{'gb_labelled_gib' if decimal else 'gib_labelled_gb'}",
        answer,
        other,
        f"The number is right in {unit} but labelled {other}; 1 {other} is "
        f"{shown[one_other]} bytes, 1 {unit} {shown[one]}, a "
        f"{abs(one_other / one - 1) * 100:.0f}% difference.",
        typed_units=(other,),
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
