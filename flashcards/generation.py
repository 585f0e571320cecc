"""Cards generated from the precision domain and from a lesson's card blocks.

Pure (no Django): every figure comes from :mod:`lessons.precision` (the
format registry, ``training_memory``, ``inference_memory``) or from a problem
template of :mod:`lessons.problems`, and every generated note has a stable
``source_key``, so that regenerating finds the same note and edits its text in
place (`flashcards.lesson_cards` writes them; card ids, and so every
learner's schedule and review history, are kept).

=============================  ===========  ====================================
source key                     type         what it asks
=============================  ===========  ====================================
``lesson:<key>``               basic/cloze  a ```card`` block of the lesson
``format:<name>:layout``       cloze        sign/exponent/mantissa bits, bias
``format:<name>:range``        basic        largest finite, smallest normal and
                                            subnormal values
``format:<name>:epsilon``      numeric      the gap above 1 (2^-M)
``format:<name>:grid``         basic        integer/lookup formats: levels, range
``training:<setup>``           numeric      bytes per parameter of a setup
``training:<setup>:parts``     cloze        its weights/grads/master/optimizer
``inference:<dtype>``          numeric      GB of a 7B model's weights
``inference:<dtype>:saves``    basic        what it saves against fp32 (and bf16)
``problem:<template>``         parametric   a problem template, fresh numbers
=============================  ===========  ====================================
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lessons import precision, problems
from lessons.markup import format_number

#: The lesson these cards belong to, and its sections and objectives.
PRECISION_LESSON = "why-precision-matters"
FP_OBJECTIVE = "fp-representation"
SAVE_OBJECTIVE = "fewer-bits-save"
MIXED_OBJECTIVE = "quantization-vs-mixed"
ASYMMETRY_OBJECTIVE = "precision-asymmetry"

#: The model whose weights the inference cards size (as in the lesson).
EXAMPLE_PARAMS = 7_000_000_000
GB = 1e9


@dataclass(frozen=True)
class GeneratedNote:
    """A note the generator wants: where it comes from and what it says."""

    source_key: str
    type: str
    fields: Mapping[str, Any]
    objective: str
    section: str
    tags: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class TrainingSetup:
    key: str
    label: str
    kwargs: Mapping[str, Any]
    objective: str
    section: str


#: Training setups whose bytes per parameter get a card each.
TRAINING_SETUPS: tuple[TrainingSetup, ...] = (
    TrainingSetup(
        "fp32-adam",
        "plain fp32 training with Adam",
        {"weights_dtype": "fp32"},
        SAVE_OBJECTIVE,
        "what-fewer-bits-save",
    ),
    TrainingSetup(
        "mixed-bf16-adam",
        "mixed precision (bf16 weights and gradients, fp32 master weights) with Adam",
        {},
        MIXED_OBJECTIVE,
        "mixed-precision-training",
    ),
    TrainingSetup(
        "mixed-bf16-fp32-grads",
        "mixed precision with Adam, gradients kept in fp32",
        {"grads_dtype": "fp32"},
        MIXED_OBJECTIVE,
        "mixed-precision-training",
    ),
    TrainingSetup(
        "mixed-bf16-accumulation",
        "mixed precision with Adam and a separate fp32 gradient accumulation buffer",
        {"accumulation_dtype": "fp32"},
        MIXED_OBJECTIVE,
        "mixed-precision-training",
    ),
    TrainingSetup(
        "mixed-bf16-adam8bit",
        "mixed precision with 8-bit Adam (block-wise quantized moments)",
        {"optimizer": "adam8bit"},
        SAVE_OBJECTIVE,
        "what-fewer-bits-save",
    ),
    TrainingSetup(
        "pure-bf16-adam",
        "pure bf16 training with Adam (bf16 moments, no fp32 master copy)",
        {"master_weights": False, "optimizer_dtype": "bf16"},
        ASYMMETRY_OBJECTIVE,
        "the-asymmetry",
    ),
)

#: Formats whose weight memory gets a card: 32, 16, 8 and 4 bits.
INFERENCE_DTYPES: tuple[tuple[str, str], ...] = (
    ("fp32", "what-fewer-bits-save"),
    ("bf16", "what-fewer-bits-save"),
    ("int8", "quantization"),
    ("int4", "quantization"),
    ("nf4", "quantization"),
)


def _n(x: float, digits: int = 3) -> str:
    return format_number(x, digits=digits)


def _power_of_two(x: float) -> str | None:
    import math

    if x <= 0:
        return None
    exponent = math.log2(x)
    return f"2^{{{int(exponent)}}}" if exponent.is_integer() else None


def _with_power(x: float) -> str:
    power = _power_of_two(x)
    return f"${power}$ ≈ {_n(x)}" if power else _n(x)


# --- formats -------------------------------------------------------------------


def format_notes(formats: Iterable[precision.NumberFormat]) -> list[GeneratedNote]:
    """Bits, bias, range and epsilon of every format in the registry."""
    notes: list[GeneratedNote] = []
    for f in formats:
        tags = ("generated", "format", f.name)
        base = f"format:{f.name}"
        if f.kind == "float":
            assert f.exponent_bits is not None
            assert f.mantissa_bits is not None
            assert f.epsilon is not None
            assert f.min_normal is not None
            assert f.min_subnormal is not None
            assert f.bias is not None
            notes.append(_layout_note(f, base, tags))
            notes.append(_range_note(f, base, tags))
            notes.append(_epsilon_note(f, base, tags))
        else:
            notes.append(_grid_note(f, base, tags))
    return notes


def _layout_note(
    f: precision.NumberFormat, base: str, tags: tuple[str, ...]
) -> GeneratedNote:
    """A float format's sign, exponent and mantissa bits and its bias (cloze)."""
    return GeneratedNote(
        f"{base}:layout",
        "cloze",
        {
            "text": (
                f"**{f.label}** ({_bits_and_storage(f)}): 1 sign bit, "
                f"{{{{c1::{f.exponent_bits}}}}} exponent bits and "
                f"{{{{c2::{f.mantissa_bits}}}}} mantissa bits; "
                f"the exponent bias is {{{{c3::{f.bias}}}}}."
            ),
            "extra": f.description,
        },
        FP_OBJECTIVE,
        "floating-point-numbers",
        tags,
    )


def _range_note(
    f: precision.NumberFormat, base: str, tags: tuple[str, ...]
) -> GeneratedNote:
    """A float format's largest finite and smallest normal and subnormal values."""
    return GeneratedNote(
        f"{base}:range",
        "basic",
        {
            "front": (
                f"What are the largest finite value, the smallest "
                f"positive normal value and the smallest positive "
                f"subnormal value of **{f.label}**?"
            ),
            "back": (
                f"Largest finite: **{_n(f.max_finite)}**; smallest "
                f"normal: **{_with_power(f.min_normal)}**; smallest "
                f"subnormal: **{_with_power(f.min_subnormal)}**. "
                f"The {f.exponent_bits} exponent bits set this range."
            ),
        },
        FP_OBJECTIVE,
        "range-versus-precision",
        tags,
    )


def _epsilon_note(
    f: precision.NumberFormat, base: str, tags: tuple[str, ...]
) -> GeneratedNote:
    """A float format's machine epsilon (numeric)."""
    return GeneratedNote(
        f"{base}:epsilon",
        "numeric",
        {
            "question": (
                f"What is the machine epsilon of **{f.label}** (the gap "
                f"between 1 and the next representable number)?"
            ),
            "answer": repr(f.epsilon),
            "relative_tolerance": "0.01",
            "explanation": (
                f"$\\varepsilon = 2^{{-{f.mantissa_bits}}}$ ≈ "
                f"{_n(f.epsilon)}: {f.mantissa_bits} mantissa bits set "
                f"the precision."
            ),
        },
        FP_OBJECTIVE,
        "range-versus-precision",
        tags,
    )


def _grid_note(
    f: precision.NumberFormat, base: str, tags: tuple[str, ...]
) -> GeneratedNote:
    """An integer or lookup format's bits and the values it can store."""
    levels = 2**f.bits
    grid = (
        f"integers from **{_n(f.min_finite)}** to **{_n(f.max_finite)}**"
        if f.kind == "int"
        else f"fixed values from **{_n(f.min_finite)}** to "
        f"**{_n(f.max_finite)}**, times a per-block scale"
    )
    return GeneratedNote(
        f"{base}:grid",
        "basic",
        {
            "front": (
                f"How many bits does **{f.label}** use per value, and "
                f"which values can it store?"
            ),
            "back": (
                f"**{f.bits} bits**, so at most {levels} levels: {grid}. "
                f"{f.description}"
            ),
        },
        MIXED_OBJECTIVE,
        "quantization",
        tags,
    )


# --- training memory -------------------------------------------------------------


def training_notes() -> list[GeneratedNote]:
    """Bytes per parameter of the model states under each training setup."""
    notes: list[GeneratedNote] = []
    for setup in TRAINING_SETUPS:
        result = precision.training_memory(EXAMPLE_PARAMS, **setup.kwargs)
        p = result.per_param
        tags = ("generated", "training-memory")
        notes.append(
            GeneratedNote(
                f"training:{setup.key}",
                "numeric",
                {
                    "question": (
                        f"Training with **{setup.label}**: how many bytes per "
                        f"parameter do the model states take (weights, gradients, "
                        f"master copy, optimizer states; no activations)?"
                    ),
                    "answer": repr(result.bytes_per_param),
                    "relative_tolerance": "0.01",
                    "unit": "B",
                    "explanation": f"{result.convention}.",
                },
                setup.objective,
                setup.section,
                tags,
            )
        )
        notes.append(
            GeneratedNote(
                f"training:{setup.key}:parts",
                "cloze",
                {
                    "text": (
                        f"With {setup.label}, each parameter takes "
                        f"{{{{c1::{_n(p.weights)}}}}} B of weights, "
                        f"{{{{c2::{_n(p.gradients)}}}}} B of gradients, "
                        f"{{{{c3::{_n(p.master_weights)}}}}} B of master weights and "
                        f"{{{{c4::{_n(p.optimizer_states)}}}}} B of optimizer states: "
                        f"{_n(p.total)} B in all."
                    ),
                    "extra": (
                        f"For a 7B model: {_n(result.total_bytes / GB)} GB of model "
                        f"states."
                    ),
                },
                setup.objective,
                setup.section,
                tags,
            )
        )
    return notes


# --- inference memory ---------------------------------------------------------------


def inference_notes() -> list[GeneratedNote]:
    """What 16, 8 and 4 bits save on a 7B model's weights."""
    notes: list[GeneratedNote] = []
    for dtype, section in INFERENCE_DTYPES:
        result = precision.inference_memory(EXAMPLE_PARAMS, dtype)
        label = precision.lookup(dtype).label
        objective = SAVE_OBJECTIVE if section != "quantization" else MIXED_OBJECTIVE
        tags = ("generated", "inference-memory", dtype)
        scales = (
            f" ({_n(result.bits_per_param)} bits per parameter with the block scales)"
            if result.constants_bytes
            else ""
        )
        notes.append(
            GeneratedNote(
                f"inference:{dtype}",
                "numeric",
                {
                    "question": (
                        f"How many GB ($10^9$ bytes) do the weights of a "
                        f"7-billion-parameter model take in **{label}**?"
                    ),
                    "answer": repr(result.total_bytes / GB),
                    "relative_tolerance": "0.02",
                    "unit": "GB",
                    "explanation": (
                        f"7 × 10⁹ parameters × {_n(result.bits_per_param)} bits / 8 = "
                        f"{_n(result.total_bytes / GB)} GB{scales}."
                    ),
                },
                objective,
                section,
                tags,
            )
        )
        if dtype == "fp32":
            continue
        notes.append(_saves_note(dtype, label, result, objective, section, tags))
    return notes


#: What the "saves" cards compare a format with: every reference but itself.
SAVES_REFERENCES: tuple[str, ...] = ("fp32", "bf16")


def _saves_note(
    dtype: str,
    label: str,
    result: precision.InferenceMemory,
    objective: str,
    section: str,
    tags: tuple[str, ...],
) -> GeneratedNote:
    """The share of the weight memory left against fp32 and bf16, leaving out
    a reference of the same size as the format (bf16 against itself would
    only say "100 %")."""
    size = result.total_bytes
    references = [
        (name, precision.inference_memory(EXAMPLE_PARAMS, name).total_bytes)
        for name in SAVES_REFERENCES
        if name != dtype
    ]
    references = [(name, ref) for name, ref in references if ref != size]
    names = [name for name, _ in references]
    scales = (
        f" ({_n(result.bits_per_param)} bits per parameter with the block scales)"
        if result.constants_bytes
        else ""
    )
    shares = " and ".join(
        f"**{_n(size / ref * 100, 3)} %** of {name}" for name, ref in references
    )
    against = names[0] + (f" (or {' or '.join(names[1:])})" if names[1:] else "")
    return GeneratedNote(
        f"inference:{dtype}:saves",
        "basic",
        {
            "front": (
                f"Storing a model's weights in **{label}** instead of {against}: "
                f"what fraction of the weight memory is left?"
            ),
            "back": (
                f"{shares}{scales}. The same fraction of bytes is read per generated "
                f"token, so memory-bound decoding speeds up about as much."
            ),
        },
        objective,
        section,
        tags,
    )


# --- problems and lesson blocks --------------------------------------------------


def problem_notes() -> list[GeneratedNote]:
    """One parametric note per problem template (fresh numbers every review)."""
    return [
        GeneratedNote(
            f"problem:{t.key}",
            "parametric",
            {"template": t.key},
            t.objective,
            t.section,
            ("generated", "problem"),
        )
        for t in problems.templates()
    ]


def lesson_block_notes(cards: Iterable[Mapping[str, Any]]) -> list[GeneratedNote]:
    """The lesson's own ```card`` blocks (``Card.to_dict()`` of the renderer)."""
    notes: list[GeneratedNote] = []
    for card in cards:
        if card.get("type") == "cloze":
            fields = {"text": card["text"]}
        else:
            fields = {"front": card["front"], "back": card["back"]}
        notes.append(
            GeneratedNote(
                f"lesson:{card['key']}",
                "cloze" if card.get("type") == "cloze" else "basic",
                fields,
                card.get("objective", ""),
                card.get("section", ""),
                ("lesson",),
            )
        )
    return notes


def domain_notes() -> list[GeneratedNote]:
    """Every note derived from the precision domain and its problem templates."""
    return [
        *format_notes(precision.all_formats()),
        *training_notes(),
        *inference_notes(),
        *problem_notes(),
    ]


def lesson_notes(
    *,
    cards: Iterable[Mapping[str, Any]],
    objectives: Iterable[str],
    sections: Iterable[str],
) -> list[GeneratedNote]:
    """What a lesson yields: its card blocks, then the domain's notes whose
    objective and section the lesson has (a lesson without the precision
    objectives gets only its own blocks)."""
    keys = set(objectives)
    anchors = set(sections)
    own = lesson_block_notes(cards)
    derived = [
        note
        for note in domain_notes()
        if note.objective in keys and note.section in anchors
    ]
    return [*own, *derived]


def _bits_and_storage(f: Any) -> str:
    """ "16 bits", or for a format kept wider than its bits (TF32: 19 bits for
    the math, in 32-bit registers) "19 bits, stored in 32 (4 bytes)"."""
    stored = int(f.bytes_per_value * 8)
    if stored == f.bits:
        return f"{f.bits} bits"
    return f"{f.bits} bits, stored in {stored} ({f.bytes_per_value:g} bytes)"
