"""The float explorer reads what the learner typed: "-0" is negative zero, and
every error is measured against the exact decimal typed, not against its
nearest double (so fp64 is not "Exact." for 0.1)."""

from __future__ import annotations

import html as htmllib
import math
import re
from decimal import Decimal
from fractions import Fraction

import pytest
from django.urls import reverse
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lessons import precision, views
from lessons.services import course_load

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
SIGNED = [f.name for f in precision.all_formats() if f.kind == "float"]


@pytest.fixture
def loaded() -> None:
    course_load()


def _rows(value: str) -> dict[str, dict]:
    explorer = views._explorer({"value": value, "scale": "1"})
    assert not explorer["form"].errors, explorer["form"].errors
    return {row["format"]: row for row in explorer["rows"]}


@pytest.mark.parametrize("typed", ["-0", "-00", "−0", "-0.0", "-0e5", " -0 "])
def test_minus_zero_is_negative_zero_in_every_signed_format(typed):
    rows = _rows(typed)
    for name in SIGNED:
        bits = dict(rows[name]["bit_fields"])
        assert bits["sign"] == "1", name
        assert set(bits["exponent"] + bits["mantissa"]) == {"0"}, name
        assert rows[name]["stored_text"] == "-0", name
        assert math.copysign(1, rows[name]["stored"]) == -1, name


def test_plus_zero_keeps_sign_bit_0():
    for name, row in _rows("0").items():
        if name in SIGNED:
            assert dict(row["bit_fields"])["sign"] == "0"
            assert row["stored_text"] == "0"


def test_minus_zero_summary_reads_minus_zero(client, loaded):
    html = client.get(reverse("lessons:float-explorer"), {"value": "-0"}, **HTMX)
    summary = re.search(r'data-tool-summary="([^"]*)"', html.content.decode())[1]
    assert htmllib.unescape(summary).startswith("-0 is stored as -0 in fp32")


def test_0_1_in_fp64_is_rounded_with_its_tiny_error():
    fp64 = _rows("0.1")["fp64"]
    exact_error = Fraction(0.1) - Fraction(1, 10)  # 2^-55 * 0.2 ≈ 5.55e-18
    assert exact_error != 0
    assert fp64["abs_error"] == pytest.approx(float(abs(exact_error)), rel=1e-12)
    assert fp64["rel_error"] == pytest.approx(float(abs(exact_error) * 10), rel=1e-12)
    assert fp64["note"] != "Exact."
    assert "Rounded to the nearest" in fp64["note"]
    assert fp64["abs_text"] == "5.551e-18"
    assert fp64["rel_text"] == "5.55e-15 %"


def test_a_value_fp64_holds_exactly_is_still_exact():
    for typed in ("0.5", "65504", "1/128", "2^-7", "-2.5"):
        fp64 = _rows(typed)["fp64"]
        assert fp64["abs_error"] == 0 and fp64["note"] == "Exact.", typed


def test_errors_of_every_format_are_against_the_decimal_typed():
    rows = _rows("0.1")
    for name, row in rows.items():
        stored = Fraction(row["stored"])
        assert row["abs_error"] == pytest.approx(
            float(abs(stored - Fraction(1, 10))), rel=1e-12, abs=0
        ), name


def test_a_decimal_comma_and_grouping_are_read_exactly():
    assert _rows("0,1")["fp64"]["abs_error"] == _rows("0.1")["fp64"]["abs_error"]
    assert _rows("7,000")["fp64"]["abs_error"] == 0


@settings(max_examples=200, deadline=None)
@given(
    st.decimals(
        allow_nan=False,
        allow_infinity=False,
        min_value=Decimal("-1e300"),
        max_value=Decimal("1e300"),
    ).filter(lambda d: d == 0 or abs(d) > Decimal("1e-300"))
)
def test_fp64_is_exact_only_when_the_typed_decimal_is_a_double(number):
    typed = f"{number:f}" if abs(number.adjusted()) < 20 else f"{number:e}"
    assume(len(typed) <= 64)  # the field's limit
    fp64 = _rows(typed)["fp64"]
    exact = Fraction(Decimal(typed))
    error = abs(Fraction(float(exact)) - exact)
    assert fp64["abs_error"] == pytest.approx(float(error), rel=1e-9, abs=0)
    assert fp64["note"].startswith("Rounded") == (error != 0), fp64["note"]


def test_a_value_below_every_double_is_told_as_typed_with_its_error(client, loaded):
    fp64 = _rows("-1e-400")["fp64"]
    assert fp64["stored_text"] == "-0"
    assert "underflows to zero" in fp64["note"]
    assert fp64["abs_text"] == "1e-400" and fp64["rel_text"] == "100 %"
    html = client.get(reverse("lessons:float-explorer"), {"value": "-1e-400"}, **HTMX)
    summary = re.search(r'data-tool-summary="([^"]*)"', html.content.decode())[1]
    assert htmllib.unescape(summary).startswith("-1e-400 is stored as -0 in fp32")
