"""The lesson's memory, compute and GPU figures, for its worked examples.

Weights, training and activation memory of the example models, the KV cache,
6ND compute and training days, ZeRO sharding, and the example GPU's peaks,
each as ``{{ key }}`` placeholder values (see
:func:`lessons.lessonfiles.values.lesson_values`).
"""

from __future__ import annotations

import math

from lessons import precision
from lessons.lessonfiles.examples import (
    EXAMPLE_GPU,
    EXAMPLE_INPUTS,
    EXAMPLE_MODELS,
    EXAMPLE_SEQ_LEN,
)
from lessons.markup.number_format import format_number, percent
from lessons.precision import compute, memory

__all__ = [
    "activation_values",
    "gpu_values",
    "nf4_memory_values",
    "recap_values",
    "training_values",
    "weights_values",
]

_GB = 1e9
_GIB = 2**30


def _gb(nbytes: float) -> str:
    return format_number(nbytes / _GB)


def weights_values(model: str) -> dict[str, str]:
    params = EXAMPLE_MODELS[model]["params"]
    out = {}
    for short, name in (("fp32", "fp32"), ("bf16", "bf16"), ("int8", "int8")):
        out[f"mem.{model}.weights.{short}_gb"] = _gb(
            memory.inference_memory(params, name).total_bytes
        )
    # "int4" in the table is the plain 4-bit width; NF4 adds its block scales.
    int4 = memory.inference_memory(params, "int4")
    out[f"mem.{model}.weights.int4_gb"] = _gb(int4.weights_bytes)
    out[f"mem.{model}.weights.nf4_gb"] = _gb(
        memory.inference_memory(params, "nf4").total_bytes
    )
    bf16 = memory.inference_memory(params, "bf16").total_bytes
    out[f"mem.{model}.weights.bf16_gib"] = format_number(bf16 / _GIB)
    return out


def training_values(model: str) -> dict[str, str]:
    params = EXAMPLE_MODELS[model]["params"]
    mixed = memory.training_memory(params)
    fp32 = memory.training_memory(params, weights_dtype="fp32")
    out = {
        f"mem.{model}.train.mixed.total_gb": _gb(mixed.total_bytes),
        f"mem.{model}.train.fp32.total_gb": _gb(fp32.total_bytes),
    }
    for label, result in (("mixed", mixed), ("fp32", fp32)):
        p = result.per_param
        out[f"mem.train.{label}.weights_bpp"] = format_number(p.weights)
        out[f"mem.train.{label}.grads_bpp"] = format_number(p.gradients)
        out[f"mem.train.{label}.master_bpp"] = format_number(p.master_weights)
        out[f"mem.train.{label}.adam_bpp"] = format_number(p.optimizer_states)
        out[f"mem.train.{label}.bpp"] = format_number(p.total)
    return out


def activation_values() -> dict[str, str]:
    shape = EXAMPLE_MODELS["7b"]
    act = {
        mode: memory.activation_memory(
            EXAMPLE_SEQ_LEN,
            1,
            shape["hidden"],
            shape["heads"],
            shape["layers"],
            recompute=mode,
        )
        for mode in ("none", "selective", "full")
    }
    return {
        "act.7b.bf16_gb": _gb(act["selective"].total_bytes),
        "act.7b.none_gb": _gb(act["none"].total_bytes),
        "act.7b.full_gb": _gb(act["full"].total_bytes),
        "model.7b.layers": format_number(shape["layers"]),
        "model.7b.hidden": format_number(shape["hidden"]),
        "model.7b.heads": format_number(shape["heads"]),
        "model.7b.seq": format_number(EXAMPLE_SEQ_LEN),
    }


def gpu_values() -> dict[str, str]:
    gpu = precision.gpu(EXAMPLE_GPU)
    fp32, tf32, bf16, fp8 = (
        gpu.peak_flops(f) or math.nan for f in ("fp32", "tf32", "bf16", "fp8")
    )
    bandwidth = gpu.memory_bandwidth or math.nan
    out = {
        "gpu.h100.fp32_tflops": format_number(fp32 / 1e12),
        "gpu.h100.tf32_tflops": format_number(tf32 / 1e12),
        "hw.fp8_accum_bits": format_number(compute.FP8_ACCUMULATION_BITS),
        "hw.fp8_promote_every": format_number(compute.FP8_PROMOTION_INTERVAL),
        "gpu.h100.bf16_tflops": format_number(bf16 / 1e12),
        "gpu.h100.fp8_tflops": format_number(fp8 / 1e12),
        "gpu.h100.bf16_over_fp32": format_number(bf16 / fp32, digits=2),
        "gpu.h100.hbm_tbs": format_number(bandwidth / 1e12),
        "gpu.h100.memory_gib": format_number(gpu.memory_bytes / _GIB),
        "gpu.h100.memory_gb": _gb(gpu.memory_bytes),
    }
    params = EXAMPLE_MODELS["7b"]["params"]
    bf16_s = memory.inference_memory(params, "bf16").total_bytes / bandwidth
    int4_s = memory.inference_memory(params, "int4").total_bytes / bandwidth
    out["decode.7b.bf16_ms"] = format_number(bf16_s * 1e3, digits=2)
    out["decode.7b.int4_ms"] = format_number(int4_s * 1e3, digits=2)
    out["decode.7b.bf16_tokens_s"] = format_number(math.floor(1 / bf16_s))
    big = EXAMPLE_MODELS["70b"]["params"]
    train = precision.fits(memory.training_memory(big).total_bytes, gpu)
    out["mem.70b.train.gpus"] = format_number(train.min_gpus)
    for dtype in ("bf16", "int4"):
        serve = precision.fits(memory.inference_memory(big, dtype).total_bytes, gpu)
        out[f"mem.70b.serve.{dtype}_gpus"] = format_number(serve.min_gpus)
    return out


def recap_values() -> dict[str, str]:
    """The worked examples of the recaps: KV cache, 6ND and MFU, 8-bit Adam,
    the gradient conventions, pure bf16 and ZeRO, all on the 7B model."""
    shape, params = EXAMPLE_MODELS["7b"], EXAMPLE_MODELS["7b"]["params"]
    head_dim = shape["hidden"] // shape["heads"]
    batch, gqa = EXAMPLE_INPUTS["kv_batch"], EXAMPLE_INPUTS["kv_heads_gqa"]
    kv = memory.kv_cache(
        shape["layers"], shape["heads"], head_dim, EXAMPLE_SEQ_LEN, batch, "bf16"
    )
    kv_gqa = memory.kv_cache(
        shape["layers"], gqa, head_dim, EXAMPLE_SEQ_LEN, batch, "bf16"
    )
    tokens, gpus, mfu = (
        EXAMPLE_INPUTS[k] for k in ("train_tokens", "train_gpus", "mfu")
    )
    flops = precision.training_compute(params, int(tokens)).flops
    peak = precision.gpu(EXAMPLE_GPU).peak_flops("bf16") or math.nan
    days = precision.training_days(flops, gpus, peak, mfu).days
    mixed = memory.training_memory(params)
    adam8 = memory.training_memory(params, optimizer="adam8bit")
    fp32_grads = memory.training_memory(params, grads_dtype="fp32")
    accum = memory.training_memory(params, accumulation_dtype="fp32")
    pure = memory.training_memory(params, master_weights=False, optimizer_dtype="bf16")
    n_d = EXAMPLE_INPUTS["zero_gpus"]
    out = {
        "kv.7b.head_dim": format_number(head_dim),
        "kv.batch": format_number(batch),
        "kv.7b.per_token_kib": format_number(kv.bytes_per_token / 2**10),
        "kv.7b.total_gb": _gb(kv.total_bytes),
        "kv.gqa.kv_heads": format_number(gqa),
        "kv.gqa.total_gb": _gb(kv_gqa.total_bytes),
        "compute.tokens": format_number(tokens),
        "compute.gpus": format_number(gpus),
        "compute.mfu": percent(mfu),
        "compute.7b.flops": format_number(flops),
        "compute.7b.days": format_number(days, digits=2),
        "adam8.block": format_number(memory.ADAM8BIT_BLOCK),
        "mem.train.adam8.adam_bpp": format_number(
            adam8.per_param.optimizer_states, digits=4
        ),
        "mem.train.adam8.bpp": format_number(adam8.per_param.total, digits=5),
        "mem.7b.train.adam8.total_gb": _gb(adam8.total_bytes),
        "mem.train.fp32grads.bpp": format_number(fp32_grads.per_param.total),
        "mem.train.accum.bpp": format_number(accum.per_param.total),
        "mem.train.bf16.bpp": format_number(pure.per_param.total),
        "zero.gpus": format_number(n_d),
        "zero.k": format_number(mixed.k),
    }
    for stage in range(4):
        sharded = memory.training_memory(params, zero_stage=stage, gpus=n_d)
        out[f"zero.7b.s{stage}_gb"] = _gb(sharded.per_gpu.total)
    return out


def nf4_memory_values() -> dict[str, str]:
    nf4 = memory.inference_memory(EXAMPLE_MODELS["7b"]["params"], "nf4")
    return {
        "nf4.block": format_number(nf4.block_size or 0),
        "nf4.bits_per_param": format_number(nf4.bits_per_param),
    }
