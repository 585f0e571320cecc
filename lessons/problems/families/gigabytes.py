"""Template on GB versus GiB: a checkpoint size or a card's memory converted
between decimal and binary gigabytes.
"""

from __future__ import annotations

from typing import Any

from lessons.precision import Step
from lessons.problems import units
from lessons.problems.misconceptions import Misconception
from lessons.problems.models_catalog import ALL_MODELS, CARDS, MODELS
from lessons.problems.params import ParamSpec
from lessons.problems.parts import part
from lessons.problems.registry import Built, problem_template
from lessons.problems.wording import fmt


@problem_template(
    key="gb-vs-gib",
    title="GB versus GiB",
    objective="fewer-bits-save",
    section="what-fewer-bits-save",
    summary="Convert a checkpoint size or a card's memory between decimal and binary gigabytes.",
    params=(
        ParamSpec("quantity", "Quantity", choices=("checkpoint", "card")),
        ParamSpec("model", "Model (checkpoint)", choices=ALL_MODELS),
        ParamSpec("gpu", "GPU (card)", choices=CARDS),
    ),
    inputs=("amount",),
)
def _gb_gib(p: dict[str, Any]) -> Built:
    what = p["quantity"]
    if what == "checkpoint":
        model = MODELS[p["model"]]
        size_gb = model.params * 2 / 1e9
        given, given_unit, ask = size_gb, "GB", "GiB"
        story = (
            f"A bf16 checkpoint of **{model.name}** is **{fmt(size_gb)} GB** "
            "(2 bytes per parameter, decimal gigabytes as file sizes are shown)."
        )
        inputs = {"model": model.name, "amount": f"{fmt(size_gb)} GB"}
    else:
        from lessons.precision import gpu

        card = gpu(p["gpu"])
        gib = card.memory_bytes / 2**30
        given, given_unit, ask = gib, "GiB", "GB"
        story = (
            f"An **{card.label}** has **{fmt(gib)} GiB** of memory (its datasheet's "
            f"'{fmt(gib)} GB' means binary gigabytes)."
        )
        inputs = {"gpu": card.label, "amount": f"{fmt(gib)} GiB"}
    num_bytes = units.unit(given_unit).to_base(given)
    answer = units.unit(ask).from_base(num_bytes)
    prompt = (
        f"{story}\n\nHow much is that in **{ask}**? ($1\\,\\text{{GB}} = 10^9$ bytes, "
        "$1\\,\\text{GiB} = 2^{30}$ = 1,073,741,824 bytes.)"
    )
    steps = (
        Step(
            "Bytes",
            f"{fmt(given)} × {'10^9' if given_unit == 'GB' else '2^30'}",
            num_bytes,
            "B",
        ),
        Step(
            f"In {ask}",
            f"{fmt(num_bytes)} B / {'2^30' if ask == 'GiB' else '10^9'}",
            answer,
            ask,
        ),
    )
    one_step = given * 1000 / 1024 if ask == "GiB" else given * 1024 / 1000
    wrong_way = given * (2**30 / 1e9) if ask == "GiB" else given * (1e9 / 2**30)
    ans = part(
        "converted",
        f"In {ask}",
        answer,
        ask,
        steps,
        [
            Misconception(
                "divided_by_1024_once",
                one_step,
                ask,
                "GB and GiB differ at every prefix step: (1024/1000)^3 ≈ 1.074, not 1.024.",
            ),
            Misconception(
                "converted_wrong_way",
                wrong_way,
                ask,
                "A GiB is larger than a GB, so a size has fewer GiB than GB. Check the direction.",
            ),
        ],
    )
    return Built(
        prompt, (ans,), inputs, derived={"given": given, "given_unit": given_unit}
    )
