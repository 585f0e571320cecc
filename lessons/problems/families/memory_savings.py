"""Templates on cutting training memory: 8-bit Adam and ZeRO sharding over GPUs.

Every answer is computed by :func:`lessons.precision.training_memory`.
"""

from __future__ import annotations

from typing import Any

from lessons.precision import Step, training_memory
from lessons.problems.families.memory_parts import (
    GB,
    MODEL,
    MODEL_INPUTS,
    component_part,
    mc,
    model_inputs,
    step_of,
    total_part,
)
from lessons.problems.params import ParamSpec
from lessons.problems.parts import in_unit, part
from lessons.problems.registry import Built, problem_template
from lessons.problems.wording import fmt

# --- 8-bit Adam --------------------------------------------------------------


@problem_template(
    key="training-memory-adam8bit",
    title="Training memory with 8-bit Adam",
    objective="fewer-bits-save",
    section="what-fewer-bits-save",
    summary="Optimizer states with block-wise 8-bit Adam moments, and what they save.",
    params=(MODEL,),
    inputs=MODEL_INPUTS,
)
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
        (step_of(tm, "Optimizer states"),),
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
        step_of(fp32_adam, "Optimizer states"),
        step_of(tm, "Optimizer states"),
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


# --- ZeRO --------------------------------------------------------------------


@problem_template(
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
)
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
