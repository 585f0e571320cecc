"""Memory formulas against the worked examples of the precision facts."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons.precision.errors import PrecisionInputError
from lessons.precision.memory import (
    activation_memory,
    inference_memory,
    kv_cache,
    training_memory,
)

GIB = 2**30


# --- training: model states ----------------------------------------------------


def test_mixed_precision_adam_takes_16_bytes_per_parameter():
    result = training_memory(1)
    assert result.per_param.weights == 2
    assert result.per_param.gradients == 2
    assert result.per_param.master_weights == 4
    assert result.per_param.optimizer_states == 8
    assert result.bytes_per_param == 16
    assert result.k == 12
    assert result.convention == "2 + 2 + 4 + 8 = 16 bytes/param (K = 12)"


def test_a_7b_model_in_mixed_precision_needs_112_gb():
    result = training_memory(7e9)
    assert result.params == 7_000_000_000
    assert result.total_bytes == 112e9
    assert result.result == 112e9
    assert result.to_dict()["total"]["gb"] == 112.0
    assert result.to_dict()["total"]["gib"] == pytest.approx(104.31, abs=0.01)


@pytest.mark.parametrize(
    ("kwargs", "bytes_per_param"),
    [
        ({"grads_dtype": "fp32"}, 18),
        ({"accumulation_dtype": "fp32"}, 20),
        ({"weights_dtype": "fp32"}, 16),
        ({"weights_dtype": "fp32", "master_weights": False}, 16),
        ({"master_weights": False, "optimizer_dtype": "bf16"}, 8),
        ({"optimizer": "sgd"}, 8),
        ({"optimizer": "sgd_momentum"}, 12),
        ({"optimizer": "adamw"}, 16),
        ({"optimizer": "adam8bit"}, 2 + 2 + 4 + 2 * (1 + 4 / 2048)),
    ],
)
def test_training_conventions(kwargs, bytes_per_param):
    assert training_memory(10**9, **kwargs).bytes_per_param == bytes_per_param


def test_fp32_weights_are_their_own_master_copy():
    result = training_memory(10, weights_dtype="fp32")
    assert result.per_param.master_weights == 0
    assert result.master_dtype is None
    assert any("master copy" in note for note in result.notes)


def test_adam8bit_counts_its_block_absmax_and_says_so():
    result = training_memory(10, optimizer="adam8bit")
    assert result.per_param.optimizer_states == 2 + 8 / 2048
    assert any("2048" in note for note in result.notes)


@pytest.mark.parametrize(
    ("stage", "expected_gb"),
    [(0, 120.0), (1, 31.4), (2, 16.6), (3, 1.9)],
)
def test_zero_paper_figure_for_7_5b_on_64_gpus(stage, expected_gb):
    """ZeRO paper, figure 1: Ψ = 7.5B, K = 12, N_d = 64."""
    result = training_memory(7.5e9, zero_stage=stage, gpus=64)
    assert result.per_gpu.total / 1e9 == pytest.approx(expected_gb, abs=0.05)


@settings(max_examples=200, deadline=None)
@given(
    params=st.integers(1, 10**12),
    gpus=st.integers(1, 4096),
    optimizer=st.sampled_from(["sgd", "sgd_momentum", "adam", "adam8bit"]),
)
def test_zero_stage_formulas(params, gpus, optimizer):
    psi, nd = params, gpus
    base = training_memory(psi, optimizer=optimizer)
    w, g, k = 2, 2, base.k
    expected = {
        0: (2 + 2 + k) * psi,
        1: 2 * psi + 2 * psi + k * psi / nd,
        2: 2 * psi + (2 + k) * psi / nd,
        3: (2 + 2 + k) * psi / nd,
    }
    for stage, total in expected.items():
        result = training_memory(psi, optimizer=optimizer, zero_stage=stage, gpus=nd)
        assert result.per_gpu.total == pytest.approx(total, rel=1e-12)
        assert result.all_gpus.total == pytest.approx(total * nd, rel=1e-12)
        assert (w, g) == (result.per_param.weights, result.per_param.gradients)


def test_training_steps_end_with_the_answer_and_are_json_safe():
    result = training_memory(7e9, zero_stage=2, gpus=8)
    assert result.steps[-1].value == result.total_bytes
    assert result.steps[-1].unit == "B"
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert data["per_gpu"]["total"]["bytes"] == result.total_bytes
    assert data["steps"][-1]["gb"] == result.total_bytes / 1e9
    assert "ZeRO stage 2" in result.explain()


def test_training_validation_reports_every_bad_field():
    with pytest.raises(PrecisionInputError) as caught:
        training_memory(
            -1, weights_dtype="fp13", optimizer="lion", zero_stage=4, gpus=0
        )
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.field == "params"
    assert set(error.errors) == {
        "params",
        "weights_dtype",
        "optimizer",
        "zero_stage",
        "gpus",
    }
    assert "bf16" in error.errors["weights_dtype"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"params": 7.5}, "params"),
        ({"params": float("inf")}, "params"),
        ({"params": "7e9"}, "params"),
        ({"params": True}, "params"),
        ({"master_weights": "fp99"}, "master_weights"),
        ({"optimizer": "adam8bit", "optimizer_dtype": "bf16"}, "optimizer_dtype"),
        ({"zero_stage": 1.5}, "zero_stage"),
        ({"gpus": 2.5}, "gpus"),
        ({"grads_dtype": 16}, "grads_dtype"),
    ],
)
def test_training_validation_names_the_field(kwargs, field):
    kwargs = {"params": 10**9} | kwargs
    with pytest.raises(PrecisionInputError) as caught:
        training_memory(**kwargs)
    assert caught.value.field == field


# --- activations ----------------------------------------------------------------


def korthikanti(s, b, h, a, t=1, sp=False, mode="none"):
    """The paper's per-layer equations, written out independently."""
    if mode == "full":
        return 2 * s * b * h / (t if sp else 1)
    attention = 5 * a * s / h if mode == "none" else 0
    if sp or t == 1:
        return s * b * h * (34 + attention) / t
    return s * b * h * (10 + 24 / t + attention / t)


def test_activation_memory_per_layer_without_parallelism():
    result = activation_memory(2048, 1, 12288, 96)
    s, b, h, a = 2048, 1, 12288, 96
    assert result.per_layer_bytes == s * b * h * (34 + 5 * a * s / h)


@settings(max_examples=200, deadline=None)
@given(
    s=st.integers(1, 32768),
    b=st.integers(1, 64),
    h=st.sampled_from([768, 4096, 12288, 18432]),
    a=st.sampled_from([8, 32, 96, 128]),
    layers=st.integers(1, 128),
    t=st.sampled_from([1, 2, 4, 8]),
    sp=st.booleans(),
    mode=st.sampled_from(["none", "selective", "full"]),
)
def test_activation_memory_follows_the_paper(s, b, h, a, layers, t, sp, mode):
    result = activation_memory(
        s,
        b,
        h,
        a,
        layers=layers,
        tensor_parallel=t,
        sequence_parallel=sp,
        recompute=mode,
    )
    expected = korthikanti(s, b, h, a, t, sp, mode)
    assert result.per_layer_bytes == pytest.approx(expected, rel=1e-12)
    assert result.total_bytes == pytest.approx(expected * layers, rel=1e-12)
    assert result.result == result.total_bytes


def test_sequence_parallel_divides_everything_by_t():
    plain = activation_memory(4096, 2, 8192, 64)
    split = activation_memory(
        4096, 2, 8192, 64, tensor_parallel=8, sequence_parallel=True
    )
    assert split.per_layer_bytes == plain.per_layer_bytes / 8


def test_selective_recomputation_drops_the_attention_term():
    result = activation_memory(2048, 1, 12288, 96, recompute="selective")
    assert result.per_layer_bytes == 34 * 2048 * 12288
    assert "5·a·s/h" not in result.formula


def test_activation_validation_names_every_field():
    with pytest.raises(PrecisionInputError) as caught:
        activation_memory(0, 1, 1.5, 8, recompute="some", sequence_parallel="yes")
    assert set(caught.value.errors) == {
        "seq_len",
        "hidden",
        "recompute",
        "sequence_parallel",
    }


# --- inference ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dtype", "kwargs", "bits"),
    [
        ("bf16", {}, 16),
        ("fp16", {}, 16),
        ("int8", {}, 8),
        ("int4", {}, 4),
        ("fp8_e4m3fn", {}, 8),
        ("nf4", {}, 4 + 32 / 64),
        ("nf4", {"double_quant": True}, 4 + 8 / 64 + 32 / (64 * 256)),
        ("int8", {"block_size": 128}, 8 + 32 / 128),
        ("int4", {"block_size": 32}, 4 + 1),
    ],
)
def test_inference_bits_per_parameter(dtype, kwargs, bits):
    result = inference_memory(10**9, dtype, **kwargs)
    assert result.bits_per_param == bits
    assert result.total_bytes == pytest.approx(10**9 * bits / 8, rel=1e-15)
    assert result.result == result.total_bytes


def test_a_7b_model_in_bf16_takes_14_gb_and_in_nf4_about_3_9():
    assert inference_memory(7e9, "bf16").total_bytes == 14e9
    nf4 = inference_memory(7e9, "nf4")
    assert nf4.block_size == 64
    assert nf4.weights_bytes == 3.5e9
    assert nf4.constants_bytes == 7e9 * 0.5 / 8
    assert nf4.total_bytes / 1e9 == pytest.approx(3.9375)


def test_double_quantization_needs_blocks():
    with pytest.raises(PrecisionInputError) as caught:
        inference_memory(10**9, "int8", double_quant=True)
    assert caught.value.field == "double_quant"


def test_inference_validation_names_the_field():
    with pytest.raises(PrecisionInputError) as caught:
        inference_memory(10**9, "bf32", block_size=0)
    assert set(caught.value.errors) == {"dtype", "block_size"}


# --- KV cache -----------------------------------------------------------------------


def test_kv_cache_with_grouped_query_attention():
    """Llama-2-70B-like: 80 layers, 64 query heads but 8 KV heads, dim 128."""
    result = kv_cache(80, 8, 128, 4096, 1, "bf16")
    assert result.bytes_per_token == 2 * 80 * 8 * 128 * 2
    assert result.total_bytes == 2 * 80 * 8 * 128 * 4096 * 2
    assert result.total_bytes / GIB == 1.25
    with_query_heads = kv_cache(80, 64, 128, 4096, 1, "bf16")
    assert with_query_heads.total_bytes == 8 * result.total_bytes


def test_kv_cache_scales_with_batch_and_dtype():
    bf16 = kv_cache(32, 32, 128, 8192, 4, "bf16")
    fp8 = kv_cache(32, 32, 128, 8192, 4, "fp8_e4m3fn")
    assert fp8.total_bytes == bf16.total_bytes / 2
    assert bf16.total_bytes == 2 * 32 * 32 * 128 * 8192 * 4 * 2
    assert json.dumps(bf16.to_dict(), allow_nan=False)


def test_kv_cache_validation_names_the_fields():
    with pytest.raises(PrecisionInputError) as caught:
        kv_cache(32, 0, 128, -5, 1, "int3")
    assert set(caught.value.errors) == {"kv_heads", "seq_len", "dtype"}
