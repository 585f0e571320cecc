"""The inference "what it saves" cards never compare a format with itself."""

from __future__ import annotations

import re

from flashcards import generation
from lessons import precision


def _saves_cards():
    return {
        n.source_key: n.fields["back"]
        for n in generation.inference_notes()
        if n.source_key.endswith(":saves")
    }


def test_no_saves_card_answers_100_percent_of_a_reference():
    cards = _saves_cards()
    assert cards  # bf16, int8, int4, nf4
    for key, back in cards.items():
        plain = back.replace("*", "")  # bold markers sit between "%" and "of"
        assert not re.search(r"100\s*%\s*of", plain), (key, back)


def test_the_bf16_saves_card_compares_with_fp32_only():
    front = next(
        n.fields["front"]
        for n in generation.inference_notes()
        if n.source_key == "inference:bf16:saves"
    )
    back = _saves_cards()["inference:bf16:saves"]
    assert "of fp32" in back and "of bf16" not in back
    assert "bf16)" not in front and "(or bf16)" not in front


def test_the_lower_formats_still_compare_with_fp32_and_bf16():
    fp32 = precision.inference_memory(generation.EXAMPLE_PARAMS, "fp32").total_bytes
    bf16 = precision.inference_memory(generation.EXAMPLE_PARAMS, "bf16").total_bytes
    for dtype in ("int8", "int4", "nf4"):
        back = _saves_cards()[f"inference:{dtype}:saves"]
        size = precision.inference_memory(generation.EXAMPLE_PARAMS, dtype).total_bytes
        assert size < bf16 < fp32
        assert "of fp32" in back and "of bf16" in back
