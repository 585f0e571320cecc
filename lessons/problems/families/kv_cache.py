"""Template on the KV cache with grouped-query attention: bytes per token and for
a batch of sequences.
"""

from __future__ import annotations

from typing import Any

from lessons.precision import kv_cache, lookup
from lessons.problems.families.memory_parts import mc, total_part
from lessons.problems.misconceptions import Misconception
from lessons.problems.models_catalog import GQA_MODELS, MODELS
from lessons.problems.params import ParamSpec
from lessons.problems.parts import in_unit, part
from lessons.problems.registry import Built, problem_template
from lessons.problems.wording import fmt


@problem_template(
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
)
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
        return float(factor * layers * heads * m.head_dim * nbytes * seq * batch_)

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
