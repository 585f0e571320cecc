"""Templates on inference memory: quantized weights with their block scales, and
whether a model fits on a card.
"""

from __future__ import annotations

import math
from typing import Any

from lessons.precision import Step, fits, gpu, inference_memory, lookup, training_memory
from lessons.problems.families.memory_parts import mc, model_inputs, total_part
from lessons.problems.misconceptions import Misconception
from lessons.problems.models_catalog import ALL_MODELS, CARDS
from lessons.problems.params import ParamSpec
from lessons.problems.parts import BYTE_LABELS, part, yes_no_part
from lessons.problems.registry import Built, problem_template
from lessons.problems.tolerance import Tolerance
from lessons.problems.wording import fmt

# --- quantizing weights ------------------------------------------------------

#: scheme key -> (dtype, block size or None, double quantization, words)
SCHEMES: dict[str, tuple[str, int | None, bool, str]] = {
    "fp8-tensor": (
        "fp8_e4m3fn",
        None,
        False,
        "fp8 E4M3 with one scale per tensor (negligible, not counted)",
    ),
    "int8-b128": (
        "int8",
        128,
        False,
        "int8 with one fp32 scale per block of 128 weights",
    ),
    "int4-b32": ("int4", 32, False, "int4 with one fp32 scale per block of 32 weights"),
    "int4-b128": (
        "int4",
        128,
        False,
        "int4 with one fp32 scale per block of 128 weights",
    ),
    "nf4-b64": ("nf4", 64, False, "NF4 with one fp32 absmax per block of 64 weights"),
    "nf4-b64-dq": (
        "nf4",
        64,
        True,
        "NF4 with blocks of 64 and double quantization (8-bit absmax, one fp32 constant per 256 of them)",
    ),
}


@problem_template(
    key="quantized-weights",
    title="Memory saved by quantizing weights",
    objective="quantization-vs-mixed",
    section="quantization",
    summary="Bits per parameter with block-scale overhead, the quantized size and the saving.",
    params=(
        ParamSpec("model", "Model", choices=ALL_MODELS),
        ParamSpec("source_dtype", "Stored format", choices=("bf16", "fp16", "fp32")),
        ParamSpec("scheme", "Quantization scheme", choices=tuple(SCHEMES)),
    ),
    inputs=("model", "params", "source_dtype", "scheme"),
)
def _quantize(p: dict[str, Any]) -> Built:
    psi, inputs, who = model_inputs(p["model"])
    source = p["source_dtype"]
    dtype, block, dq, words = SCHEMES[p["scheme"]]
    q = inference_memory(int(psi), dtype, block_size=block, double_quant=dq)
    base = inference_memory(int(psi), source)
    inputs |= {"source_dtype": source, "scheme": words}
    value_bits = lookup(dtype).bits
    prompt = (
        f"{who} is stored in **{source}** ({fmt(lookup(source).bits)} bits per weight). "
        f"You quantize its weights for inference to **{words}**.\n\n"
        "Counting the values and the quantization constants (block scales): how many "
        "bits per parameter does the quantized model take, how many GB ($10^9$ bytes) "
        f"do its weights take, and how many GB does that save against {source}?"
    )
    bits = part(
        "bits_per_param",
        "Bits per parameter",
        q.steps[2].value,
        "bit/param",
        q.steps[:3],
        [
            Misconception(
                "forgot_block_scales",
                float(value_bits),
                "bit/param",
                f"The block scales count too: one fp32 scale per block of {block} adds 32/{block} bits per weight."
                if block
                else "",
            ),
            Misconception(
                "scale_per_weight",
                value_bits + 32.0,
                "bit/param",
                "There is one scale per *block*, not per weight: 32 bits shared by the block.",
            ),
        ],
        unit_mixups=False,
        tolerance=Tolerance("relative", 0.005),
    )
    size = total_part(
        "size",
        "Quantized weights",
        q.steps,
        q.total_bytes,
        [
            mc(
                "forgot_block_scales",
                psi * value_bits / 8,
                "You left out the block scales: they add 32/block bits to every weight.",
            ),
            mc(
                "bits_as_bytes",
                q.total_bytes * 8,
                "That is bits, not bytes: divide the bits by 8.",
                typed_units=BYTE_LABELS,
            ),
            mc(
                "unquantized_size",
                base.total_bytes,
                f"That is the {source} size before quantization.",
            ),
        ],
    )
    saved_bytes = base.total_bytes - q.total_bytes
    saved_steps = (
        *base.steps[-1:],
        q.steps[-1],
        Step(
            "Saved",
            f"{fmt(base.total_bytes)} B − {fmt(q.total_bytes)} B",
            saved_bytes,
            "B",
        ),
    )
    saved = total_part(
        "saved",
        "Memory saved",
        saved_steps,
        saved_bytes,
        [
            mc(
                "forgot_block_scales",
                base.total_bytes - psi * value_bits / 8,
                "The block scales eat into the saving: count 32/block bits per weight.",
            ),
            mc(
                "saved_is_quantized_size",
                q.total_bytes,
                "That is what the quantized weights take, not what they save.",
            ),
        ],
    )
    return Built(
        prompt,
        (bits, size, saved),
        inputs,
        derived={
            "params": psi,
            "dtype": dtype,
            "block_size": block,
            "double_quant": dq,
        },
    )


# --- does it fit -------------------------------------------------------------

TASKS: dict[str, str] = {
    "infer-bf16": "serve {who} for inference with bf16 weights",
    "infer-int8": "serve {who} for inference with int8 weights (per-tensor scale, not counted)",
    "infer-nf4": "serve {who} for inference with NF4 weights, one fp32 absmax per block of 64",
    "train-mixed": "fine-tune {who} with mixed-precision Adam, 16 bytes per parameter (ZeRO paper's count)",
}


def _task_memory(task: str, psi: float) -> tuple[float, tuple[Step, ...]]:
    if task == "train-mixed":
        tm = training_memory(int(psi))
        return tm.total_bytes, tm.steps
    dtype = task.split("-")[1]
    im = inference_memory(int(psi), dtype)
    return im.total_bytes, im.steps


@problem_template(
    key="fits-on-gpu",
    title="Does it fit on the card?",
    objective="fewer-bits-save",
    section="what-fewer-bits-save",
    summary="Weights (or model states) against a real card's memory, GB against GiB.",
    params=(
        ParamSpec("model", "Model", choices=ALL_MODELS),
        ParamSpec("task", "Task", choices=tuple(TASKS)),
        ParamSpec(
            "gpu", "GPU", choices=CARDS, help="24, 40, 48, 80, 80 and 141 GB cards."
        ),
    ),
    inputs=("model", "params", "task", "gpu", "capacity"),
)
def _fits(p: dict[str, Any]) -> Built:
    psi, inputs, who = model_inputs(p["model"])
    card = gpu(p["gpu"])
    need, steps = _task_memory(p["task"], psi)
    verdict = fits(need, card)
    cap_gib = card.memory_bytes / 2**30
    inputs |= {
        "task": TASKS[p["task"]].format(who=who),
        "gpu": card.label,
        "capacity": f"{fmt(cap_gib)} GiB",
    }
    prompt = (
        f"You want to {TASKS[p['task']].format(who=who)}. Count only the weights (and, for "
        f"training, the model states), nothing else.\n\nThe card is an **{card.label}**. "
        f"Its datasheet says {fmt(cap_gib)} GB, which for memory chips means "
        f"**{fmt(cap_gib)} GiB** = {fmt(cap_gib)} × 2^30 bytes (this problem's convention; "
        "ignore what the driver takes).\n\n"
        "How many GB ($10^9$ bytes) are needed? Does it fit on one card? How many such "
        "cards would hold it if the bytes could be split perfectly?"
    )
    need_part = total_part(
        "memory",
        "Memory needed",
        steps,
        need,
        [
            mc(
                "bits_as_bytes",
                need * 8,
                "That counts bits as bytes: divide by 8.",
                typed_units=BYTE_LABELS,
            ),
        ],
    )
    as_gb = need <= cap_gib * 1e9
    fit_steps = (
        *verdict.steps[:2],
        Step(
            "Fits on one card", "yes" if verdict.fits else "no", float(verdict.fits), ""
        ),
    )
    fit_miscs = []
    if as_gb != verdict.fits:
        fit_miscs.append(
            Misconception(
                "capacity_read_as_gb",
                float(as_gb),
                "",
                f"The card holds {fmt(cap_gib)} GiB = {fmt(card.memory_bytes)} bytes, not {fmt(cap_gib)} × 10^9 bytes.",
            )
        )
    fit_part = yes_no_part(
        "fits",
        "Does it fit on one card? (yes/no)",
        verdict.fits,
        fit_steps,
        fit_miscs,
    )
    min_steps = (
        Step(
            "Fraction of one card",
            f"{fmt(need)} B / {fmt(card.memory_bytes)} B",
            verdict.fraction_used,
            "",
        ),
        Step(
            "Cards needed (round up)",
            f"⌈{fmt(verdict.fraction_used)}⌉",
            float(verdict.min_gpus),
            "GPUs",
        ),
    )
    cards = part(
        "cards",
        "Cards needed, split perfectly",
        float(verdict.min_gpus),
        "GPUs",
        min_steps,
        [
            Misconception(
                "capacity_read_as_gb",
                float(max(1, math.ceil(need / (cap_gib * 1e9)))),
                "GPUs",
                "The card's capacity is in GiB (2^30 bytes): compare bytes with bytes.",
            ),
            Misconception(
                "rounded_down",
                float(max(1, math.floor(verdict.fraction_used))),
                "GPUs",
                "Round up: a fraction of a card still needs a whole card.",
            ),
        ],
        tolerance=Tolerance("absolute", 0.0),
    )
    return Built(prompt, (need_part, fit_part, cards), inputs, derived={"params": psi})
