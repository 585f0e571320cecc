"""The course outline and the lesson "Why precision matters", rendered for real.

Every number in the lesson is a placeholder computed by lessons.precision; the
few literal numbers the text keeps are listed here, and each literal *claim*
is checked against the domain module.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from lessons import precision
from lessons.lessonfiles import (
    Course,
    Lesson,
    RenderedLesson,
    lesson_values,
    load_course,
    placeholders,
    render_lesson,
)
from lessons.lessonfiles.examples import EXAMPLE_INPUTS, EXAMPLE_MODELS
from lessons.markup import READING_WORDS_PER_MINUTE
from lessons.precision import memory

CONTENT = Path(__file__).resolve().parents[2] / "lessons" / "content"
SLUG = "why-precision-matters"
ANCHORS = [
    "floating-point-numbers",
    "range-versus-precision",
    "what-fewer-bits-save",
    "quantization",
    "mixed-precision-training",
    "the-asymmetry",
    "summary",
    "where-this-leads",
    "practice",
]
OBJECTIVES = {
    "fp-representation": "Describe how a floating-point number is represented as "
    "sign, exponent, and mantissa bits",
    "fewer-bits-save": "Explain why lower-precision representations save both "
    "memory and compute time",
    "quantization-vs-mixed": "Distinguish quantization (post-training conversion) "
    "from mixed precision training (per-step precision allocation)",
    "precision-asymmetry": "Recognize the asymmetry behind mixed precision: weights "
    "stay in high precision, activations and gradients can tolerate lower precision",
}


@pytest.fixture(scope="module")
def course() -> Course:
    return load_course(CONTENT)


@pytest.fixture(scope="module")
def lesson(course: Course) -> Lesson:
    return course.lesson(SLUG)


@pytest.fixture(scope="module")
def values() -> dict[str, str]:
    return lesson_values()


@pytest.fixture(scope="module")
def rendered(lesson: Lesson, values: dict[str, str]) -> RenderedLesson:
    return render_lesson(lesson, values)


def source(lesson: Lesson, anchor: str | None = None) -> str:
    return "\n".join(s.text for s in lesson.sections if anchor in (None, s.anchor))


# ---------------------------------------------------------------- outline


def test_course_lists_phase_3_with_four_lessons_in_order(course):
    assert course.title == "How large models are trained"
    (phase,) = course.phases
    assert (phase.number, phase.title) == (3, "How models are trained at scale")
    assert [r.order for r in phase.lessons] == [1, 2, 3, 4]
    assert phase.lessons[2].title == (
        "Why pretraining is a memory engineering problem "
        "(parallelism and Flash Attention)"
    )
    assert phase.lessons[3].title == (
        "Why precision matters: quantization and mixed precision"
    )
    assert [r.published for r in phase.lessons] == [False, False, False, True]
    assert phase.lessons[3].phase_closer
    assert [lesson.slug for lesson in course.lessons] == [SLUG]


def test_lesson_metadata_follows_the_outline(lesson):
    assert (lesson.phase, lesson.order) == (3, 4)
    assert (lesson.read_minutes, lesson.practice_minutes) == (23, 12)
    assert lesson.difficulty == "standard"
    assert {o.key: o.text for o in lesson.objectives} == OBJECTIVES
    assert lesson.objective_keys == tuple(OBJECTIVES)
    assert lesson.prerequisites.lessons == ("memory-engineering",)
    for phrase in ("gradients", "Adam", "activations", "HBM", "SRAM"):
        assert phrase in lesson.prerequisites.summary
    assert [s.anchor for s in lesson.sections] == ANCHORS
    assert [s.kind for s in lesson.sections] == ["reading"] * 8 + ["practice"]


# ---------------------------------------------------------------- rendering


def test_whole_lesson_renders_with_every_placeholder_known(lesson, values, rendered):
    used = {k for s in lesson.sections for k in placeholders(s.text)}
    assert used - set(values) <= {"lesson.practice_minutes", "lesson.read_minutes"}
    assert "{{" not in rendered.html
    assert rendered.math_count > 50
    assert '<span class="math inline">\\(' in rendered.html
    assert '<div class="math display">\\[' in rendered.html


def test_no_dollar_sign_escapes_math(rendered):
    outside_math = re.sub(
        r'<(span|div) class="math (inline|display)">.*?</\1>',
        "",
        rendered.html,
        flags=re.S,
    )
    assert "$" not in outside_math
    assert "\\(" not in outside_math


def test_reading_time_is_computed_from_about_23_minutes_of_words(lesson, rendered):
    # About 18 minutes, plus the recaps of what the problems test (issue 18).
    assert 4200 <= rendered.word_count <= 4800
    expected = math.ceil(rendered.word_count / READING_WORDS_PER_MINUTE)
    assert rendered.read_minutes == expected
    assert abs(rendered.read_minutes - lesson.read_minutes) <= 1
    practice = next(s for s in rendered.sections if s.kind == "practice")
    assert practice.word_count > 0
    assert sum(s.word_count for s in rendered.sections) == (
        rendered.word_count + practice.word_count
    )


def test_every_section_anchor_exists_with_a_link(rendered):
    top = [e.id for e in rendered.toc if e.level == 2]
    assert top == ANCHORS
    for anchor in ANCHORS:
        assert f'<h2 id="{anchor}">' in rendered.html
        assert f'href="#{anchor}"' in rendered.html
    ids = [e.id for e in rendered.toc]
    assert len(ids) == len(set(ids))


def test_cards_are_unique_valid_and_cover_every_objective(lesson, rendered):
    cards = rendered.cards
    assert 12 <= len(cards) <= 20
    assert len({c.key for c in cards}) == len(cards)
    per_objective = Counter(c.objective for c in cards)
    assert set(per_objective) == set(lesson.objective_keys)
    assert min(per_objective.values()) >= 3
    assert {c.type for c in cards} == {"basic", "cloze"}
    for card in cards:
        assert card.section in ANCHORS
        assert "{{ " not in card.front + card.back + card.text
    assert rendered.html.count('<aside class="check-yourself"') == len(cards)
    assert rendered.html.count("<details><summary>Show answer</summary>") == len(cards)


def test_the_text_speaks_of_the_subject_only(lesson):
    text = source(lesson).lower()
    for word in (
        "django",
        "assistant",
        "chatgpt",
        "this project",
        "placeholder",
        "llm ",
    ):
        assert word not in text


def test_values_match_the_reference_facts(values):
    expected = {
        "fp16.max": "65,504",
        "fp16.min_subnormal_pow2": "2^{-24}",
        "fp16.eps_pow2": "2^{-10}",
        "bf16.eps_pow2": "2^{-7}",
        "e4m3.max": "448",
        "e5m2.max": "57,344",
        "fp32.bias": "127",
        "fp16.bias": "15",
        "e4m3.bias": "7",
        "update.fp16.at_1": format(2**-11, ".3g"),
        "update.bf16.at_1": format(2**-8, ".3g"),
        "mem.train.mixed.bpp": "16",
        "mem.7b.train.mixed.total_gb": "112",
        "mem.7b.weights.bf16_gb": "14",
        "nf4.bits_per_param": "4.5",
        "ex.fp32.6_5.bits": "0 10000001 10100000000000000000000",
        "ex.fp16.0_1.bits": "0 01011 1001100110",
        "ex.bf16.0_1.bits": "0 01111011 1001101",
        "asym.bf16_after": "1",
        "asym.fp32_after": "1.1",
    }
    assert {k: values[k] for k in expected} == expected


# ---------------------------------------------------------------- literal claims


def enc(name: str, value: float) -> precision.Encoding:
    return precision.encode(name, value)


def fmt(name: str) -> precision.NumberFormat:
    return precision.lookup(name)


FLOATS = ("fp32", "fp16", "bf16", "fp8_e4m3fn", "fp8_e5m2")
ROW = EXAMPLE_INPUTS["row"]

#: (section, text as written in the lesson, check against the domain module).
CLAIMS: list[tuple[str, str, Callable[[], bool]]] = [
    (
        "floating-point-numbers",
        "**Sign** $s$: one bit",
        lambda: all(
            fmt(f).bits - fmt(f).exponent_bits - fmt(f).mantissa_bits == 1
            for f in FLOATS
        ),
    ),
    ("floating-point-numbers", "$6 = 4 + 2$ is `110`", lambda: bin(6) == "0b110"),
    ("floating-point-numbers", "$0.5 = 2^{-1}$", lambda: 0.5 == 2**-1),
    (
        "floating-point-numbers",
        "$6.5 = 1.101_2 \\times 2^{2}$",
        lambda: (
            enc("fp32", 6.5).unbiased_exponent == 2
            and dict(enc("fp32", 6.5).bit_fields)["mantissa"].rstrip("0") == "101"
        ),
    ),
    (
        "floating-point-numbers",
        "The exponent is $2$",
        lambda: enc("fp32", 6.5).unbiased_exponent == 2,
    ),
    ("floating-point-numbers", "$6{,}500 = 6.5 \\times 10^{3}$", lambda: 6.5e3 == 6500),
    (
        "floating-point-numbers",
        "= 1.625 \\times 4 = 6.5$$",
        lambda: 1.625 * 4 == 6.5 and 1 + 0.5 + 0.125 == 1.625,
    ),
    (
        "floating-point-numbers",
        "$1.1001100110011\\ldots_2 \\times 2^{-4}$",
        lambda: (
            enc("fp32", 0.1).unbiased_exponent == -4
            and dict(enc("fp32", 0.1).bit_fields)["mantissa"].startswith(
                "1001100110011"
            )
        ),
    ),
    (
        "floating-point-numbers",
        "the real exponent $-4$",
        lambda: enc("fp16", 0.1).unbiased_exponent == -4,
    ),
    (
        "floating-point-numbers",
        "bf16 exponent field is identical to fp32's",
        lambda: (
            dict(enc("bf16", 0.1).bit_fields)["exponent"]
            == dict(enc("fp32", 0.1).bit_fields)["exponent"]
        ),
    ),
    (
        "range-versus-precision",
        "$2^{-M}$ for $M$ mantissa bits",
        lambda: all(fmt(f).epsilon == 2.0 ** -fmt(f).mantissa_bits for f in FLOATS),
    ),
    (
        "range-versus-precision",
        "there are always $2^{M}$ representable numbers",
        lambda: all(
            1 / precision.spacing(f, 1.0) == 2 ** fmt(f).mantissa_bits for f in FLOATS
        ),
    ),
    (
        "range-versus-precision",
        "$1{,}001$ does not exist in bf16",
        lambda: precision.round_to("bf16", 1001.0) != 1001.0,
    ),
    (
        "range-versus-precision",
        "$300 \\times 300 = 90{,}000$ is beyond fp16's",
        lambda: (
            300 * 300 == 90_000
            and enc("fp16", 90_000.0).category == "overflow"
            and enc("bf16", 90_000.0).category == "normal"
        ),
    ),
    (
        "range-versus-precision",
        "smallest normal number is the same as fp32's",
        lambda: fmt("bf16").min_normal == fmt("fp32").min_normal,
    ),
    (
        "range-versus-precision",
        "almost the same as fp32's",
        lambda: 0.99 < fmt("bf16").max_finite / fmt("fp32").max_finite < 1,
    ),
    (
        "range-versus-precision",
        "drop\nthe low 16 bits of the fp32 pattern and round",
        lambda: (
            fmt("fp32").bits - fmt("bf16").bits == 16
            and precision.round_to("bf16", precision.round_to("fp32", 0.1))
            == precision.round_to("bf16", 0.1)
        ),
    ),
    (
        "what-fewer-bits-save",
        "divided by 8 bits per byte",
        lambda: all(
            fmt(f).bytes_per_value == fmt(f).bits / 8
            for f in ("fp32", "bf16", "int8", "int4")
        ),
    ),
    ("what-fewer-bits-save", "in a 4-bit format", lambda: fmt("int4").bits == 4),
    (
        "what-fewer-bits-save",
        "model with 7 billion parameters",
        lambda: EXAMPLE_MODELS["7b"]["params"] == 7_000_000_000,
    ),
    (
        "what-fewer-bits-save",
        "(GB here is $10^{9}$ bytes. Tools that report GiB, $2^{30}$",
        lambda: memory.inference_memory(10**9, "bf16").to_dict()["total"]["gb"] == 2.0,
    ),
    (
        "what-fewer-bits-save",
        "In fp32 every figure would be roughly twice as large",
        lambda: fmt("fp32").bytes_per_value / fmt("bf16").bytes_per_value == 2,
    ),
    (
        "what-fewer-bits-save",
        "$$\\text{activations} = s\\,b\\,h\\,(34 + 5as/h) \\text{ bytes}$$",
        lambda: (
            memory.activation_memory(4096, 2, 4096, 32).total_bytes
            == 4096 * 2 * 4096 * (34 + 5 * 32 * 4096 / 4096)
        ),
    ),
    (
        "what-fewer-bits-save",
        "keeps only each layer's input, $2sbh$ bytes",
        lambda: (
            memory.activation_memory(4096, 2, 4096, 32, recompute="full").total_bytes
            == 2 * 4096 * 2 * 4096
        ),
    ),
    (
        "what-fewer-bits-save",
        "about 2 FLOPs per parameter per token in the forward pass and 4 in the "
        "backward pass",
        lambda: (
            [s.value for s in precision.training_compute(3, 5).steps]
            == [2 * 15, 4 * 15, 6 * 15]
        ),
    ),
    (
        "what-fewer-bits-save",
        "2 \\times \\left(1 + \\frac{4}{B}\\right)",
        lambda: (
            memory.training_memory(1, optimizer="adam8bit").per_param.optimizer_states
            == 2 * (1 + 4 / memory.ADAM8BIT_BLOCK)
        ),
    ),
    (
        "what-fewer-bits-save",
        "The 2 counts K and V",
        lambda: precision.kv_cache(1, 1, 1, 1, 1, "int8").bytes_per_token == 2,
    ),
    (
        "floating-point-numbers",
        "$$x_{\\max} = (2 - 2^{-M}) \\times 2^{E_{\\max}}$$",
        lambda: all(
            fmt(f).max_finite
            == (2 - 2.0 ** -fmt(f).mantissa_bits)
            * 2.0 ** (2 ** fmt(f).exponent_bits - 2 - fmt(f).bias)
            for f in ("fp32", "fp16", "bf16", "fp8_e5m2")
        ),
    ),
    (
        "floating-point-numbers",
        "patterns `S.1111.111` (one per sign). Its largest mantissa is therefore `1.110`",
        lambda: (
            precision.decode_bits("fp8_e4m3fn", "0 1111 110")
            == fmt("fp8_e4m3fn").max_finite
            and math.isnan(precision.decode_bits("fp8_e4m3fn", "0 1111 111"))
            and math.isnan(precision.decode_bits("fp8_e4m3fn", "1 1111 111"))
        ),
    ),
    (
        "mixed-precision-training",
        "\\left(2 + 2 + \\tfrac{K}{N_d}\\right)\\Psi",
        lambda: (
            memory.training_memory(1, zero_stage=1, gpus=4).per_gpu.total
            == 2 + 2 + 12 / 4
        ),
    ),
    (
        "mixed-precision-training",
        "\\left(2 + \\tfrac{2 + K}{N_d}\\right)\\Psi",
        lambda: (
            memory.training_memory(1, zero_stage=2, gpus=4).per_gpu.total
            == 2 + (2 + 12) / 4
        ),
    ),
    (
        "mixed-precision-training",
        "\\tfrac{(2 + 2 + K)\\,\\Psi}{N_d}",
        lambda: (
            memory.training_memory(1, zero_stage=3, gpus=4).per_gpu.total
            == (2 + 2 + 12) / 4
        ),
    ),
    (
        "what-fewer-bits-save",
        "makes the weights and gradients 16-bit",
        lambda: (
            memory.training_memory(1).per_param.weights == fmt("bf16").bytes_per_value
        ),
    ),
    (
        "quantization",
        "four weights of one row, $0.12$, $-0.5$, $0.31$ and $0.02$",
        lambda: ROW == (0.12, -0.5, 0.31, 0.02),
    ),
    (
        "quantization",
        "The\nlargest magnitude is $0.5$",
        lambda: max(map(abs, ROW)) == 0.5,
    ),
    (
        "quantization",
        "Add one weight of $8.0$",
        lambda: EXAMPLE_INPUTS["outlier"] == 8.0,
    ),
    (
        "quantization",
        "the small weights $0.12$ and $0.02$",
        lambda: (ROW[0], ROW[3]) == (0.12, 0.02),
    ),
    (
        "quantization",
        "values between $-1$ and $3$ stored in unsigned 8 bits",
        lambda: EXAMPLE_INPUTS["asym_range"] == (-1.0, 3.0) and fmt("int8").bits == 8,
    ),
    ("quantization", "$s = 4/", lambda: 3 - (-1) == 4),
    ("quantization", "a 16-bit scale per", lambda: EXAMPLE_INPUTS["scale_bits"] == 16),
    (
        "quantization",
        "really averages a little more than 4 bits",
        lambda: 4 < memory.inference_memory(10**9, "nf4").bits_per_param < 5,
    ),
    (
        "mixed-precision-training",
        "three fewer mantissa\nbits",
        lambda: fmt("fp16").mantissa_bits - fmt("bf16").mantissa_bits == 3,
    ),
    (
        "mixed-precision-training",
        "in 16 bits and which in 32",
        lambda: fmt("bf16").bits == fmt("fp16").bits == 16 and fmt("fp32").bits == 32,
    ),
    (
        "the-asymmetry",
        "does no better: its threshold",
        lambda: (
            precision.smallest_update_that_changes("fp16", 1.0)
            > EXAMPLE_INPUTS["update"]
        ),
    ),
    (
        "the-asymmetry",
        "rounded to\n8 or even 4 bits",
        lambda: (fmt("int8").bits, fmt("int4").bits) == (8, 4),
    ),
    (
        "practice",
        "A model has 70 billion parameters",
        lambda: EXAMPLE_MODELS["70b"]["params"] == 70_000_000_000,
    ),
    (
        "practice",
        "$-2.5 = -10.1_2 = -1.01_2 \\times 2^{1}$. Sign `1`",
        lambda: (
            enc("fp16", -2.5).unbiased_exponent == 1
            and enc("fp16", -2.5).sign == 1
            and dict(enc("fp16", -2.5).bit_fields)["mantissa"].rstrip("0") == "01"
        ),
    ),
    (
        "practice",
        "largest magnitude $0.8$",
        lambda: EXAMPLE_INPUTS["practice_absmax"] == 0.8,
    ),
    (
        "practice",
        "stores the weight $0.3$",
        lambda: EXAMPLE_INPUTS["practice_weight"] == 0.3,
    ),
    (
        "practice",
        "the grid near 4 is four times as\n   coarse as near 1",
        lambda: precision.spacing("bf16", 4.0) == 4 * precision.spacing("bf16", 1.0),
    ),
]


@pytest.mark.parametrize(
    ("anchor", "claim", "check"), CLAIMS, ids=[c[1][:40] for c in CLAIMS]
)
def test_literal_claims_hold_in_the_domain_module(lesson, anchor, claim, check):
    assert " ".join(claim.split()) in " ".join(source(lesson, anchor).split())
    assert check()


#: Every number the text writes literally, and why it may stay literal. Any
#: other literal number in the text fails the test: make it a placeholder.
LITERAL_NUMBERS = {
    "0": "bit values and zero itself",
    "1": "bit values, the implicit leading 1, a weight of 1, list numbers",
    "2": "base 2, exponent of the 6.5 example (claim), 2^30 (claim)",
    "3": "Phase 3 of the course; 10^3 in 6,500 (claim)",
    "4": "4 bits (claim), 4 = 3 - (-1) (claim), 6 = 4 + 2",
    "6": "6 = 4 + 2 (claim)",
    "8": "8 bits per byte, int8 (claims)",
    "9": "GB = 10^9 (claim)",
    "10": "10^3, 10^9, -10.1 in binary",
    "16": "16-bit formats (claim)",
    "30": "GiB = 2^30 (claim)",
    "32": "32-bit (claim)",
    "7": "a 7B model (claim, EXAMPLE_MODELS)",
    "70": "a 70B model (claim, EXAMPLE_MODELS)",
    "2018": "year of the cited paper",
    "2020": "year of the cited papers (Kaplan et al., Rajbhandari et al.)",
    "2022": "year of the cited papers (Korthikanti et al., Dettmers et al.)",
    "3.3.2": "section number of the cited DeepSeek-V3 report",
    "34": "constant of the Korthikanti et al. activation formula (claim)",
    "1111.111": "the E4M3 NaN bit pattern S.1111.111 (claim)",
    "1.110": "E4M3's largest mantissa in binary (claim)",
    "0.01": "illustrative size of a weight",
    "0.1": "the example value encoded in four formats",
    "0.5": "2^-1, and the largest magnitude of the example row (claims)",
    "1.0": "the implicit 1 in 1.0 x 2^e",
    "6.5": "the fp32 worked example (claim)",
    "6{,}500": "scientific notation example (claim)",
    "1.625": "1.101 in binary (claim)",
    "110": "6 in binary (claim)",
    "110.1": "6.5 in binary (claim)",
    "1.101": "6.5 normalized (claim)",
    "101": "mantissa of 6.5 (claim)",
    "1001": "0.1's repeating binary digits",
    "1.1001100110011": "0.1 in binary (claim)",
    "1{,}000": "where spacing is shown (values spacing.*.1000)",
    "1{,}001": "not representable in bf16 (claim)",
    "300": "overflow example (claim)",
    "90{,}000": "overflow example (claim)",
    "0.12": "quantization example row (claim)",
    "-0.5": "quantization example row (claim)",
    "0.31": "quantization example row (claim)",
    "0.02": "quantization example row (claim)",
    "8.0": "quantization outlier (claim)",
    "-2.5": "practice encoding (claim)",
    "-10.1": "practice encoding (claim)",
    "-1.01": "practice encoding (claim)",
    "0.8": "practice quantization (claim)",
    "0.3": "practice quantization (claim)",
}


def literal_numbers(text: str) -> set[str]:
    text = re.sub(r"\{\{\s*[A-Za-z0-9_][A-Za-z0-9_.\-]*\s*\}\}", " ", text)
    text = re.sub(r"\{\{c\d+::", " ", text)
    text = re.sub(r"^\s*\d+\. |^#+ \d+\. ", " ", text, flags=re.M)  # list numbers
    text = re.sub(r"^(key|type|objective):.*$", " ", text, flags=re.M)
    number = r"(?<![A-Za-z_\d])-?\d(?:[\d.]|\{,\})*\d|(?<![A-Za-z_\d])\d(?![A-Za-z\d])"
    return set(re.findall(number, text))


def test_every_literal_number_is_accounted_for(lesson):
    unexplained = literal_numbers(source(lesson)) - set(LITERAL_NUMBERS)
    assert not unexplained, f"make these placeholders or justify them: {unexplained}"
