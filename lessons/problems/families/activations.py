"""Template on activation memory (Korthikanti et al. 2022) with selective or full
recomputation and tensor/sequence parallelism.
"""

from __future__ import annotations

from typing import Any

from lessons.precision import activation_memory
from lessons.problems.families.memory_parts import mc, total_part
from lessons.problems.models_catalog import DENSE_MODELS, MODELS
from lessons.problems.params import ParamSpec
from lessons.problems.registry import Built, problem_template
from lessons.problems.wording import fmt


@problem_template(
    key="activation-recompute",
    title="Activation memory with recomputation",
    objective="fewer-bits-save",
    section="what-fewer-bits-save",
    summary="Korthikanti et al.'s activation memory, with selective or full recomputation and tensor/sequence parallelism.",
    params=(
        ParamSpec("model", "Model", choices=DENSE_MODELS),
        ParamSpec("seq_len", "Sequence length", choices=(2048, 4096, 8192)),
        ParamSpec("micro_batch", "Micro-batch", choices=(1, 2, 4)),
        ParamSpec("tensor_parallel", "Tensor parallel size", choices=(1, 2, 4, 8)),
        ParamSpec("recompute", "Recomputation", choices=("selective", "full")),
    ),
    inputs=(
        "model",
        "layers",
        "hidden",
        "heads",
        "seq_len",
        "micro_batch",
        "tensor_parallel",
        "recompute",
    ),
)
def _activations(p: dict[str, Any]) -> Built:
    m = MODELS[p["model"]]
    s, b, t, mode = p["seq_len"], p["micro_batch"], p["tensor_parallel"], p["recompute"]
    sp = t > 1
    none = activation_memory(s, b, m.hidden, m.heads, m.layers, t, sp, "none")
    chosen = activation_memory(s, b, m.hidden, m.heads, m.layers, t, sp, mode)
    inputs = {
        "model": m.name,
        "layers": f"{m.layers} layers",
        "hidden": f"hidden size {fmt(m.hidden)}",
        "heads": f"{m.heads} attention heads",
        "seq_len": f"sequence length {fmt(s)}",
        "micro_batch": f"micro-batch {b}",
        "tensor_parallel": f"tensor parallelism t = {t}",
        "recompute": f"{mode} recomputation",
    }
    parallel = (
        f"**tensor parallelism t = {t} with sequence parallelism** (so everything divides by t)"
        if sp
        else "**tensor parallelism t = 1** (a single GPU per layer)"
    )
    prompt = (
        f"**{m.name}**: {m.layers} layers, hidden size {fmt(m.hidden)}, {m.heads} attention heads. "
        f"You train with sequence length {fmt(s)}, micro-batch {b}, {parallel}, 16-bit activations.\n\n"
        "Use Korthikanti et al. (2022): per layer $s b h (34 + 5 a s / h)$ bytes; selective "
        "recomputation drops the $5 a s / h$ term; full recomputation keeps only each "
        "layer's input, $2 s b h$ bytes. Embeddings and the output layer are not counted.\n\n"
        f"How many GB ($10^9$ bytes) of activations does each GPU hold without recomputation, "
        f"and with **{mode} recomputation**?"
    )
    sbh = s * b * m.hidden
    no_t = activation_memory(s, b, m.hidden, m.heads, m.layers, 1, False, "none")
    p_none = total_part(
        "none",
        "Without recomputation",
        none.steps,
        none.total_bytes,
        [
            mc(
                "forgot_attention_term",
                34 * sbh / t * m.layers,
                "Without recomputation the attention scores count too: the $5as/h$ term.",
            ),
            mc(
                "forgot_tensor_parallel",
                no_t.total_bytes,
                "With sequence parallelism every term divides by t.",
            )
            if sp
            else mc("one_layer", none.per_layer_bytes, "Multiply by the layers."),
            mc("one_layer", none.per_layer_bytes, "Multiply by the layers."),
        ],
    )
    wrong_mode = "full" if mode == "selective" else "selective"
    other = activation_memory(s, b, m.hidden, m.heads, m.layers, t, sp, wrong_mode)
    p_chosen = total_part(
        "recompute",
        f"With {mode} recomputation",
        chosen.steps,
        chosen.total_bytes,
        [
            mc(
                f"used_{wrong_mode}",
                other.total_bytes,
                f"That is {wrong_mode} recomputation; {mode} "
                + (
                    "drops only the attention term."
                    if mode == "selective"
                    else "keeps only each layer's input, 2sbh bytes."
                ),
            ),
            mc(
                "recompute_stores_nothing",
                0.0,
                "Even full recomputation keeps each layer's input (2sbh bytes) to recompute from.",
            ),
            mc(
                "no_saving",
                none.total_bytes,
                "Recomputation trades compute for memory: it stores less.",
            ),
            mc(
                "forgot_tensor_parallel",
                activation_memory(
                    s, b, m.hidden, m.heads, m.layers, 1, False, mode
                ).total_bytes,
                "With sequence parallelism every term divides by t.",
            ),
        ],
    )
    return Built(
        prompt,
        (p_none, p_chosen),
        inputs,
        derived={
            "layers": m.layers,
            "hidden": m.hidden,
            "heads": m.heads,
            "sequence_parallel": sp,
        },
    )
