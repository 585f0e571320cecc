"""Reads of the lessons app: the outline, lesson pages, objective links, and the
precision tools (formats, encodings, memory and compute calculators).

The calculators take raw query strings (``{"params": "7e9", ...}``), parse
them, call :mod:`lessons.precision` and return JSON-safe dicts: the API and the
htmx fragments on the lesson page call the same functions. Bad input raises
:class:`~lessons.precision.PrecisionInputError` naming every bad field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from django.apps import apps
from django.db.models import Prefetch, QuerySet
from django.http import Http404

from lessons import precision
from lessons.models import Course, LearningObjective, Lesson, Phase
from lessons.precision import memory
from lessons.precision.errors import PrecisionInputError
from lessons.problems.units import read_number

UNITS = "GB = 10^9 bytes, GiB = 2^30 bytes"
#: The cards the calculators check a result against: 24, 40, 80 and 141 GB.
CARDS = ("rtx4090_24gb", "a100_40gb", "h100_80gb", "h200_141gb")

# --------------------------------------------------------------------------
# Outline and lessons


def course_outline() -> QuerySet[Course]:
    """Every course with its phases and all their lessons, published or not."""
    lessons = Lesson.objects.order_by("order").only(
        "phase_id",
        "slug",
        "title",
        "order",
        "published",
        "phase_closer",
        "summary",
        "read_minutes",
        "practice_minutes",
        "difficulty",
    )
    phases = Phase.objects.order_by("number").prefetch_related(
        Prefetch("lessons", queryset=lessons)
    )
    return Course.objects.prefetch_related(Prefetch("phases", queryset=phases))


def lesson_list() -> QuerySet[Lesson]:
    """All lessons in outline order, with their phase and live objectives."""
    return (
        Lesson.objects.select_related("phase", "phase__course")
        .prefetch_related(_live_objectives())
        .order_by("phase__course__slug", "phase__number", "order")
    )


def lesson_get(*, slug: str) -> Lesson:
    """A published lesson with everything its page shows.

    Raises:
        Http404: no such lesson, or it is not published (no empty pages).
    """
    lesson = (
        Lesson.objects.filter(slug=slug, published=True)
        .select_related("phase", "phase__course")
        .prefetch_related(_live_objectives(), "sections", "prerequisites__required")
        .first()
    )
    if lesson is None:
        raise Http404("No published lesson with this slug.")
    return lesson


def _live_objectives() -> Prefetch:
    return Prefetch(
        "objectives",
        queryset=LearningObjective.objects.filter(retired=False).order_by("order"),
    )


def phase_neighbours(*, lesson: Lesson) -> dict[str, Lesson | None]:
    """The published lessons before and after this one in its phase."""
    siblings = lesson.phase.lessons.filter(published=True).order_by("order")
    return {
        "previous": siblings.filter(order__lt=lesson.order).last(),
        "next": siblings.filter(order__gt=lesson.order).first(),
    }


# --------------------------------------------------------------------------
# What practises each objective


@dataclass(frozen=True)
class ObjectiveLink:
    """A link to something that practises an objective.

    ``kind`` is "cards", "problems", "demo" or "tool"; apps choose the label.
    """

    kind: str
    label: str
    url: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "label": self.label, "url": self.url}


def objective_links(*, lesson: Lesson, key: str) -> list[ObjectiveLink]:
    """Ask every installed app what practises objective ``key`` of ``lesson``.

    An app contributes by giving its ``AppConfig`` a method
    ``objective_links(lesson, key)`` that returns ``ObjectiveLink``s (or
    dicts with kind, label and url). The flashcards, problems and demos apps
    add theirs as they land; nothing here needs to change.
    """
    links: list[ObjectiveLink] = []
    for config in apps.get_app_configs():
        provider = getattr(config, "objective_links", None)
        if callable(provider):
            links.extend(_as_link(item) for item in provider(lesson, key) or ())
    return links


def _as_link(item: ObjectiveLink | Mapping[str, str]) -> ObjectiveLink:
    if isinstance(item, ObjectiveLink):
        return item
    return ObjectiveLink(kind=item["kind"], label=item["label"], url=item["url"])


def lesson_objectives(*, lesson: Lesson) -> list[dict[str, Any]]:
    """The lesson's live objectives, each with the links that practise it."""
    return [
        {
            "key": objective.key,
            "text": objective.text,
            "links": [
                link.to_dict()
                for link in objective_links(lesson=lesson, key=objective.key)
            ],
        }
        for objective in lesson.objectives.all()
        if not objective.retired
    ]


#: Interactive tools on a lesson's page: (anchor, label, objective, after).
#: Each tool is placed after the section with anchor ``after``.
LESSON_TOOLS: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "why-precision-matters": (
        (
            "float-explorer",
            "Float explorer",
            "fp-representation",
            "range-versus-precision",
        ),
        (
            "memory-calculator",
            "Memory calculator",
            "fewer-bits-save",
            "what-fewer-bits-save",
        ),
    ),
}


def lesson_page_links(lesson: Lesson, key: str) -> list[ObjectiveLink]:
    """The lessons app's own links: in-page check-yourself cards and tools."""
    url = lesson.get_absolute_url()
    cards = [c for c in lesson.cards if c.get("objective") == key]
    links = []
    if cards:
        count = f"{len(cards)} question{'s' if len(cards) != 1 else ''}"
        links.append(
            ObjectiveLink(
                "cards", f"Check yourself ({count})", f"{url}#card-{cards[0]['key']}"
            )
        )
    for anchor, label, objective, _after in LESSON_TOOLS.get(lesson.slug, ()):
        if objective == key:
            links.append(ObjectiveLink("tool", label, f"{url}#{anchor}"))
    return links


# --------------------------------------------------------------------------
# Parsing raw input (query strings, form fields)

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


class _Parser:
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


# --------------------------------------------------------------------------
# Formats


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
    parser = _Parser({"value": value, "scale": scale})
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
    parser = _Parser({"value": value, "scale": scale})
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


# --------------------------------------------------------------------------
# Calculators

_FORMATS = precision.FORMAT_NAMES


@dataclass(frozen=True)
class Calculator:
    """A calculator of the API: its inputs and the function it runs."""

    name: str
    summary: str
    params: tuple[Param, ...]
    run: Callable[..., dict[str, Any]]

    def __call__(self, data: Mapping[str, Any]) -> dict[str, Any]:
        parser = _Parser(data)
        values = {p.name: parser.parse(p) for p in self.params}
        if parser.errors:
            self._check_the_rest(values, parser)
        result = self.run(**values)
        result["inputs"] = {k: _optional(v) for k, v in values.items()}
        result["defaults"] = {k: _optional(v) for k, v in parser.defaults.items()}
        result["units"] = UNITS
        return json_safe(result)

    def _check_the_rest(self, values: dict[str, Any], parser: _Parser) -> None:
        """Raise every problem at once: the unparsable fields, and what the
        domain says about the others (run with stand-ins for the bad ones)."""
        stand_in = {
            p.name: 1 if p.default is None else p.default
            for p in self.params
            if p.name in parser.errors
        }
        errors = dict(parser.errors)
        try:
            self.run(**{**values, **stand_in})
        except PrecisionInputError as error:
            errors = {**error.errors, **errors}
        order = [p.name for p in self.params]
        raise PrecisionInputError(
            dict(sorted(errors.items(), key=lambda kv: _index(order, kv[0])))
        )


def _index(order: list[str], name: str) -> int:
    return order.index(name) if name in order else len(order)


def _fits(total_bytes: float) -> list[dict[str, Any]]:
    if not total_bytes > 0:
        return []
    out = []
    for name in CARDS:
        card = precision.gpu(name)
        fit = precision.fits(total_bytes, card)
        out.append(
            {
                "gpu": card.name,
                "label": card.label,
                "capacity_gb": round(card.memory_bytes / 2**30),
                "fits": fit.fits,
                "fraction_used": fit.fraction_used,
                "min_gpus": fit.min_gpus,
                "free": {
                    "bytes": fit.free_bytes,
                    "GB": fit.free_bytes / 1e9,
                    "GiB": fit.free_bytes / 2**30,
                },
            }
        )
    return out


def _size(nbytes: float) -> dict[str, float]:
    return {"bytes": nbytes, "GB": nbytes / 1e9, "GiB": nbytes / 2**30}


def _training(**kw: Any) -> dict[str, Any]:
    result = memory.training_memory(**kw)
    data = result.to_dict()
    return {
        **data,
        **_size(result.total_bytes),
        "convention": (
            f"Model states only (activations separate): {result.convention}; "
            f"ZeRO stage {result.zero_stage} over {result.gpus} "
            f"GPU{'s' if result.gpus != 1 else ''}; per GPU unless under all_gpus"
        ),
        "fits": _fits(result.total_bytes),
    }


def _inference(**kw: Any) -> dict[str, Any]:
    result = memory.inference_memory(**kw)
    block = (
        f"one fp32 scale per block of {result.block_size}"
        + (" (double-quantized)" if result.double_quant else "")
        if result.block_size
        else "no block scales"
    )
    return {
        **result.to_dict(),
        **_size(result.total_bytes),
        "convention": (
            f"Weights only: {result.dtype} at {result.bits_per_param:g} bits per "
            f"parameter, {block}"
        ),
        "fits": _fits(result.total_bytes),
    }


def _kv(**kw: Any) -> dict[str, Any]:
    result = memory.kv_cache(**kw)
    return {
        **result.to_dict(),
        **_size(result.total_bytes),
        "convention": (
            "2 (K and V) × layers × kv_heads × head_dim × bytes per value "
            f"({result.dtype}) × seq_len × batch"
        ),
        "fits": _fits(result.total_bytes),
    }


def _activations(**kw: Any) -> dict[str, Any]:
    result = memory.activation_memory(**kw)
    return {
        **result.to_dict(),
        **_size(result.total_bytes),
        "convention": (
            "16-bit activations per GPU, Korthikanti et al. 2022: "
            f"{result.formula} per layer; embeddings and output layer not counted"
        ),
    }


def _compute(**kw: Any) -> dict[str, Any]:
    result = precision.training_compute(**kw)
    return {
        **result.to_dict(),
        "petaflop_days": result.flops / (1e15 * 86_400),
        "convention": "6·N·D FLOPs (Kaplan et al. 2020): 2·N·D forward, 4·N·D backward",
    }


def _optional(value: Any) -> Any:
    """An optional input left out ("") is None for the domain; 0 stays 0."""
    return None if value == "" else value


_DTYPE_HELP = "Number format: " + ", ".join(_FORMATS)
CALCULATORS: dict[str, Calculator] = {
    c.name: c
    for c in (
        Calculator(
            "training-memory",
            "Model-state memory of training: weights, gradients, master weights, "
            "optimizer states, per GPU and in all (ZeRO).",
            (
                Param("params", "count", None, "Parameters (7e9 is fine)"),
                Param("weights_dtype", "format", "bf16", _DTYPE_HELP),
                Param(
                    "grads_dtype",
                    "format",
                    "",
                    "Gradient format (default: weights_dtype)",
                ),
                Param(
                    "accumulation_dtype",
                    "format",
                    "",
                    "Format of a separate gradient accumulation buffer, counted "
                    "besides the gradients (default: none). fp32 gives the 20 "
                    "B/param of the Ultra-Scale Playbook and DeepSpeed's ZeRO-2 "
                    "estimator",
                ),
                Param(
                    "master_weights",
                    "master",
                    True,
                    "true (fp32 copy), false, or a format",
                ),
                Param(
                    "optimizer",
                    "choice",
                    "adam",
                    "Optimizer",
                    tuple(memory.OPTIMIZER_STATES),
                ),
                Param(
                    "optimizer_dtype",
                    "format",
                    "",
                    "Format of the optimizer states (default: fp32; not with "
                    "adam8bit). bf16 with master_weights=false is pure bf16 "
                    "training, 8 B/param with Adam",
                ),
                Param("zero_stage", "count", 0, "ZeRO stage 0-3"),
                Param("gpus", "count", 1, "Data-parallel GPUs"),
            ),
            lambda **kw: _training(
                **{
                    **kw,
                    "grads_dtype": _optional(kw["grads_dtype"]),
                    "accumulation_dtype": _optional(kw["accumulation_dtype"]),
                    "optimizer_dtype": _optional(kw["optimizer_dtype"]),
                }
            ),
        ),
        Calculator(
            "inference-memory",
            "Weight memory for inference, quantization constants included.",
            (
                Param("params", "count", None, "Parameters"),
                Param("dtype", "format", "bf16", _DTYPE_HELP),
                Param("block_size", "count", "", "Values per quantization block"),
                Param("double_quant", "bool", False, "Quantize the block scales too"),
            ),
            lambda **kw: _inference(
                **{**kw, "block_size": _optional(kw["block_size"])}
            ),
        ),
        Calculator(
            "kv-cache",
            "KV cache of autoregressive inference.",
            (
                Param("layers", "count", None, "Transformer layers"),
                Param("kv_heads", "count", None, "Key/value heads"),
                Param("head_dim", "count", None, "Dimension per head"),
                Param("seq_len", "count", None, "Tokens per sequence"),
                Param("batch", "count", 1, "Sequences"),
                Param("dtype", "format", "bf16", _DTYPE_HELP),
            ),
            _kv,
        ),
        Calculator(
            "activation-memory",
            "Activation memory per GPU (Korthikanti et al. 2022).",
            (
                Param("seq_len", "count", None, "Sequence length s"),
                Param("micro_batch", "count", 1, "Micro-batch size b"),
                Param("hidden", "count", None, "Hidden size h"),
                Param("heads", "count", None, "Attention heads a"),
                Param("layers", "count", None, "Transformer layers L"),
                Param("tensor_parallel", "count", 1, "Tensor-parallel size t"),
                Param("sequence_parallel", "bool", False, "Sequence parallelism"),
                Param(
                    "recompute",
                    "choice",
                    "none",
                    "Recomputation",
                    tuple(memory.RECOMPUTE_CHOICES),
                ),
            ),
            _activations,
        ),
        Calculator(
            "training-compute",
            "Training compute, 6·N·D FLOPs.",
            (
                Param("params", "count", None, "Parameters N"),
                Param("tokens", "count", None, "Training tokens D"),
            ),
            _compute,
        ),
    )
}


def calculate(name: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """Run calculator ``name`` on raw input (query strings or form data).

    Raises:
        PrecisionInputError: naming every bad field.
    """
    return CALCULATORS[name](data)


def training_memory_choices() -> dict[str, Iterable[str]]:
    """Choices for the memory calculator's form."""
    return {
        "formats": [f.name for f in precision.all_formats() if f.kind == "float"],
        "optimizers": tuple(memory.OPTIMIZER_STATES),
    }
