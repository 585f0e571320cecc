"""Note types: fields, tags and the cards a note makes (pure)."""

from __future__ import annotations

import pytest

from flashcards import content


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
