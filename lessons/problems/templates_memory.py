"""Templates on training memory: fp32, mixed precision, pure bf16, 8-bit Adam, ZeRO.

Every answer is computed by :func:`lessons.precision.training_memory`; the
worked solutions reuse its steps and add the conversion to the asked unit.
"""

from __future__ import annotations

from typing import Any

from lessons.precision import Step, TrainingMemory, training_memory
from lessons.problems import units
from lessons.problems.core import (
    BYTE_LABELS,
    Built,
    Misconception,
    ParamSpec,
    Part,
    Template,
    fmt,
    in_unit,
    part,
    register,
)
from lessons.problems.models_catalog import ALL_MODELS, MODELS, moe_sentence

MODEL = ParamSpec(
    "model",
    "Model",
    choices=ALL_MODELS,
    help="Real model sizes (parameters rounded to 3 significant figures).",
)
GB = "GB"


def mc(
    name: str,
    num_bytes: float,
    feedback: str,
    unit: str = GB,
    *,
    typed_units: tuple[str, ...] | None = None,
) -> Misconception:
    """A misconception given in bytes, stated in ``unit``.

    ``typed_units`` limits it to answers typed in those units (see
    :class:`~lessons.problems.core.Misconception`).
    """
    return Misconception(
        name, units.unit(unit).from_base(num_bytes), unit, feedback, typed_units
    )


def model_inputs(name: str) -> tuple[float, dict[str, str], str]:
    """A model's parameter count Ψ, its displayed inputs and its words.

    Memory counts every parameter stored: for a mixture of experts all the
    experts, not the active parameters that compute uses.
    """
    model = MODELS[name]
    psi = fmt(model.params)
    text = f"**{name}** ($\\Psi$ = {psi} parameters)"
    if moe := moe_sentence(name):
        text = (
            f"**{name}** ($\\Psi$ = {psi} parameters; {moe}, but every expert is "
            "stored, so memory counts all of them)"
        )
    return model.params, {"model": name, "params": psi}, text


def component_part(
    key: str,
    label: str,
    lines: tuple[Step, ...],
    params: float,
    per_param: float,
    misconceptions: list[Misconception],
    *,
    unit: str = GB,
    divide: int = 1,
) -> Part:
    """A part for ``params × per_param`` bytes (divided over ``divide`` GPUs)."""
    num_bytes = params * per_param / divide
    expr = f"{fmt(params)} × {fmt(per_param)} B" + (
        f" / {divide} GPUs" if divide > 1 else ""
    )
    steps = (
        *lines,
        Step(f"{label} in bytes", expr, num_bytes, "B"),
        in_unit(f"{label} in {unit}", num_bytes, unit),
    )
    return part(key, label, steps[-1].value, unit, steps, misconceptions)


def total_part(
    key: str,
    label: str,
    steps: tuple[Step, ...],
    num_bytes: float,
    misconceptions: list[Misconception],
    *,
    unit: str = GB,
) -> Part:
    """A part whose bytes are the last of ``steps``, converted to ``unit``."""
    if steps[-1].value != num_bytes or steps[-1].unit != "B":
        raise ValueError(f"{key}: the steps must end in {num_bytes} B")
    done = (*steps, in_unit(f"{label} in {unit}", num_bytes, unit))
    return part(key, label, done[-1].value, unit, done, misconceptions)


def _line(tm: TrainingMemory, label: str) -> Step:
    return next(s for s in tm.steps if s.label == label)


# --- 1. fp32 training -------------------------------------------------------


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
            (_line(tm, "Weights"),),
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
            (_line(tm, "Gradients"),),
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
            (_line(tm, "Optimizer states"),),
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


register(
    Template(
        key="training-memory-fp32",
        title="Training memory in fp32",
        objective="fewer-bits-save",
        section="what-fewer-bits-save",
        summary="Weights, gradients and Adam's states of a model trained in fp32.",
        params=(MODEL,),
        inputs=("model", "params"),
        build=_fp32,
    )
)


# --- 2. mixed precision -----------------------------------------------------

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
            (_line(tm, "Weights"),),
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
            (_line(tm, "Gradients"),),
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
            (_line(tm, "Master weights"),),
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
            (_line(tm, "Optimizer states"),),
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


register(
    Template(
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
        build=_mixed,
    )
)


# --- 3. pure bf16 -----------------------------------------------------------


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


register(
    Template(
        key="training-memory-bf16",
        title="Training memory in pure bf16",
        objective="precision-asymmetry",
        section="the-asymmetry",
        summary="Model states when weights, gradients and Adam's moments are all bf16 (no master copy).",
        params=(MODEL,),
        inputs=("model", "params"),
        build=_pure_bf16,
    )
)


# --- 4. 8-bit Adam ----------------------------------------------------------


def _adam8bit(p: dict[str, Any]) -> Built:
    psi, inputs, who = model_inputs(p["model"])
    tm = training_memory(int(psi), weights_dtype="bf16", optimizer="adam8bit")
    fp32_adam = training_memory(int(psi), weights_dtype="bf16", optimizer="adam")
    pp = tm.per_param
    prompt = (
        f"You train {who} with mixed precision (bf16 weights and gradients, fp32 master "
        "weights) and **8-bit Adam** (Dettmers et al. 2022): each of Adam's two moments "
        "is stored in 1 byte, block-wise quantized, with one fp32 absmax per block of "
        "2048 values. Count the model states only.\n\n"
        "In GB ($10^9$ bytes): how much do the optimizer states take, and the model states "
        "in total? How much does 8-bit Adam save against fp32 Adam moments?"
    )
    states = component_part(
        "optimizer",
        "Optimizer states",
        (_line(tm, "Optimizer states"),),
        psi,
        pp.optimizer_states,
        [
            mc(
                "fp32_adam",
                psi * 8,
                "That is fp32 Adam (2 × 4 bytes). 8-bit Adam stores each moment in 1 byte.",
            ),
            mc(
                "one_moment",
                psi * 1,
                "8-bit Adam still keeps two moments: 2 × 1 byte (plus the block absmax).",
            ),
            mc(
                "eight_bytes_per_moment",
                psi * 16,
                "8-bit means 8 *bits* = 1 byte per moment, not 8 bytes.",
            ),
        ],
    )
    total = component_part(
        "total",
        "Total model states",
        tm.steps[:5],
        psi,
        pp.total,
        [
            mc(
                "fp32_adam",
                fp32_adam.per_param.total * psi,
                "That total uses fp32 Adam moments (16 bytes/param); 8-bit Adam brings the moments to about 2 bytes.",
            ),
            mc(
                "forgot_master_weights",
                (pp.total - 4) * psi,
                "The fp32 master weights (4 bytes per parameter) are still there with 8-bit Adam.",
            ),
            mc(
                "everything_8_bit",
                psi * 4,
                "8-bit Adam quantizes only the optimizer moments; weights, gradients and master weights keep their formats.",
            ),
        ],
    )
    saved_bytes = (fp32_adam.per_param.optimizer_states - pp.optimizer_states) * psi
    saved_steps = (
        _line(fp32_adam, "Optimizer states"),
        _line(tm, "Optimizer states"),
        Step(
            "Saved",
            f"({fmt(fp32_adam.per_param.optimizer_states)} − {fmt(pp.optimizer_states)}) B × {fmt(psi)}",
            saved_bytes,
            "B",
        ),
        in_unit("Saved in GB", saved_bytes, GB),
    )
    saved = part(
        "saved",
        "Saved against fp32 Adam",
        saved_steps[-1].value,
        GB,
        saved_steps,
        [
            mc(
                "saved_total_halved",
                fp32_adam.per_param.total * psi / 2,
                "8-bit Adam does not halve the whole training memory; it shrinks only the moments from 8 to about 2 bytes per parameter.",
            ),
            mc(
                "saved_everything",
                (fp32_adam.per_param.optimizer_states) * psi,
                "The 8-bit moments still take about 2 bytes per parameter: the saving is 8 − 2.",
            ),
        ],
    )
    return Built(
        prompt,
        (states, total, saved),
        inputs,
        derived={"params": psi},
        convention=tm.convention,
    )


register(
    Template(
        key="training-memory-adam8bit",
        title="Training memory with 8-bit Adam",
        objective="fewer-bits-save",
        section="what-fewer-bits-save",
        summary="Optimizer states with block-wise 8-bit Adam moments, and what they save.",
        params=(MODEL,),
        inputs=("model", "params"),
        build=_adam8bit,
    )
)


# --- 5. ZeRO ----------------------------------------------------------------


def _zero(p: dict[str, Any]) -> Built:
    psi, inputs, who = model_inputs(p["model"])
    stage, n = p["zero_stage"], p["gpus"]
    tm = training_memory(int(psi), weights_dtype="bf16", zero_stage=stage, gpus=n)
    inputs |= {"zero_stage": f"ZeRO stage {stage}", "gpus": f"{n} GPUs"}
    prompt = (
        f"You train {who} with mixed-precision Adam, counted as in the ZeRO paper: bf16 "
        "weights 2 + bf16 gradients 2 + fp32 master weights and Adam moments K = 12 "
        f"bytes per parameter (16 in all). The run uses **ZeRO stage {stage}** over "
        f"**{n} GPUs** of data parallelism.\n\n"
        "Stage 1 shards the optimizer states (master weights included), stage 2 also the "
        "gradients, stage 3 also the weights; stage 0 replicates everything.\n\n"
        "How many GB ($10^9$ bytes) of model states does **each GPU** hold for the "
        "weights, the gradients, the optimizer states (master weights included) and in total?"
    )
    lines = tm.steps[:5]

    def per_gpu(component: float, from_stage: int) -> tuple[float, int]:
        return (component, n) if stage >= from_stage else (component, 1)

    def stage_total(s: int) -> float:
        return training_memory(
            int(psi), weights_dtype="bf16", zero_stage=s, gpus=n
        ).per_gpu.total

    w, dw = per_gpu(tm.per_param.weights, 3)
    g, dg = per_gpu(tm.per_param.gradients, 2)
    k, dk = per_gpu(tm.k, 1)
    unsharded = "at this stage every GPU holds a full copy."
    parts = (
        component_part(
            "weights",
            "Weights per GPU",
            lines[:1],
            psi,
            w,
            [
                mc(
                    "sharded_weights",
                    psi * w / n,
                    "Only stage 3 shards the weights; " + unsharded,
                )
                if stage < 3
                else mc(
                    "unsharded_weights",
                    psi * w,
                    "Stage 3 shards the weights too: divide by the GPUs.",
                ),
            ],
            divide=dw,
        ),
        component_part(
            "gradients",
            "Gradients per GPU",
            lines[1:2],
            psi,
            g,
            [
                mc(
                    "sharded_gradients",
                    psi * g / n,
                    "Stages 0 and 1 do not shard the gradients; " + unsharded,
                )
                if stage < 2
                else mc(
                    "unsharded_gradients",
                    psi * g,
                    "Stages 2 and 3 shard the gradients: divide by the GPUs.",
                ),
            ],
            divide=dg,
        ),
        component_part(
            "optimizer",
            "Optimizer states per GPU (K)",
            (lines[2], lines[3], tm.steps[5]),
            psi,
            k,
            [
                mc(
                    "sharded_optimizer",
                    psi * k / n,
                    "Stage 0 does not shard the optimizer states.",
                )
                if stage < 1
                else mc(
                    "unsharded_optimizer",
                    psi * k,
                    "Every ZeRO stage from 1 up shards the optimizer states (and master weights): divide K by the GPUs.",
                ),
                mc(
                    "forgot_master_weights",
                    psi * 8 / dk,
                    "K = 12 includes the fp32 master weights (4) with Adam's moments (8).",
                ),
            ],
            divide=dk,
        ),
        total_part(
            "total",
            "Model states per GPU",
            tm.steps,
            tm.per_gpu.total,
            [
                *[
                    mc(
                        f"used_stage_{s}",
                        stage_total(s),
                        f"That is ZeRO stage {s}'s figure; stage {stage} shards "
                        + (
                            "nothing"
                            if stage == 0
                            else [
                                "",
                                "the optimizer states",
                                "the optimizer states and gradients",
                                "the optimizer states, gradients and weights",
                            ][stage]
                        )
                        + ".",
                    )
                    for s in (0, 3, 1, 2)
                    if s != stage
                ],
                mc(
                    "divided_everything",
                    psi * 16 / n,
                    "Only stage 3 divides every state by the GPUs.",
                ),
                mc(
                    "total_over_all_gpus",
                    tm.all_gpus.total,
                    "That is summed over all GPUs; the question asks per GPU.",
                ),
            ],
        ),
    )
    return Built(
        prompt, parts, inputs, derived={"params": psi}, convention=tm.convention
    )


register(
    Template(
        key="zero-per-gpu",
        title="Per-GPU memory under ZeRO",
        objective="fewer-bits-save",
        section="mixed-precision-training",
        summary="Per-GPU model states for ZeRO stages 0-3 over N data-parallel GPUs.",
        params=(
            MODEL,
            ParamSpec("zero_stage", "ZeRO stage", choices=(0, 1, 2, 3)),
            ParamSpec(
                "gpus",
                "Data-parallel GPUs",
                choices=(8, 16, 32, 64, 128, 256, 512, 1024),
            ),
        ),
        inputs=("model", "params", "zero_stage", "gpus"),
        build=_zero,
    )
)
