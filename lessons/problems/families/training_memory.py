"""Templates on training memory by precision: fp32, mixed precision, pure bf16.

Every answer is computed by :func:`lessons.precision.training_memory`; the
worked solutions reuse its steps and add the conversion to the asked unit.
"""

from __future__ import annotations

from typing import Any

from lessons.precision import training_memory
from lessons.problems.families.memory_parts import (
    MODEL,
    MODEL_INPUTS,
    component_part,
    mc,
    model_inputs,
    step_of,
)
from lessons.problems.misconceptions import Misconception
from lessons.problems.params import ParamSpec
from lessons.problems.parts import BYTE_LABELS, part
from lessons.problems.registry import Built, problem_template

# --- fp32 training -----------------------------------------------------------


@problem_template(
    key="training-memory-fp32",
    title="Training memory in fp32",
    objective="fewer-bits-save",
    section="what-fewer-bits-save",
    summary="Weights, gradients and Adam's states of a model trained in fp32.",
    params=(MODEL,),
    inputs=MODEL_INPUTS,
)
def _fp32(p: dict[str, Any]) -> Built:
    psi, inputs, who = model_inputs(p["model"])
    tm = training_memory(int(psi), weights_dtype="fp32", optimizer="adam")
    pp = tm.per_param
    prompt = (
        f"You train {who} entirely in **fp32** (4 bytes per value) with the **Adam** "
        "optimizer on one GPU. Count the model states only (no activations); Adam keeps "
        "two states per parameter (first and second moments) in fp32, and the fp32 "
        "weights are their own master copy.\n\n"
        "How much memory, in GB ($1\\,\\text{GB} = 10^9$ bytes), do the weights, the "
        "gradients, the optimizer states and all of them together take?"
    )
    parts = (
        component_part(
            "weights",
            "Weights",
            (step_of(tm, "Weights"),),
            psi,
            pp.weights,
            [
                mc(
                    "used_16_bit",
                    psi * 2,
                    "fp32 is 4 bytes per value, not 2: this run has no 16-bit copy.",
                ),
                mc(
                    "bits_as_bytes",
                    psi * 32,
                    "32 is the number of *bits* of fp32; a value takes 32/8 = 4 bytes.",
                    typed_units=BYTE_LABELS,
                ),
            ],
        ),
        component_part(
            "gradients",
            "Gradients",
            (step_of(tm, "Gradients"),),
            psi,
            pp.gradients,
            [
                mc(
                    "used_16_bit",
                    psi * 2,
                    "The gradients are fp32 here too: 4 bytes each.",
                ),
            ],
        ),
        component_part(
            "optimizer",
            "Optimizer states",
            (step_of(tm, "Optimizer states"),),
            psi,
            pp.optimizer_states,
            [
                mc(
                    "adam_one_state",
                    psi * 4,
                    "Adam keeps *two* states per parameter, the first and second moments: 2 × 4 bytes.",
                ),
                mc(
                    "forgot_optimizer_states",
                    0.0,
                    "Adam's moments take memory: 2 × 4 bytes per parameter.",
                ),
            ],
        ),
        component_part(
            "total",
            "Total model states",
            tm.steps[:5],
            psi,
            pp.total,
            [
                mc(
                    "forgot_optimizer_states",
                    psi * 8,
                    "You left out Adam's two moments (8 bytes per parameter): the total is 4 + 4 + 8 = 16 bytes per parameter.",
                ),
                mc(
                    "adam_one_state",
                    psi * 12,
                    "Adam keeps two moments, not one: 4 + 4 + 2 × 4 = 16 bytes per parameter.",
                ),
                mc(
                    "weights_only",
                    psi * 4,
                    "Training needs more than the weights: gradients and optimizer states too.",
                ),
                mc(
                    "extra_master_copy",
                    psi * 20,
                    "fp32 weights are already the master copy; no separate fp32 copy is kept.",
                ),
            ],
        ),
    )
    return Built(prompt, parts, inputs, derived={"params": psi})


# --- mixed precision ---------------------------------------------------------

CONVENTIONS = {
    "16": (
        "16-bit gradients, no separate accumulation buffer (the ZeRO paper's 16 bytes/param)",
        None,
        None,
    ),
    "18": (
        "fp32 gradients (Hugging Face's model-memory anatomy, 18 bytes/param)",
        "fp32",
        None,
    ),
    "20": (
        "16-bit gradients plus an fp32 gradient-accumulation buffer (the Ultra-Scale Playbook and DeepSpeed's estimator, 20 bytes/param)",
        None,
        "fp32",
    ),
}


@problem_template(
    key="training-memory-mixed",
    title="Training memory with mixed precision",
    objective="quantization-vs-mixed",
    section="mixed-precision-training",
    summary="Weights, gradients, master weights and Adam's states under mixed precision, with the 16/18/20 bytes-per-parameter conventions.",
    params=(
        MODEL,
        ParamSpec("weights_dtype", "16-bit format", choices=("bf16", "fp16")),
        ParamSpec(
            "convention",
            "Gradient convention (bytes/param)",
            choices=tuple(CONVENTIONS),
            help="16: ZeRO paper; 18: fp32 gradients; 20: fp32 accumulation buffer.",
        ),
    ),
    inputs=("model", "params", "weights_dtype", "convention"),
)
def _mixed(p: dict[str, Any]) -> Built:
    psi, inputs, who = model_inputs(p["model"])
    wd = p["weights_dtype"]
    words, grads, accum = CONVENTIONS[p["convention"]]
    tm = training_memory(
        int(psi), weights_dtype=wd, grads_dtype=grads, accumulation_dtype=accum
    )
    pp = tm.per_param
    inputs |= {"weights_dtype": wd, "convention": words}
    prompt = (
        f"You train {who} with **mixed precision** on one GPU: {wd} working weights, "
        "an fp32 master copy of the weights, and **Adam** with both moments in fp32. "
        f"Sources count the gradients differently; this problem uses: **{words}**.\n\n"
        "Count the model states only (no activations). In GB ($10^9$ bytes), how much do "
        "the working weights, the gradients, the master weights, the optimizer states "
        "and the total take?"
    )
    total = pp.total * psi
    others = {
        c: training_memory(
            1, weights_dtype=wd, grads_dtype=g, accumulation_dtype=a
        ).per_param.total
        for c, (_, g, a) in CONVENTIONS.items()
    }
    parts = (
        component_part(
            "weights",
            "Working weights",
            (step_of(tm, "Weights"),),
            psi,
            pp.weights,
            [
                mc(
                    "fp32_weights",
                    psi * 4,
                    f"The working weights are {wd}: 2 bytes each. The fp32 copy is the master weights, counted separately.",
                ),
            ],
        ),
        component_part(
            "gradients",
            "Gradients",
            (step_of(tm, "Gradients"),),
            psi,
            pp.gradients,
            [
                mc(
                    "ignored_convention",
                    psi * (4 if p["convention"] == "16" else 2),
                    f"Read the convention in the question: {words}.",
                ),
            ],
        ),
        component_part(
            "master",
            "Master weights",
            (step_of(tm, "Master weights"),),
            psi,
            pp.master_weights,
            [
                mc(
                    "forgot_master_weights",
                    0.0,
                    "Mixed precision keeps an fp32 master copy of the weights (4 bytes per parameter): tiny updates would vanish in 16 bits.",
                ),
                mc(
                    "master_in_16_bit",
                    psi * 2,
                    "The master copy is fp32, 4 bytes per parameter; that is its point.",
                ),
            ],
        ),
        component_part(
            "optimizer",
            "Optimizer states",
            (step_of(tm, "Optimizer states"),),
            psi,
            pp.optimizer_states,
            [
                mc(
                    "adam_one_state",
                    psi * 4,
                    "Adam keeps two moments per parameter, each fp32: 2 × 4 = 8 bytes.",
                ),
                mc(
                    "forgot_optimizer_states",
                    0.0,
                    "Adam's two fp32 moments take 8 bytes per parameter.",
                ),
            ],
        ),
        component_part(
            "total",
            "Total model states",
            tm.steps[:5],
            psi,
            pp.total,
            [
                mc(
                    "mixed_precision_halves",
                    psi * 8,
                    "Mixed precision does not halve training memory: the fp32 master weights and fp32 Adam moments remain. Only weights and gradients shrink.",
                ),
                mc(
                    "forgot_master_weights",
                    total - psi * pp.master_weights,
                    "You are 4 bytes per parameter short: the fp32 master weights (or one of Adam's two moments, the same amount) are missing.",
                ),
                mc(
                    "forgot_optimizer_states",
                    total - psi * pp.optimizer_states,
                    "You left out Adam's two fp32 moments (8 bytes per parameter).",
                ),
                *[
                    mc(
                        f"used_{c}_convention",
                        psi * others[c],
                        f"That total uses a different convention ({c} bytes/param); the question states {words}.",
                    )
                    for c in CONVENTIONS
                    if c != p["convention"]
                ],
            ],
        ),
    )
    return Built(
        prompt, parts, inputs, derived={"params": psi}, convention=tm.convention
    )


# --- pure bf16 ---------------------------------------------------------------


@problem_template(
    key="training-memory-bf16",
    title="Training memory in pure bf16",
    objective="precision-asymmetry",
    section="the-asymmetry",
    summary="Model states when weights, gradients and Adam's moments are all bf16 (no master copy).",
    params=(MODEL,),
    inputs=MODEL_INPUTS,
)
def _pure_bf16(p: dict[str, Any]) -> Built:
    psi, inputs, who = model_inputs(p["model"])
    tm = training_memory(
        int(psi),
        weights_dtype="bf16",
        master_weights=False,
        optimizer="adam",
        optimizer_dtype="bf16",
    )
    pp = tm.per_param
    prompt = (
        f"You train {who} in **pure bf16**: weights, gradients and both Adam moments "
        "are all bf16 (2 bytes per value), with **no** fp32 master copy. Count the model "
        "states only.\n\nHow many bytes per parameter is that, and how many GB "
        "($10^9$ bytes) in total?"
    )
    per_param_steps = tm.steps[:5]
    per_param = part(
        "bytes_per_param",
        "Bytes per parameter",
        pp.total,
        "B/param",
        per_param_steps,
        [
            Misconception(
                "kept_master_weights",
                pp.total + 4,
                "B/param",
                "Pure bf16 keeps no fp32 master copy: 2 + 2 + 2 × 2 = 8 bytes per parameter.",
            ),
            Misconception(
                "forgot_optimizer_states",
                pp.weights + pp.gradients,
                "B/param",
                "Adam's two moments are stored too, in bf16 here: 2 × 2 bytes.",
            ),
            Misconception(
                "adam_one_state",
                pp.total - 2,
                "B/param",
                "Adam keeps two moments, not one.",
            ),
            Misconception(
                "fp32_everything",
                16.0,
                "B/param",
                "16 bytes per parameter is fp32 (or mixed-precision) training; here everything is 2 bytes.",
            ),
            Misconception(
                "bits_as_bytes",
                pp.total * 8,
                "B/param",
                "That is bits, not bytes: a bf16 value is 16 bits = 2 bytes.",
                typed_units=("B/param", ""),
            ),
        ],
        unit_mixups=False,
    )
    total = component_part(
        "total",
        "Total model states",
        per_param_steps,
        psi,
        pp.total,
        [
            mc(
                "kept_master_weights",
                psi * (pp.total + 4),
                "Pure bf16 keeps no fp32 master copy.",
            ),
            mc(
                "forgot_optimizer_states",
                psi * 4,
                "Adam's two bf16 moments take 4 bytes per parameter.",
            ),
            mc("adam_one_state", psi * 6, "Adam keeps two moments, not one."),
            mc(
                "fp32_everything",
                psi * 16,
                "16 bytes per parameter is fp32 training; pure bf16 is 8.",
            ),
        ],
    )
    return Built(prompt, (per_param, total), inputs, derived={"params": psi})
