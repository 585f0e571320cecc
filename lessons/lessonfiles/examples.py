"""The inputs the lesson's worked examples are built on: choices, not facts.

Every figure computed from them comes from :mod:`lessons.precision`
(:mod:`lessons.lessonfiles.values`, :mod:`lessons.lessonfiles.memory_values`).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ENCODING_EXAMPLES",
    "EXAMPLE_GPU",
    "EXAMPLE_INPUTS",
    "EXAMPLE_MODELS",
    "EXAMPLE_SEQ_LEN",
    "LESSON_FORMATS",
]

#: Registry names, and the short names the lesson's placeholders use.
LESSON_FORMATS = {
    "fp32": "fp32",
    "tf32": "tf32",
    "fp16": "fp16",
    "bf16": "bf16",
    "e4m3": "fp8_e4m3fn",
    "e5m2": "fp8_e5m2",
}


#: Inputs the lesson's examples are built on (choices, not facts): the update
#: in the update-swallowing example, how often it is applied, the gradient and
#: loss scale of the loss-scaling example, the weights of the quantization
#: examples and the group size of per-group quantization.
EXAMPLE_INPUTS: dict[str, Any] = {
    "update": 1e-4,
    "steps": 1000,
    "gradient": 1e-8,
    "loss_scale": 2.0**16,
    "row": (0.12, -0.5, 0.31, 0.02),
    "outlier": 8.0,
    "asym_range": (-1.0, 3.0),
    "group_size": 128,
    "scale_bits": 16,
    "practice_absmax": 0.8,
    "practice_weight": 0.3,
    # The recaps of what the problems test: a KV cache for a batch of
    # sequences, with and without grouped-query attention; a training run's
    # tokens, GPUs and model FLOPs utilization; data-parallel GPUs for ZeRO;
    # the value whose E5M2 neighbours are shown.
    "kv_batch": 8,
    "kv_heads_gqa": 8,
    "train_tokens": 2e12,
    "train_gpus": 1024,
    "mfu": 0.4,
    "zero_gpus": 8,
    "e5m2_near": 1000.0,
}


#: The GPU of the worked examples, from the domain's GPU registry.
EXAMPLE_GPU = "h100_80gb"
#: The model shapes of the worked examples: a 7B model shaped like Llama 2 7B,
#: one sequence of 4,096 tokens, and a 70B model for the practice.
EXAMPLE_MODELS: dict[str, dict[str, int]] = {
    "7b": {"params": 7_000_000_000, "layers": 32, "hidden": 4096, "heads": 32},
    "70b": {"params": 70_000_000_000},
}
EXAMPLE_SEQ_LEN = 4096


#: The worked bit-by-bit examples: (placeholder prefix, format, value).
ENCODING_EXAMPLES: tuple[tuple[str, str, float], ...] = (
    ("fp32.6_5", "fp32", 6.5),
    ("fp32.0_1", "fp32", 0.1),
    ("fp16.0_1", "fp16", 0.1),
    ("bf16.0_1", "bf16", 0.1),
    ("e4m3.0_1", "fp8_e4m3fn", 0.1),
    ("fp16.-2_5", "fp16", -2.5),
    ("tf32.0_1", "tf32", 0.1),
)
