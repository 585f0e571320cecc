"""Template on training compute: 6ND FLOPs and days on N GPUs at a utilization.

N is the parameters a token passes through: for a mixture of experts its
*active* parameters (Mixtral-8x7B: 12.9B of 46.7B), not all it stores.
"""

from __future__ import annotations

from typing import Any

from lessons.precision import Step, gpu, training_compute, training_days
from lessons.problems.misconceptions import Misconception
from lessons.problems.models_catalog import (
    ALL_MODELS,
    MODELS,
    TRAINING_CARDS,
    moe_sentence,
)
from lessons.problems.params import ParamSpec
from lessons.problems.parts import part
from lessons.problems.registry import Built, problem_template
from lessons.problems.tolerance import Tolerance
from lessons.problems.wording import fmt

TOKENS = (300e9, 1e12, 2e12, 15e12)


@problem_template(
    key="training-compute",
    title="Training compute and days",
    objective="fewer-bits-save",
    section="what-fewer-bits-save",
    summary="6ND FLOPs, then days on N GPUs at a model FLOPs utilization.",
    params=(
        ParamSpec("model", "Model", choices=ALL_MODELS),
        ParamSpec("tokens", "Training tokens", choices=TOKENS),
        ParamSpec("gpu", "GPU", choices=TRAINING_CARDS),
        ParamSpec("gpus", "GPUs", choices=(256, 512, 1024, 2048, 4096, 8192, 16384)),
        ParamSpec(
            "utilization", "Model FLOPs utilization", low=0.3, high=0.55, step=0.05
        ),
    ),
    inputs=("model", "params", "tokens", "gpu", "peak", "gpus", "utilization"),
)
def _compute(p: dict[str, Any]) -> Built:
    m = MODELS[p["model"]]
    card = gpu(p["gpu"])
    n, mfu, tokens = p["gpus"], p["utilization"], p["tokens"]
    peak = card.peak_flops("bf16")
    assert peak is not None
    big_n = m.compute_params
    c = training_compute(int(big_n), int(tokens))
    t = training_days(c.flops, n, peak, mfu)
    inputs = {
        "model": m.name,
        "params": fmt(big_n),
        "tokens": fmt(tokens),
        "gpu": card.label,
        "peak": f"{fmt(peak / 1e12)} TFLOP/s",
        "gpus": f"{fmt(n)} GPUs",
        "utilization": f"{fmt(mfu * 100)}%",
    }
    moe = moe_sentence(m.name)
    who = (
        f"**{m.name}** ({moe}, so $N$ = {fmt(big_n)} parameters)"
        if moe
        else f"**{m.name}** ($N$ = {fmt(big_n)} parameters)"
    )
    prompt = (
        f"You pretrain {who} on $D$ = {fmt(tokens)} "
        f"tokens, using the estimate $C \\approx 6ND$ FLOPs (Kaplan et al. 2020: 2 forward, "
        f"4 backward per parameter per token, $N$ the parameters each token uses). "
        f"The cluster has **{fmt(n)} GPUs** "
        f"({card.label}, dense bf16 peak {fmt(peak / 1e12)} TFLOP/s each) running at a model "
        f"FLOPs utilization of **{fmt(mfu * 100)}%**.\n\n"
        "How many FLOPs does training take, and how many days (of 86,400 s)?"
    )
    steps = c.steps
    misconceptions: list[Misconception] = []
    if moe:
        steps = (
            Step("N, the active parameters", moe, big_n, ""),
            *steps,
        )
        misconceptions.append(
            Misconception(
                "used_total_params",
                6 * m.params * tokens,
                "FLOP",
                f"{moe}: only the active parameters compute for each token, so "
                f"6ND takes N = {fmt(big_n)}, not all {fmt(m.params)} it stores.",
            )
        )
    flops = part(
        "flops",
        "Training compute",
        c.flops,
        "FLOP",
        steps,
        [
            *misconceptions,
            Misconception(
                "forward_only",
                2 * big_n * tokens,
                "FLOP",
                "Training costs the forward pass (2ND) and the backward pass (4ND): 6ND.",
            ),
            Misconception(
                "forgot_backward_factor",
                4 * big_n * tokens,
                "FLOP",
                "The backward pass costs about twice the forward: 2 + 4 = 6 FLOPs per parameter per token.",
            ),
            Misconception(
                "ignored_factor",
                big_n * tokens,
                "FLOP",
                "Each parameter costs about 6 FLOPs per token in training, not 1.",
            ),
        ],
        unit_mixups=False,
    )
    days = part(
        "days",
        "Training time",
        t.days,
        "days",
        t.steps,
        [
            Misconception(
                "forgot_utilization",
                t.days * mfu,
                "days",
                "GPUs do not run at their peak: divide by the utilization too.",
            ),
            Misconception(
                "sparse_peak",
                t.days / 2,
                "days",
                "Use the dense peak; the 2:4-sparse figure (twice as large) does not apply to dense training.",
            ),
            Misconception(
                "forward_only",
                t.days / 3,
                "days",
                "Use 6ND, not 2ND: the backward pass costs twice the forward.",
            ),
            Misconception(
                "hours_as_days",
                t.days * 24,
                "days",
                "That is the time in hours: divide seconds by 86,400 for days.",
                typed_units=("days", ""),
            ),
            Misconception(
                "multiplied_by_utilization",
                t.days * mfu * mfu,
                "days",
                "Divide by the utilization (it slows training down), do not multiply.",
            ),
        ],
        tolerance=Tolerance("relative", 0.02),
        unit_mixups=False,
    )
    return Built(
        prompt,
        (flops, days),
        inputs,
        derived={
            "params": big_n,
            "total_params": m.params,
            "peak_flops": peak,
        },
    )
