"""Note types: fields, cloze parsing, numeric grading (pure)."""

from __future__ import annotations

import pytest

from flashcards import content


def test_cloze_numbers_are_distinct_and_sorted():
    text = "{{c2::b}} and {{c1::a}} and {{c2::again}} and {{c10::z::hint}}"
    assert content.cloze_numbers(text) == [1, 2, 10]


def test_cloze_with_braces_inside_math_is_one_cloze():
    text = r"Half is {{c1::$\frac{1}{2}$}}."
    (cloze,) = content.clozes(text)
    assert cloze.answer == r"$\frac{1}{2}$"
    assert content.cloze_sides(text, 1) == (
        "Half is **[…]**.",
        r"Half is **$\frac{1}{2}$**.",
    )


def test_cloze_sides_hide_only_the_active_number_and_show_hints():
    text = "{{c1::Paris}} is the capital of {{c2::France::country}}"
    assert content.cloze_sides(text, 2) == (
        "Paris is the capital of **[country]**",
        "Paris is the capital of **France**",
    )


def test_an_unclosed_cloze_is_ignored():
    assert content.clozes("{{c1::never closed") == []


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
    assert content.grade_numeric(fields, given) is right


def test_relative_tolerance_scales_with_the_answer():
    fields = {"question": "?", "answer": 1000, "relative_tolerance": 0.01}
    assert content.grade_numeric(fields, "1,009")
    assert not content.grade_numeric(fields, "1011")


def test_validation_names_every_bad_field():
    with pytest.raises(content.NoteContentError) as info:
        content.validate_note(
            "numeric", {"question": "", "answer": "abc", "colour": "x"}
        )
    assert set(info.value.errors) == {
        "fields.question",
        "fields.answer",
        "fields.colour",
    }


def test_an_unknown_type_is_refused():
    with pytest.raises(content.NoteContentError) as info:
        content.validate_note("flashcard-of-doom", {})
    assert set(info.value.errors) == {"type"}


def test_a_parametric_note_needs_a_known_template_and_valid_limits():
    with pytest.raises(content.NoteContentError) as info:
        content.validate_note("parametric", {"template": "no-such-template"})
    assert set(info.value.errors) == {"fields.template"}
    with pytest.raises(content.NoteContentError) as info:
        content.validate_note(
            "parametric",
            {"template": "training-memory-fp32", "limits": {"colour": ["red"]}},
        )
    assert set(info.value.errors) == {"fields.limits"}
    with pytest.raises(content.NoteContentError) as info:
        content.validate_note(
            "parametric", {"template": "training-memory-fp32", "part": "nope"}
        )
    assert set(info.value.errors) == {"fields.part"}
    fields, _ = content.validate_note(
        "parametric", {"template": "training-memory-fp32", "part": "total"}
    )
    assert content.card_ordinals("parametric", fields) == [1]


def test_a_cloze_note_needs_a_cloze():
    with pytest.raises(content.NoteContentError) as info:
        content.validate_note("cloze", {"text": "no deletions"})
    assert "fields.text" in info.value.errors


def test_tags_are_cleaned():
    _, tags = content.validate_note(
        "basic", {"front": "a", "back": "b"}, ["x", "y", "x"]
    )
    assert tags == ["x", "y"]
    with pytest.raises(content.NoteContentError):
        content.validate_note("basic", {"front": "a", "back": "b"}, ["two words"])
