"""Memory for inference: quantized weights with their constants, and the KV cache.

See :func:`inference_memory` and :func:`kv_cache`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lessons.precision.steps import Explained, Step, show, size
from lessons.precision.validation import Checker

#: QLoRA's double quantization: the 8-bit block constants are themselves
#: quantized in blocks of 256 with an fp32 constant each.
DOUBLE_QUANT_BLOCK = 256
#: QLoRA's NF4 block size.
NF4_DEFAULT_BLOCK = 64


@dataclass(frozen=True)
class InferenceMemory(Explained):
    """Memory of a model's weights for inference, quantization constants included.

    Attributes:
        bits_per_param: Value bits plus constant bits per parameter.
        weights_bytes: The values alone.
        constants_bytes: The quantization constants (block scales).
        total_bytes: Both together (the answer).
    """

    params: int
    dtype: str
    block_size: int | None
    double_quant: bool
    bits_per_param: float
    weights_bytes: float
    constants_bytes: float
    total_bytes: float

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict of inputs, sizes and steps."""
        return {
            "params": self.params,
            "dtype": self.dtype,
            "block_size": self.block_size,
            "double_quant": self.double_quant,
            "bits_per_param": self.bits_per_param,
            "weights": size(self.weights_bytes),
            "constants": size(self.constants_bytes),
            "total": size(self.total_bytes),
            "steps": self.steps_dict(),
        }


def inference_memory(
    params: int,
    dtype: str,
    *,
    block_size: int | None = None,
    double_quant: bool = False,
) -> InferenceMemory:
    """Weight memory for inference, with the quantization constants.

    Each block of ``block_size`` values carries one fp32 scale (32/B bits per
    parameter); NF4 uses blocks of 64 unless told otherwise (QLoRA). Double
    quantization stores those scales in 8 bits with one fp32 constant per 256
    of them: ``8/B + 32/(B·256)`` bits per parameter.

    Args:
        params: Number of parameters.
        dtype: Format of the stored weights (any registry name).
        block_size: Values per quantization block, or None for no block scales
            (NF4 defaults to 64).
        double_quant: Quantize the block scales too (needs blocks).

    Returns:
        Value bytes, constant bytes and their total, with steps.

    Raises:
        PrecisionInputError: naming every invalid field.
    """
    check = Checker()
    count = check.count("params", params)
    fmt = check.format("dtype", dtype)
    block = None if block_size is None else check.count("block_size", block_size)
    dq = check.flag("double_quant", double_quant)
    if block is None and fmt.name == "nf4":
        block = NF4_DEFAULT_BLOCK
    if dq and block is None:
        check.fail("double_quant", "double quantization needs a block_size")
    check.done()

    value_bits = fmt.bytes_per_value * 8
    constant_bits, constant_text = _constant_bits(block, dq)
    bits = value_bits + constant_bits
    weights, constants = count * value_bits / 8, count * constant_bits / 8
    total = weights + constants
    steps = (
        Step(
            "Value bits",
            f"{show(value_bits)} bits ({fmt.name})",
            value_bits,
            "bit/param",
        ),
        Step("Constant bits", constant_text, constant_bits, "bit/param"),
        Step(
            "Bits per parameter",
            f"{show(value_bits)} + {show(constant_bits)}",
            bits,
            "bit/param",
        ),
        Step(
            "Weights in memory",
            f"{show(count)} × {show(bits)} / 8",
            total,
            "B",
        ),
    )
    return InferenceMemory(
        steps=steps,
        params=count,
        dtype=fmt.name,
        block_size=block,
        double_quant=dq,
        bits_per_param=bits,
        weights_bytes=weights,
        constants_bytes=constants,
        total_bytes=total,
    )


def _constant_bits(block: int | None, double_quant: bool) -> tuple[float, str]:
    if block is None:
        return 0.0, "none (no block scales)"
    if not double_quant:
        return 32 / block, f"32/{block} (one fp32 scale per block of {block})"
    bits = 8 / block + 32 / (block * DOUBLE_QUANT_BLOCK)
    return bits, (
        f"8/{block} + 32/({block}·{DOUBLE_QUANT_BLOCK}) "
        f"(8-bit scales, one fp32 constant per {DOUBLE_QUANT_BLOCK} scales)"
    )


@dataclass(frozen=True)
class KVCache(Explained):
    """The key/value cache of autoregressive inference.

    Attributes:
        bytes_per_token: Bytes one token adds to the cache (all layers).
        total_bytes: For ``seq_len`` tokens and ``batch`` sequences.
    """

    layers: int
    kv_heads: int
    head_dim: int
    seq_len: int
    batch: int
    dtype: str
    bytes_per_token: float
    total_bytes: float

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict of inputs, sizes and steps."""
        return {
            "layers": self.layers,
            "kv_heads": self.kv_heads,
            "head_dim": self.head_dim,
            "seq_len": self.seq_len,
            "batch": self.batch,
            "dtype": self.dtype,
            "bytes_per_token": self.bytes_per_token,
            "total": size(self.total_bytes),
            "steps": self.steps_dict(),
        }


def kv_cache(
    layers: int, kv_heads: int, head_dim: int, seq_len: int, batch: int, dtype: str
) -> KVCache:
    """KV cache size: ``2 × layers × kv_heads × head_dim × tokens × batch × bytes``.

    The 2 is for K and V. With grouped-query attention pass the KV heads, not
    the query heads.

    Args:
        layers: Transformer layers.
        kv_heads: Key/value heads (fewer than query heads under GQA/MQA).
        head_dim: Dimension of each head.
        seq_len: Tokens cached per sequence.
        batch: Sequences in the batch.
        dtype: Format of the cache (bf16, fp8_e4m3fn, ...).

    Returns:
        Bytes per token and in total, with steps.

    Raises:
        PrecisionInputError: naming every invalid field.
    """
    check = Checker()
    n_layers, heads = check.count("layers", layers), check.count("kv_heads", kv_heads)
    dim, tokens = check.count("head_dim", head_dim), check.count("seq_len", seq_len)
    n_batch, fmt = check.count("batch", batch), check.format("dtype", dtype)
    check.done()

    b = fmt.bytes_per_value
    per_token = 2 * n_layers * heads * dim * b
    total = per_token * tokens * n_batch
    steps = (
        Step(
            "Per token (K and V, all layers)",
            f"2 × {n_layers} × {heads} × {dim} × {show(b)} B ({fmt.name})",
            per_token,
            "B",
        ),
        Step(
            "Whole cache",
            f"{show(per_token)} B × {show(tokens)} tokens × {n_batch}",
            total,
            "B",
        ),
    )
    return KVCache(
        steps=steps,
        layers=n_layers,
        kv_heads=heads,
        head_dim=dim,
        seq_len=tokens,
        batch=n_batch,
        dtype=fmt.name,
        bytes_per_token=per_token,
        total_bytes=total,
    )
