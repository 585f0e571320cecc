"""Real model shapes and GPUs the templates draw from.

Parameter counts are the published totals rounded to three significant
figures; layers, heads, KV heads and head dimensions are the models' configs.
GPU memories and peaks come from :data:`lessons.precision.GPUS`.

A mixture of experts stores every expert but routes each token through a few
of them: memory counts ``params`` (all of them), compute (6ND) counts
``active_params``, the parameters one token uses. Mixtral-8x7B: 46.7B in all,
12.9B per token (Mistral AI, "Mixtral of experts", 2023: two of eight experts
per layer, plus the shared attention and embeddings).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelShape:
    name: str
    params: float
    layers: int
    hidden: int
    heads: int
    kv_heads: int
    head_dim: int
    #: Parameters one token uses, for a mixture of experts; None for a dense model.
    active_params: float | None = None

    @property
    def is_moe(self) -> bool:
        """Whether this is a mixture of experts (fewer active than stored parameters)."""
        return self.active_params is not None and self.active_params < self.params

    @property
    def compute_params(self) -> float:
        """The N of 6ND: the active parameters of a mixture of experts, else all."""
        return self.active_params if self.active_params is not None else self.params


MODELS: dict[str, ModelShape] = {
    m.name: m
    for m in (
        ModelShape("Llama-2-7B", 6.74e9, 32, 4096, 32, 32, 128),
        ModelShape("Llama-2-13B", 13.0e9, 40, 5120, 40, 40, 128),
        ModelShape("Llama-2-70B", 69.0e9, 80, 8192, 64, 8, 128),
        ModelShape("Llama-3-8B", 8.03e9, 32, 4096, 32, 8, 128),
        ModelShape("Llama-3-70B", 70.6e9, 80, 8192, 64, 8, 128),
        ModelShape("Llama-3.1-405B", 406e9, 126, 16384, 128, 8, 128),
        ModelShape("Mistral-7B", 7.24e9, 32, 4096, 32, 8, 128),
        ModelShape("Mixtral-8x7B", 46.7e9, 32, 4096, 32, 8, 128, active_params=12.9e9),
        ModelShape("Qwen2-72B", 72.7e9, 80, 8192, 64, 8, 128),
        ModelShape("Gemma-7B", 8.54e9, 28, 3072, 16, 16, 256),
        ModelShape("GPT-3-175B", 175e9, 96, 12288, 96, 96, 128),
    )
}


def moe_sentence(name: str) -> str:
    """For a mixture of experts, the words that say so; "" for a dense model.

    "Mixtral-8x7B is a mixture of experts: each token uses about 12.9B of its
    46.7B parameters".
    """
    model = MODELS[name]
    if not model.is_moe or model.active_params is None:
        return ""
    return (
        f"{name} is a mixture of experts: each token uses about "
        f"{_billions(model.active_params)} of its {_billions(model.params)} parameters"
    )


def _billions(count: float) -> str:
    return f"{count / 1e9:.3g}B"


#: Mixtures of experts: memory counts every expert, compute the active ones.
MOE_MODELS = tuple(m.name for m in MODELS.values() if m.is_moe)
#: Models with grouped-query attention (fewer KV heads than query heads).
GQA_MODELS = tuple(m.name for m in MODELS.values() if m.kv_heads < m.heads)
#: Sizes used for memory problems (every model).
ALL_MODELS = tuple(MODELS)
#: Models small enough that a single-GPU question is not absurd.
SMALL_MODELS = ("Llama-2-7B", "Llama-3-8B", "Mistral-7B", "Gemma-7B", "Llama-2-13B")
#: Dense models whose activation shapes the Korthikanti formula fits.
DENSE_MODELS = ("Llama-2-7B", "Llama-2-13B", "Llama-2-70B", "GPT-3-175B", "Llama-3-70B")

#: GPUs of the registry, by memory: 24, 40, 48, 80, 80, 141 GB.
CARDS = (
    "rtx4090_24gb",
    "a100_40gb",
    "l40s_48gb",
    "a100_80gb",
    "h100_80gb",
    "h200_141gb",
)
#: GPUs with a bf16 peak in the registry.
TRAINING_CARDS = ("a100_80gb", "h100_80gb", "h200_141gb")
