"""Template on training compute: 6ND FLOPs and days on N GPUs at a utilization."""

from __future__ import annotations

from typing import Any

from lessons.precision import gpu, training_compute, training_days
from lessons.problems.core import (
    Built,
    Misconception,
    ParamSpec,
    Template,
    Tolerance,
    fmt,
    part,
    register,
)
from lessons.problems.models_catalog import ALL_MODELS, MODELS, TRAINING_CARDS

TOKENS = (300e9, 1e12, 2e12, 15e12)


def _compute(p: dict[str, Any]) -> Built:
    m = MODELS[p["model"]]
    card = gpu(p["gpu"])
    n, mfu, tokens = p["gpus"], p["utilization"], p["tokens"]
    peak = card.peak_flops("bf16")
    assert peak is not None
    c = training_compute(int(m.params), int(tokens))
    t = training_days(c.flops, n, peak, mfu)
    inputs = {
        "model": m.name,
        "params": fmt(m.params),
        "tokens": fmt(tokens),
        "gpu": card.label,
        "peak": f"{fmt(peak / 1e12)} TFLOP/s",
        "gpus": f"{fmt(n)} GPUs",
        "utilization": f"{fmt(mfu * 100)}%",
    }
    prompt = (
        f"You pretrain **{m.name}** ($N$ = {fmt(m.params)} parameters) on $D$ = {fmt(tokens)} "
        f"tokens, using the estimate $C \\approx 6ND$ FLOPs (Kaplan et al. 2020: 2 forward, "
        f"4 backward per parameter per token). The cluster has **{fmt(n)} GPUs** "
        f"({card.label}, dense bf16 peak {fmt(peak / 1e12)} TFLOP/s each) running at a model "
        f"FLOPs utilization of **{fmt(mfu * 100)}%**.\n\n"
        "How many FLOPs does training take, and how many days (of 86,400 s)?"
    )
    flops = part(
        "flops",
        "Training compute (FLOP)",
        c.flops,
        "FLOP",
        c.steps,
        [
            Misconception(
                "forward_only",
                2 * m.params * tokens,
                "FLOP",
                "Training costs the forward pass (2ND) and the backward pass (4ND): 6ND.",
            ),
            Misconception(
                "forgot_backward_factor",
                4 * m.params * tokens,
                "FLOP",
                "The backward pass costs about twice the forward: 2 + 4 = 6 FLOPs per parameter per token.",
            ),
            Misconception(
                "ignored_factor",
                m.params * tokens,
                "FLOP",
                "Each parameter costs about 6 FLOPs per token in training, not 1.",
            ),
        ],
        unit_mixups=False,
    )
    days = part(
        "days",
        "Training time (days)",
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
                "That is hours: divide seconds by 86,400 for days.",
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
        prompt, (flops, days), inputs, derived={"params": m.params, "peak_flops": peak}
    )


register(
    Template(
        key="training-compute",
        title="Training compute and days",
        objective="fewer-bits-save",
        section="what-fewer-bits-save",
        summary="6ND FLOPs, then days on N GPUs at a model FLOPs utilization.",
        params=(
            ParamSpec("model", "Model", choices=ALL_MODELS),
            ParamSpec("tokens", "Training tokens", choices=TOKENS),
            ParamSpec("gpu", "GPU", choices=TRAINING_CARDS),
            ParamSpec(
                "gpus", "GPUs", choices=(256, 512, 1024, 2048, 4096, 8192, 16384)
            ),
            ParamSpec(
                "utilization", "Model FLOPs utilization", low=0.3, high=0.55, step=0.05
            ),
        ),
        inputs=("model", "params", "tokens", "gpu", "peak", "gpus", "utilization"),
        build=_compute,
    )
)
