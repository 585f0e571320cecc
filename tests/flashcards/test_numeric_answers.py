"""Numeric cards read answers exactly as the problems do (one reader), and
judge the unit the learner typed."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flashcards import content, generation, numeric_answers
from lessons import precision
from lessons.precision import Step
from lessons.problems import grade_part
from lessons.problems.parts import part as make_part
from lessons.problems.tolerance import EXACT


def _cards() -> dict[str, dict]:
    return {n.source_key: n.fields for n in generation.domain_notes()}


@pytest.mark.parametrize("name", ["bf16", "fp16", "fp32"])
@pytest.mark.parametrize(
    "spelling",
    ["2^-{m}", "2**-{m}", "2^(-{m})", "1/{d}", "1/2^{m}", "{e!r}"],
)
def test_epsilon_cards_take_the_powers_their_explanations_write(name, spelling):
    fmt = precision.lookup(name)
    card = _cards()[f"format:{name}:epsilon"]
    m = fmt.mantissa_bits
    typed = spelling.format(m=m, d=2**m, e=fmt.epsilon)
    assert f"2^{{-{m}}}" in card["explanation"]
    assert numeric_answers.grade_numeric(card, typed), typed


def test_epsilon_cards_take_superscript_powers():
    card = _cards()["format:bf16:epsilon"]
    assert numeric_answers.grade_numeric(card, "2⁻⁷")
    assert not numeric_answers.grade_numeric(card, "2⁻⁸")


@pytest.mark.parametrize(
    "typed",
    [
        "16",
        "16 B",
        "16 bytes",
        "16 B/param",
        "16 bytes per parameter",
        "16 bytes/param",
        "128 bits",
    ],
)
def test_bytes_per_parameter_cards_take_bytes_and_bytes_per_param(typed):
    card = _cards()["training:mixed-bf16-adam"]
    assert numeric_answers.grade_numeric(card, typed)


@pytest.mark.parametrize("typed", ["16 bits", "16 GB", "16 FLOPs", "18 B", "16 apples"])
def test_bytes_per_parameter_cards_refuse_other_amounts(typed):
    card = _cards()["training:mixed-bf16-adam"]
    assert not numeric_answers.grade_numeric(card, typed)


def test_gb_cards_take_gib_converted():
    card = _cards()["inference:nf4"]
    gb = float(card["answer"])
    gib = gb * 1e9 / 2**30
    assert numeric_answers.grade_numeric(card, f"{gib:.2f} GiB")
    assert numeric_answers.grade_numeric(card, f"{gb * 1000:.0f} MB")
    assert numeric_answers.grade_numeric(card, f"{gb:.2f}".replace(".", ",") + " GB")
    # The number right in GB but labelled GiB is a different amount.
    assert not numeric_answers.grade_numeric(card, f"{gb:.2f} GiB")


def test_a_decimal_comma_on_a_card_in_gb():
    card = {
        "question": "?",
        "answer": "208",
        "unit": "GB",
        "relative_tolerance": "0.01",
    }
    assert numeric_answers.grade_numeric(card, "0,208 TB")
    assert numeric_answers.grade_numeric(card, "208 gb")
    assert not numeric_answers.grade_numeric(card, "208 TB")


def test_feedback_speaks_of_the_unit_typed():
    card = _cards()["inference:bf16"]
    gb = float(card["answer"])
    grade = numeric_answers.numeric_grade(card, f"{gb:g} GiB")
    assert not grade.correct
    assert grade.unit == "GiB" and grade.unit_text == "GiB"
    assert "GiB" in grade.feedback
    assert "GB" in grade.feedback.replace("GiB", "")
    typed_gb = numeric_answers.numeric_grade(card, f"{gb * 1.1:g} gb")
    assert "GiB" not in typed_gb.feedback
    assert typed_gb.unit == "GB" and typed_gb.unit_text == "gb"


def test_a_unit_of_another_kind_is_named():
    card = _cards()["inference:bf16"]
    grade = numeric_answers.numeric_grade(card, "14 FLOPs")
    assert not grade.correct
    assert "FLOP" in grade.feedback


def test_percent_cards():
    card = {"question": "?", "answer": "12.5", "unit": "%", "tolerance": "0.05"}
    assert numeric_answers.grade_numeric(card, "12.5%")
    assert numeric_answers.grade_numeric(card, "12.5 %")
    assert numeric_answers.grade_numeric(card, "12,5")
    assert not numeric_answers.grade_numeric(card, "0.125")


def test_a_card_in_an_unknown_unit_takes_its_own_label():
    card = {"question": "?", "answer": "1500", "unit": "tokens", "tolerance": "0"}
    assert numeric_answers.grade_numeric(card, "1500 tokens")
    assert numeric_answers.grade_numeric(card, "1,500 Tokens")
    assert numeric_answers.grade_numeric(card, "1500")
    assert not numeric_answers.grade_numeric(card, "1500 GB")


def test_the_card_answer_may_be_written_as_a_power():
    card = {"question": "?", "answer": "2^-7"}
    assert content.validate_note("numeric", card)[0] == card
    assert numeric_answers.grade_numeric(card, "0.0078125")
    assert numeric_answers.parse_number("2^-7") == 2**-7


@pytest.mark.parametrize("typed", ["", "   ", "x", "nan", "inf", "1e999"])
def test_unreadable_answers_are_wrong(typed):
    card = {"question": "?", "answer": "12", "tolerance": "1"}
    grade = numeric_answers.numeric_grade(card, typed)
    assert not grade.correct
    assert grade.status in ("unreadable", "unanswered")


def test_parse_number_keeps_its_contract():
    assert numeric_answers.parse_number("1,500") == 1500
    assert numeric_answers.parse_number("1 500") == 1500
    assert numeric_answers.parse_number(" 1.5e3 ") == 1500
    assert numeric_answers.parse_number(2) == 2.0
    assert numeric_answers.parse_number(True) is None
    assert numeric_answers.parse_number(None) is None
    assert numeric_answers.parse_number("12 GB") is None
    assert numeric_answers.parse_number(float("nan")) is None


# --------------------------------------------------------------------------
# Property: one text, one value, whichever path reads it.

UNITS = [
    "",
    "B",
    "bytes",
    "GB",
    "gb",
    "GiB",
    "MiB",
    "KB",
    "TB",
    "TiB",
    "B/param",
    "bytes per parameter",
    "%",
    "bits",
    "Gb",
    "FLOPs",
]


STYLES = [
    "plain",
    "sci",
    "SCI",
    "thousands",
    "decimal-comma",
    "european",
    "spaces",
    "fraction",
    "power",
    "superscript",
    "times-ten",
]


def spell(value: float, style: str) -> str:
    """``value`` written in one of the ways people type numbers."""
    if style == "plain":
        return repr(value)
    if style == "sci":
        return f"{value:.4e}"
    if style == "SCI":
        return f"{value:.3E}"
    if style == "thousands":
        return f"{value:,.2f}"
    if style == "decimal-comma":
        # Two decimals: a comma before exactly three digits is the thousands
        # reading (tested on its own in tests/lessons/test_number_reader.py).
        return f"{value:.2f}".replace(".", ",")
    if style == "european":
        return f"{value:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    if style == "spaces":
        return f"{value:,.0f}".replace(",", " ")
    if style == "fraction":
        return f"1/{max(1, round(abs(value)))}"
    if style == "power":
        return f"2^{round(math.log2(abs(value) or 1))}"
    if style == "superscript":
        digits = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
        return "2" + str(round(math.log2(abs(value) or 1))).translate(digits)
    return f"{value:g} × 10^{round(math.log10(abs(value) or 1))}"


def meant(value: float, style: str) -> float:
    """The number the spelling of ``value`` in ``style`` stands for."""
    text = spell(value, style)
    if style in ("thousands", "spaces"):
        return float(text.replace(",", "").replace(" ", ""))
    if style == "decimal-comma":
        return float(f"{value:.2f}")
    if style == "european":
        return float(f"{value:.2f}")
    if style == "fraction":
        return 1 / max(1, round(abs(value)))
    if style in ("power", "superscript"):
        return 2.0 ** round(math.log2(abs(value) or 1))
    if style == "times-ten":
        return float(f"{value:g}") * 10.0 ** round(math.log10(abs(value) or 1))
    return float(text)


VALUES = st.one_of(
    st.floats(min_value=1e-9, max_value=1),
    st.floats(min_value=1, max_value=1000),
    st.floats(min_value=1000, max_value=1e15),
)


@settings(max_examples=400, deadline=None)
@given(
    value=VALUES,
    style=st.sampled_from(STYLES),
    unit=st.sampled_from(UNITS),
    negative=st.booleans(),
)
def test_problems_and_cards_read_the_same_text_the_same_way(
    value, style, unit, negative
):
    text = ("-" if negative and style != "fraction" else "") + spell(value, style)
    text = f"{text} {unit}".strip()
    part = make_part("x", "x", 1.0, "B", (Step("x", "1", 1.0, "B"),), tolerance=EXACT)
    problem = grade_part(part, text)
    card = numeric_answers.numeric_grade(
        {"question": "?", "answer": "1", "unit": "B"}, text
    )
    sign = -1 if text.startswith("-") else 1
    assert problem.value == pytest.approx(sign * meant(value, style), rel=1e-15)
    assert card.value == problem.value
    assert card.unit == problem.unit
    assert (problem.status == "unreadable") == (card.status == "unreadable")


def test_feedback_quotes_the_answer_as_typed_and_the_number_read_from_it():
    card = _cards()["format:bf16:epsilon"]
    grade = numeric_answers.numeric_grade(card, "2^-7")
    assert grade.correct
    assert "you typed 2^-7 (read as 0.0078125)" in grade.feedback
    plain = numeric_answers.numeric_grade(card, "0.0078125")
    assert "you typed 0.0078125" in plain.feedback and "read as" not in plain.feedback


@pytest.mark.parametrize(
    ("given", "right"),
    [
        ("12", True),
        ("12.4", True),
        ("11.6 GB", True),
        ("12.6", False),
        ("x", False),
        ("", False),
        ("1.2e1", True),
    ],
)
def test_numeric_answers_are_graded_within_the_tolerance(given, right):
    fields = {"question": "?", "answer": "12", "tolerance": "0.5", "unit": "GB"}
    assert numeric_answers.grade_numeric(fields, given) is right


def test_relative_tolerance_scales_with_the_answer():
    fields = {"question": "?", "answer": 1000, "relative_tolerance": 0.01}
    assert numeric_answers.grade_numeric(fields, "1,009")
    assert not numeric_answers.grade_numeric(fields, "1011")
