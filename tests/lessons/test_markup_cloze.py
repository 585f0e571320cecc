"""The one cloze parser, `lessons.markup.cloze` (pure): numbers, braces, sides."""

from __future__ import annotations

from lessons.markup.cloze import cloze_numbers, cloze_sides, clozes


def test_cloze_numbers_are_distinct_and_sorted():
    text = "{{c2::b}} and {{c1::a}} and {{c2::again}} and {{c10::z::hint}}"
    assert cloze_numbers(text) == [1, 2, 10]


def test_cloze_with_braces_inside_math_is_one_cloze():
    text = r"Half is {{c1::$\frac{1}{2}$}}."
    (cloze,) = clozes(text)
    assert cloze.answer == r"$\frac{1}{2}$"
    assert cloze_sides(text, 1) == (
        "Half is **[…]**.",
        r"Half is **$\frac{1}{2}$**.",
    )


def test_cloze_sides_hide_only_the_active_number_and_show_hints():
    text = "{{c1::Paris}} is the capital of {{c2::France::country}}"
    assert cloze_sides(text, 2) == (
        "Paris is the capital of **[country]**",
        "Paris is the capital of **France**",
    )


def test_an_unclosed_cloze_is_ignored():
    assert clozes("{{c1::never closed") == []
