"""Memory for training and inference: model states, activations, weights, KV cache.

Every function validates all its inputs at once (raising
:class:`~lessons.precision.errors.PrecisionInputError` naming the fields) and
returns a frozen result whose ``steps`` show the arithmetic; the last step is
the answer. Bytes are plain numbers; ``to_dict()`` adds GB (1e9) and GiB (2^30).
Bytes per value come from the format registry (bf16: 2, fp8: 1, nf4: 0.5).
"""

from lessons.precision.activations import (
    RECOMPUTE_CHOICES,
    ActivationMemory,
    activation_memory,
)
from lessons.precision.inference import (
    DOUBLE_QUANT_BLOCK,
    NF4_DEFAULT_BLOCK,
    InferenceMemory,
    KVCache,
    inference_memory,
    kv_cache,
)
from lessons.precision.training import (
    ADAM8BIT_BLOCK,
    OPTIMIZER_STATES,
    MemoryBreakdown,
    TrainingMemory,
    training_memory,
)

__all__ = [
    "ADAM8BIT_BLOCK",
    "DOUBLE_QUANT_BLOCK",
    "NF4_DEFAULT_BLOCK",
    "OPTIMIZER_STATES",
    "RECOMPUTE_CHOICES",
    "ActivationMemory",
    "InferenceMemory",
    "KVCache",
    "MemoryBreakdown",
    "TrainingMemory",
    "activation_memory",
    "inference_memory",
    "kv_cache",
    "training_memory",
]
