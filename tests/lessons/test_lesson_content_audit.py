"""Issue 18: what the lesson says matches what its problems test and the formats do.

Every problem template links to a section of the lesson; that section must
teach the template's idea. Claims the audit found wrong (fp32 accumulation in
every tensor core, Adam's moments always fp32, the fp16 flush point, E5M2's
spacing near 1,000) are stated from computed values.
"""

from __future__ import annotations

import re
from pathlib import Path

import ml_dtypes
import numpy as np
import pytest

from lessons import precision
from lessons.lessonfiles import lesson_values, load_course, render_lesson
from lessons.lessonfiles.examples import EXAMPLE_INPUTS
from lessons.markup import format_number
from lessons.precision.formats import underflow_threshold
from lessons.problems import templates

CONTENT = Path(__file__).resolve().parents[2] / "lessons" / "content"

#: For every problem template, words its linked section must contain (case
#: and line breaks ignored): the idea the template tests.
TAUGHT: dict[str, tuple[str, ...]] = {
    "format-properties": ("sign", "exponent", "mantissa", "bias", "largest finite"),
    "round-to-format": ("round", "overflow", "underflow", "subnormal"),
    "smallest-update": ("halfway to the next grid point", "swallowed"),
    "loss-scale": ("loss scaling", "power of two", "smallest normal", "overflow"),
    "gb-vs-gib": ("GiB", "$2^{30}$"),
    "quantized-weights": ("scale", "per-group", "bits per weight"),
    "fits-on-gpu": ("GiB", "GPUs", "fit"),
    "kv-cache-gqa": ("KV cache", "grouped-query attention", "KV heads", "K and V"),
    "activation-recompute": (
        "recomputation",
        "activation checkpointing",
        "selective",
        "full recomputation",
        "34 + 5",
    ),
    "training-memory-fp32": ("plain fp32", "gradients", "Adam moments"),
    "training-memory-mixed": (
        "master",
        "fp32 gradients",
        "accumulation buffer",
        "convention",
    ),
    "training-memory-bf16": ("pure bf16", "master copy"),
    "training-memory-adam8bit": ("8-bit optimizers", "Adam8bit", "block"),
    "zero-per-gpu": ("ZeRO", "stage 1", "stage 2", "stage 3", "shard"),
    "training-compute": ("6ND", "model FLOPs utilization", "MFU"),
}


@pytest.fixture(scope="module")
def lesson():
    return load_course(CONTENT).lesson("why-precision-matters")


@pytest.fixture(scope="module")
def values() -> dict[str, str]:
    return lesson_values()


@pytest.fixture(scope="module")
def rendered(lesson, values):
    return render_lesson(lesson, values)


def section(lesson, anchor: str) -> str:
    text = next(s.text for s in lesson.sections if s.anchor == anchor)
    return " ".join(text.split())


def all_text(lesson) -> str:
    return " ".join(" ".join(s.text for s in lesson.sections).split())


def test_every_template_has_a_list_of_what_it_tests():
    assert set(TAUGHT) == {t.key for t in templates()}


@pytest.mark.parametrize("template", templates(), ids=lambda t: t.key)
def test_each_template_is_taught_in_the_section_it_links(lesson, template):
    text = section(lesson, template.section).lower()
    missing = [w for w in TAUGHT[template.key] if w.lower() not in text]
    assert not missing, f"{template.section} does not teach {missing}"


def test_the_recaps_show_computed_examples(values):
    # One worked example per recap, each computed by the lesson values.
    for key in (
        "kv.7b.per_token_kib",
        "kv.7b.total_gb",
        "kv.gqa.total_gb",
        "compute.7b.flops",
        "compute.7b.days",
        "act.7b.none_gb",
        "act.7b.full_gb",
        "mem.7b.train.adam8.total_gb",
        "mem.train.adam8.adam_bpp",
        "mem.train.fp32grads.bpp",
        "mem.train.accum.bpp",
        "mem.train.bf16.bpp",
        "zero.7b.s1_gb",
        "zero.7b.s3_gb",
        "tf32.bits",
    ):
        assert values[key]
    params, seq = 7e9, 4096
    tokens = EXAMPLE_INPUTS["train_tokens"]
    flops = precision.training_compute(int(params), int(tokens)).flops
    assert values["compute.7b.flops"] == format_number(flops)
    kv = precision.kv_cache(32, 32, 128, seq, int(values["kv.batch"]), "bf16")
    assert values["kv.7b.per_token_kib"] == f"{kv.bytes_per_token / 1024:,.0f}"
    adam8 = precision.training_memory(int(params), optimizer="adam8bit")
    assert values["mem.train.adam8.bpp"] == f"{adam8.per_param.total:.5g}"
    assert values["mem.train.fp32grads.bpp"] == "18"
    assert values["mem.train.accum.bpp"] == "20"
    assert values["mem.train.bf16.bpp"] == "8"


def test_tf32_is_taught_where_its_cards_link(lesson, values):
    text = section(lesson, "floating-point-numbers")
    assert "TF32" in text
    for key in ("tf32.bits", "tf32.bytes", "tf32.mant_bits"):
        assert "{{ " + key + " }}" in text
    f = precision.lookup("tf32")
    assert values["tf32.bits"] == str(1 + f.exponent_bits + f.mantissa_bits)
    assert values["tf32.bytes"] == "4"


def test_tf32_description_separates_math_bits_from_storage():
    text = precision.lookup("tf32").description
    assert "19 significant bits (1 + 8 + 10)" in text
    assert "32-bit registers and memory (4 bytes)" in text


def test_tensor_cores_are_not_said_to_always_accumulate_in_fp32(lesson, values):
    text = all_text(lesson)
    assert not re.search(r"add (up )?the products in fp32", text)
    for anchor in ("what-fewer-bits-save", "the-asymmetry"):
        body = section(lesson, anchor)
        assert "{{ hw.fp8_accum_bits }}" in body
        assert "DeepSeek-V3" in body
    assert values["hw.fp8_accum_bits"] == "14"
    assert values["hw.fp8_promote_every"] == "128"


def test_adam_moments_are_usually_fp32_and_8bit_optimizers_are_named(lesson):
    text = section(lesson, "the-asymmetry")
    assert "Adam's moments stay in fp32" not in text
    assert "Adam's moments usually stay in fp32" in text
    assert "Adam8bit" in text and "Dettmers" in text


def test_the_fp16_flush_point_is_half_the_smallest_subnormal(lesson, values):
    tiny = precision.lookup("fp16").min_subnormal
    assert underflow_threshold("fp16") == tiny / 2 == 2.0**-25
    # The cast itself: exactly 2^-25 is a tie that goes to even (0); the next
    # float32 above it rounds up to 2^-24.
    assert float(np.float16(2.0**-25)) == 0.0
    assert float(np.float16(np.nextafter(np.float32(2.0**-25), np.float32(1)))) == tiny
    assert values["fp16.flush_pow2"] == "2^{-25}"
    text = all_text(lesson)
    wrong = r"(flush|underflow|become exactly zero)[^.]*below \{\{ fp16\.min_subnormal"
    assert not re.search(wrong, text)
    assert "{{ fp16.flush_pow2 }}" in section(lesson, "mixed-precision-training")


@pytest.mark.parametrize(
    "name", ["fp16", "bf16", "fp8_e4m3fn", "fp8_e5m2", "fp32", "fp6_e2m3", "fp4_e2m1"]
)
def test_underflow_threshold_is_the_largest_value_that_rounds_to_zero(name):
    half = underflow_threshold(name)
    assert precision.round_to(name, half) == 0.0
    above = float(np.nextafter(np.float32(half), np.float32(1)))
    assert precision.round_to(name, above) == precision.lookup(name).min_subnormal


def test_e5m2_near_1000_is_stated_from_its_neighbours(lesson, values):
    e5m2 = ml_dtypes.float8_e5m2
    assert float(np.float32(1000).astype(e5m2)) == 1024.0
    assert values["e5m2.near_1000.stored"] == "1,024"
    assert values["e5m2.near_1000.below"] == "896"
    assert values["e5m2.near_1000.above"] == "1,280"
    assert values["e5m2.near_1000.gap_below"] == "128"
    assert values["e5m2.near_1000.gap_above"] == "256"
    text = section(lesson, "range-versus-precision")
    assert "{{ e5m2.near_1000.gap_below }}" in text
    assert "{{ e5m2.near_1000.gap_above }}" in text


def test_e4m3_nan_patterns_are_counted_in_the_lesson(lesson, values):
    codes = np.arange(256, dtype=np.uint8).view(ml_dtypes.float8_e4m3fn)
    count = int(np.isnan(codes.astype(np.float32)).sum())
    assert values["e4m3.nan_patterns"] == str(count) == "2"
    assert "{{ e4m3.nan_patterns }}" in section(lesson, "floating-point-numbers")


def test_lesson_cards_do_not_repeat_generated_ones_and_sit_under_their_objective(
    rendered,
):
    cards = {c.key: c for c in rendered.cards}
    # The key stays (learners' reviews of it are kept and it keeps coming up);
    # the card now asks why bytes per parameter is a floor, which the
    # generated inference cards (one per dtype, arithmetic only) do not.
    floor = cards["bytes-per-parameter"]
    assert floor.objective == "fewer-bits-save"
    assert "lower bound" in floor.back
    assert "floor" in floor.front
    assert cards["loss-scaling"].objective == "quantization-vs-mixed"
