"""The one number reader (lessons.problems.units): what people type, read
once, the same for problems, numeric cards and calculator inputs."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lessons.problems import units
from lessons.problems.units import read_answer, read_number


def _read(text: str) -> tuple[float | None, str | None]:
    reading = read_answer(text)
    assert reading.error is None, reading.error
    return reading.value, reading.unit.symbol if reading.unit else None


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        # superscript powers, as the cards' explanations write them
        ("2⁻⁷", 2**-7, None),
        ("2^⁻⁷", 2**-7, None),
        ("2⁻²⁴", 2**-24, None),
        ("10⁹ B", 1e9, "B"),
        ("1.5 × 10⁹ B", 1.5e9, "B"),
        ("2**-7", 2**-7, None),
        ("2^(-7)", 2**-7, None),
        ("1/128", 1 / 128, None),
        ("−2^−7", -(2**-7), None),
        # bytes as the cards ask for them
        ("16 bytes", 16, "B"),
        ("16 B/param", 16, "B/param"),
        ("16 bytes per parameter", 16, "B/param"),
        ("3.67 GiB", 3.67, "GiB"),
        ("14 GB", 14, "GB"),
        ("1.5 KiB", 1.5, "KiB"),
        ("2 TiB", 2, "TiB"),
        ("512 MiB", 512, "MiB"),
        ("12.5 %", 12.5, "%"),
        # separators
        ("1 500", 1500, None),
        ("1\u00a0500", 1500, None),
        ("1\u202f500 MB", 1500, "MB"),
        ("1_500", 1500, None),
        ("1,500", 1500, None),
        ("1,234,567", 1234567, None),
        ("1,234.5", 1234.5, None),
        ("1.234.567", 1234567, None),
        ("2.08e11 bytes", 2.08e11, "B"),
    ],
)
def test_reads_powers_fractions_units_and_separators(text, value, unit):
    got, symbol = _read(text)
    assert math.isclose(got, value, rel_tol=1e-15)
    assert symbol == unit


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("0,208 TB", 0.208, "TB"),  # 0 before the comma: a decimal comma
        ("0,5", 0.5, None),
        ("-0,125", -0.125, None),
        ("1,5 GB", 1.5, "GB"),  # one digit after: decimal
        ("1,25 GiB", 1.25, "GiB"),  # two digits after: decimal
        ("1,2345", 1.2345, None),  # four digits after: decimal
        ("1234,567", 1234.567, None),  # four digits before: not a group
        ("1.234,5", 1234.5, None),  # dots group, the comma is decimal
        ("1.234.567,25 B", 1234567.25, "B"),
        ("1,024", 1024, None),  # a group of three after 1-3 digits: thousands
        ("208,000 MB", 208000, "MB"),
        (",5", 0.5, None),
    ],
)
def test_the_decimal_comma_rule(text, value, unit):
    got, symbol = _read(text)
    assert math.isclose(got, value, rel_tol=1e-15)
    assert symbol == unit


def test_an_ambiguous_comma_is_read_as_thousands_and_says_so():
    reading = read_answer("1,024 GB")
    assert reading.value == 1024
    assert reading.note and "1024" in reading.note and "1.024" in reading.note
    assert read_answer("1,5 GB").note is None
    assert read_answer("1024 GB").note is None


@pytest.mark.parametrize(
    "text",
    ["12,34,5", "1,2,3", "1.2.3", "1,234.5,6", "1.23.456", "1 5", "12 34", "1,,5"],
)
def test_separators_that_group_nothing_are_unreadable(text):
    assert read_answer(text).error


@pytest.mark.parametrize(
    ("text", "unit_text"),
    [("14 gb", "gb"), ("16 bytes per parameter", "bytes per parameter"), ("2", None)],
)
def test_the_reading_keeps_the_unit_as_typed(text, unit_text):
    assert read_answer(text).unit_text == unit_text


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_a_float_written_by_python_reads_back_exactly(x):
    assert read_number(repr(x)) == x


@given(st.floats(min_value=1e-30, max_value=1e30), st.sampled_from(["e", "E"]))
def test_scientific_notation_is_correctly_rounded(x, e):
    mantissa, _, exponent = f"{x:.6e}".partition("e")
    text = f"{mantissa}{e}{exponent}"
    assert read_number(text) == float(text)


def test_read_number_refuses_units_and_non_numbers():
    assert read_number("16 GB") is None
    assert read_number("nan") is None
    assert read_number("1e999") is None
    assert read_number(True) is None
    assert read_number(3) == 3.0
    assert read_number(float("inf")) is None
    assert read_number("2^10") == 1024


def test_unit_factors_for_bytes():
    assert units.convert(1, "KiB", "B") == 1024
    assert units.convert(1, "TiB", "GiB") == 1024
    assert units.convert(3.67, "GiB", "GB") == pytest.approx(3.9406, rel=1e-4)
