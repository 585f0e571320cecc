"""Templates on inference and activation memory: quantized weights, fitting on a
card, the KV cache with grouped-query attention, activations with recomputation.
"""

from __future__ import annotations

import math
from typing import Any

from lessons.precision import (
    Step,
    activation_memory,
    fits,
    gpu,
    inference_memory,
    kv_cache,
    lookup,
    training_memory,
)
from lessons.problems.core import (
    BYTE_LABELS,
    EXACT,
    Built,
    Misconception,
    ParamSpec,
    Part,
    Template,
    Tolerance,
    fmt,
    in_unit,
    part,
    register,
)
from lessons.problems.models_catalog import (
    ALL_MODELS,
    CARDS,
    DENSE_MODELS,
    GQA_MODELS,
    MODELS,
)
from lessons.problems.templates_memory import mc, model_inputs, total_part

# --- 6. quantizing weights --------------------------------------------------

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


register(
    Template(
        key="quantized-weights",
        title="Memory saved by quantizing weights",
        objective="quantization-vs-mixed",
        section="quantization",
        summary="Bits per parameter with block-scale overhead, the quantized size and the saving.",
        params=(
            ParamSpec("model", "Model", choices=ALL_MODELS),
            ParamSpec(
                "source_dtype", "Stored format", choices=("bf16", "fp16", "fp32")
            ),
            ParamSpec("scheme", "Quantization scheme", choices=tuple(SCHEMES)),
        ),
        inputs=("model", "params", "source_dtype", "scheme"),
        build=_quantize,
    )
)


# --- 7. does it fit ---------------------------------------------------------

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
    fit_part = Part(
        "fits",
        "Does it fit on one card? (yes/no)",
        float(verdict.fits),
        "",
        EXACT,
        tuple(fit_miscs),
        fit_steps,
        choices=("yes", "no"),
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


register(
    Template(
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
        build=_fits,
    )
)


# --- 8. KV cache with GQA ---------------------------------------------------


def _kv(p: dict[str, Any]) -> Built:
    m = MODELS[p["model"]]
    dtype, seq, batch = p["dtype"], p["seq_len"], p["batch"]
    kv = kv_cache(m.layers, m.kv_heads, m.head_dim, seq, batch, dtype)
    b = lookup(dtype).bytes_per_value
    inputs = {
        "model": m.name,
        "layers": f"{m.layers} layers",
        "heads": f"{m.heads} query heads",
        "kv_heads": f"{m.kv_heads} key/value heads",
        "head_dim": f"head dimension {m.head_dim}",
        "seq_len": f"{fmt(seq)} tokens",
        "batch": f"batch of {batch}",
        "dtype": dtype,
    }
    prompt = (
        f"**{m.name}** has {m.layers} layers, {m.heads} query heads and "
        f"{m.kv_heads} key/value heads (grouped-query attention), head dimension "
        f"{m.head_dim}. You serve it with a KV cache in **{dtype}** "
        f"({fmt(b)} byte{'s' if b != 1 else ''} per value) for a batch of {batch} "
        f"sequences of {fmt(seq)} tokens each.\n\n"
        "How many KiB ($2^{10}$ bytes) does one token add to the cache, over all layers, "
        "and how many GB ($10^9$ bytes) does the whole cache take?"
    )

    def size(
        heads: int,
        factor: int = 2,
        nbytes: float = b,
        layers: int = m.layers,
        batch_: int = batch,
    ) -> float:
        return factor * layers * heads * m.head_dim * nbytes * seq * batch_

    per_token = part(
        "per_token",
        "Per token, all layers",
        kv.steps[0].value / 1024,
        "KiB",
        (kv.steps[0], in_unit("Per token in KiB", kv.steps[0].value, "KiB")),
        [
            Misconception(
                "query_heads",
                2 * m.layers * m.heads * m.head_dim * b / 1024,
                "KiB",
                "Grouped-query attention caches keys and values only for the KV heads, not the query heads.",
            ),
            Misconception(
                "forgot_k_and_v",
                m.layers * m.kv_heads * m.head_dim * b / 1024,
                "KiB",
                "The cache stores both keys and values: a factor 2.",
            ),
            Misconception(
                "one_layer",
                2 * m.kv_heads * m.head_dim * b / 1024,
                "KiB",
                "Every layer has its own keys and values: multiply by the layers.",
            ),
            Misconception(
                "kib_as_kb",
                kv.steps[0].value / 1000,
                "KiB",
                "That is the size in kB (bytes ÷ 10^3); the question asks for KiB "
                "(bytes ÷ 2^10).",
                typed_units=("KiB", ""),
            ),
        ],
        unit_mixups=False,
    )
    total = total_part(
        "total",
        "Whole cache",
        kv.steps,
        kv.total_bytes,
        [
            mc(
                "query_heads",
                size(m.heads),
                "Grouped-query attention caches keys and values only for the KV heads, not the query heads.",
            ),
            mc(
                "forgot_k_and_v",
                size(m.kv_heads, factor=1),
                "The cache stores both keys and values: a factor 2.",
            ),
            mc(
                "forgot_batch",
                size(m.kv_heads, batch_=1),
                "Each sequence in the batch has its own cache: multiply by the batch.",
            ),
            mc(
                "used_16_bit",
                size(m.kv_heads, nbytes=2),
                f"The cache is {dtype}: {fmt(b)} byte per value.",
            ),
        ],
    )
    return Built(
        prompt,
        (per_token, total),
        inputs,
        derived={
            "layers": m.layers,
            "heads": m.heads,
            "kv_heads": m.kv_heads,
            "head_dim": m.head_dim,
        },
    )


register(
    Template(
        key="kv-cache-gqa",
        title="KV cache with grouped-query attention",
        objective="fewer-bits-save",
        section="what-fewer-bits-save",
        summary="Bytes per token and for a batch, using the KV heads of a real model.",
        params=(
            ParamSpec(
                "model",
                "Model",
                choices=GQA_MODELS,
                help="Models with grouped-query attention.",
            ),
            ParamSpec("dtype", "Cache format", choices=("bf16", "fp8_e4m3fn")),
            ParamSpec(
                "seq_len",
                "Tokens per sequence",
                choices=(2048, 4096, 8192, 32768, 131072),
            ),
            ParamSpec("batch", "Batch", choices=(1, 4, 8, 16, 32, 64)),
        ),
        inputs=(
            "model",
            "layers",
            "heads",
            "kv_heads",
            "head_dim",
            "seq_len",
            "batch",
            "dtype",
        ),
        build=_kv,
    )
)


# --- 9. activations with recomputation --------------------------------------


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


register(
    Template(
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
        build=_activations,
    )
)
