"""Reading typed answers, and grading them: value and unit judged separately."""

from __future__ import annotations

import math

import pytest

from lessons.precision import Step
from lessons.problems import Misconception, Part, Tolerance, grade_part, read_answer
from lessons.problems.parts import part as make_part
from lessons.problems.units import convert

GIB = 2**30


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("208", 208, None),
        ("208 GB", 208, "GB"),
        ("208GB", 208, "GB"),
        ("208 gb", 208, "GB"),
        ("2.08e11 bytes", 2.08e11, "B"),
        ("2.08E11 B", 2.08e11, "B"),
        ("193.7 GiB", 193.7, "GiB"),
        ("193.7 gib", 193.7, "GiB"),
        ("208,000 MB", 208000, "MB"),
        ("208 000 MB", 208000, "MB"),
        ("1.25GiB", 1.25, "GiB"),
        ("1,25 GiB", 1.25, "GiB"),
        ("1.5 TB", 1.5, "TB"),
        ("16 bytes/param", 16, "B/param"),
        ("16 bytes per parameter", 16, "B/param"),
        ("16 B / param", 16, "B/param"),
        ("4.5 bits/param", 4.5, "bit/param"),
        ("128 bits", 128, "bit"),
        ("1664 Gb", 1664, "Gbit"),
        ("12.5%", 12.5, "%"),
        ("12.5 %", 12.5, "%"),
        ("2^-7", 2**-7, None),
        ("2**-24", 2**-24, None),
        ("2^16", 65536, None),
        ("1/128", 1 / 128, None),
        ("1/2^7", 1 / 128, None),
        ("6.3 × 10^23 FLOPs", 6.3e23, "FLOP"),
        ("6.3x10^23 FLOP", 6.3e23, "FLOP"),
        ("630 ZFLOP", 630, "ZFLOP"),
        ("12.6 days", 12.6, "days"),
        ("300 hours", 300, "h"),
        ("3 GPUs", 3, "GPUs"),
        ("-0.5", -0.5, None),
        ("~208 GB", 208, "GB"),
        ("about 208 GB", 208, "GB"),
        ("  208   GB  ", 208, "GB"),
        ("1.5 TiB", 1.5, "TiB"),
        ("0.0078125", 0.0078125, None),
    ],
)
def test_reads_what_people_type(text, value, unit):
    reading = read_answer(text)
    assert reading.error is None, reading.error
    assert math.isclose(reading.value, value, rel_tol=1e-12)
    assert (reading.unit.symbol if reading.unit else None) == unit


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "twelve",
        "GB",
        "208 apples",
        "208 or 193",
        "1.2.3",
        "12,34,5",
        "--5",
        "2^",
        "e10",
        "NaN",
        "inf",
        "1e999",
    ],
)
def test_unreadable(text):
    assert read_answer(text).error


def test_bits_and_bytes_are_different_units():
    assert convert(1664, "Gbit", "GB") == 208
    assert convert(16, "bit/param", "B/param") == 2
    assert convert(1, "GiB", "GB") == GIB / 1e9


def _bytes_part(answer_gb: float = 208.0) -> Part:
    step = Step("Total", "13e9 × 16 B", answer_gb * 1e9, "B")
    last = Step("In GB", "/ 1e9", answer_gb, "GB")
    return make_part(
        "total",
        "Total",
        answer_gb,
        "GB",
        (step, last),
        [
            Misconception(
                "forgot_optimizer_states", 104.0, "GB", "Adam's moments count."
            ),
            Misconception("bits_as_bytes", answer_gb * 8, "GB", "Bits are not bytes."),
        ],
    )


@pytest.mark.parametrize(
    ("text", "status", "value_ok", "unit_ok", "misconception"),
    [
        ("208", "correct", True, True, None),
        ("208 GB", "correct", True, True, None),
        ("2.08e11 bytes", "correct", True, True, None),
        ("193.7 GiB", "correct", True, True, None),
        ("208,000 MB", "correct", True, True, None),
        ("0.208 TB", "correct", True, True, None),
        ("1664 Gbit", "correct", True, True, None),
        ("207", "correct", True, True, None),
        ("193.7 GB", "wrong", False, True, "gib_labelled_gb"),
        ("193.7", "wrong", False, True, "gib_labelled_gb"),
        ("208 GiB", "wrong", True, False, "gb_labelled_gib"),
        ("104 GB", "wrong", False, True, "forgot_optimizer_states"),
        ("1.04e11 B", "wrong", False, True, "forgot_optimizer_states"),
        ("1664 GB", "wrong", False, True, "bits_as_bytes"),
        ("300 GB", "wrong", False, True, None),
        ("208 days", "wrong", True, False, None),
        ("16 bytes/param", "wrong", False, False, None),
        ("lots", "unreadable", False, None, None),
        ("208 apples", "unreadable", False, None, None),
        ("", "unanswered", False, None, None),
        ("   ", "unanswered", False, None, None),
    ],
)
def test_grading_judges_value_and_unit_separately(
    text, status, value_ok, unit_ok, misconception
):
    g = grade_part(_bytes_part(), text)
    assert (g.status, g.value_correct, g.unit_correct, g.misconception) == (
        status,
        value_ok,
        unit_ok,
        misconception,
    ), g
    if status == "unreadable":
        assert g.feedback.startswith("Could not read")
    if misconception:
        assert g.feedback == next(
            m.feedback for m in _bytes_part().misconceptions if m.name == misconception
        )


def test_percent_and_yes_no_parts():
    pct = make_part(
        "rel",
        "Relative error",
        0.39,
        "%",
        (Step("e", "x", 0.39, "%"),),
        [
            Misconception("fraction_not_percent", 0.0039, "%", "Multiply by 100."),
        ],
        tolerance=Tolerance("relative", 0.03),
    )
    assert grade_part(pct, "0.39%").status == "correct"
    assert grade_part(pct, "0.39").status == "correct"
    assert grade_part(pct, "0.0039").misconception == "fraction_not_percent"
    yes = Part(
        "fits",
        "Fits?",
        1.0,
        "",
        Tolerance("absolute", 0),
        (Misconception("capacity_read_as_gb", 0.0, "", "GiB, not GB."),),
        (Step("Fits", "yes", 1.0, ""),),
        choices=("yes", "no"),
    )
    assert grade_part(yes, "Yes").status == "correct"
    assert grade_part(yes, "no").misconception == "capacity_read_as_gb"
    assert grade_part(yes, "maybe").status == "unreadable"


def test_tolerance_kinds():
    assert Tolerance("relative", 0.01).accepts(100, 100.9)
    assert not Tolerance("relative", 0.01).accepts(100, 101.1)
    assert Tolerance("absolute", 0.5).accepts(3, 3.5)
    assert not Tolerance("absolute", 0).accepts(3, 4)
    three = Tolerance("sigfigs", 3)
    assert three.accepts(193.74, 193.7) and three.accepts(0.012345, 0.0123)
    assert not three.accepts(193.74, 193.0)


def test_a_misconception_inside_the_tolerance_is_dropped():
    p = make_part(
        "x",
        "x",
        100.0,
        "GB",
        (Step("x", "x", 100.0, "GB"),),
        [
            Misconception("too_close", 100.5, "GB", "?"),
            Misconception("far", 50.0, "GB", "!"),
            Misconception("same_as_far", 50.1, "GB", "!"),
        ],
        unit_mixups=False,
    )
    assert [m.name for m in p.misconceptions] == ["far"]


def test_a_part_whose_solution_ends_elsewhere_is_refused():
    with pytest.raises(ValueError, match="last solution step"):
        make_part("x", "x", 100.0, "GB", (Step("x", "x", 99.0, "GB"),))
