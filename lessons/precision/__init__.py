"""The precision domain: number formats, memory and compute formulas.

Pure Python (numpy and ml_dtypes): imports nothing from Django, knows nothing
of HTTP, the ORM or Celery. Every figure the lesson shows is computed here.
"""

from lessons.precision.compute import (
    GPU,
    GPUS,
    Fit,
    TrainingCompute,
    TrainingTime,
    fits,
    gpu,
    training_compute,
    training_days,
)
from lessons.precision.errors import PrecisionInputError, UnknownFormatError
from lessons.precision.formats import (
    FORMAT_NAMES,
    NF4_VALUES,
    Encoding,
    NumberFormat,
    all_formats,
    decode_bits,
    encode,
    lookup,
    round_to,
    smallest_update_that_changes,
    spacing,
)
from lessons.precision.memory import (
    ActivationMemory,
    InferenceMemory,
    KVCache,
    MemoryBreakdown,
    TrainingMemory,
    activation_memory,
    inference_memory,
    kv_cache,
    training_memory,
)
from lessons.precision.steps import Step

__all__ = [
    "GPU",
    "GPUS",
    "ActivationMemory",
    "Fit",
    "InferenceMemory",
    "KVCache",
    "MemoryBreakdown",
    "Step",
    "TrainingCompute",
    "TrainingMemory",
    "TrainingTime",
    "activation_memory",
    "fits",
    "gpu",
    "inference_memory",
    "kv_cache",
    "training_compute",
    "training_days",
    "training_memory",
    "FORMAT_NAMES",
    "NF4_VALUES",
    "Encoding",
    "NumberFormat",
    "PrecisionInputError",
    "UnknownFormatError",
    "all_formats",
    "decode_bits",
    "encode",
    "lookup",
    "round_to",
    "smallest_update_that_changes",
    "spacing",
]
