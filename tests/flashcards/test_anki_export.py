"""Our .apkg exports open in Anki showing the cards as they show here.

The oracle is the official ``anki`` package in its own virtualenv
(`tests.anki_oracle.oracle`): it imports our package into a fresh
collection and reports its notes, cards, media and each card's question as
Anki renders it.
"""

from __future__ import annotations

import io
import json
import warnings
import zipfile

import genanki
import pytest

from flashcards import anki, interop, services
from flashcards.models import Card
from tests.anki_oracle import oracle
from tests.flashcards.test_interop import PNG, notes_of, run_import


@pytest.fixture
def every_kind(learner):
    deck = services.deck_create(owner=learner, title="Precision, exported")
    image = interop.media_create(owner=learner, name="grid.png", data=PNG)
    services.note_create(
        deck=deck,
        type="basic",
        fields={
            "front": "**First law**: $x^2 &gt; 0$ and $$\\sum_i w_i$$",
            "back": f"![the grid]({image.url})",
        },
        tags=["fp16"],
    )
    services.note_create(
        deck=deck, type="basic_reversed", fields={"front": "bf16", "back": "8 bits"}
    )
    services.note_create(
        deck=deck,
        type="cloze",
        fields={"text": "{{c1::bf16::format}} keeps {{c2::fp32's range}}"},
    )
    services.note_create(
        deck=deck,
        type="numeric",
        fields={
            "question": "Largest *fp16*?",
            "answer": "65504",
            "tolerance": "1",
            "explanation": "$(2 - 2^{-10}) \\cdot 2^{15}$",
        },
    )
    services.note_create(
        deck=deck,
        type="parametric",
        fields={
            "template": "training-memory-fp32",
            "limits": {"model": ["Llama-2-7B"]},
        },
    )
    return deck, image


def test_anki_opens_an_export_with_our_notes_cards_and_images(every_kind, tmp_path):
    deck, image = every_kind
    path = tmp_path / "precision.apkg"
    path.write_bytes(interop.deck_export_apkg(deck=deck))
    opened = oracle.opened_by_anki(path)
    assert opened["notes"] == deck.notes.count() == 5
    assert opened["cards"] == Card.objects.filter(deck=deck).count() == 7
    assert opened["media"] == ["grid.png"]
    assert opened["decks"] == ["Precision, exported"]


def test_anki_renders_markdown_math_images_clozes_and_typed_answers(
    every_kind, tmp_path
):
    deck, image = every_kind
    path = tmp_path / "precision.apkg"
    path.write_bytes(interop.deck_export_apkg(deck=deck))
    basic, front, back, cloze1, cloze2, numeric, parametric = oracle.opened_by_anki(
        path
    )["questions"]
    assert "<strong>First law</strong>" in basic and "**" not in basic
    assert r"\(x^2 &gt; 0\)" in basic and r"\[\sum_i w_i\]" in basic
    assert (front, back) == ("<p>bf16</p>", "<p>8 bits</p>")
    assert "[format]" in cloze1 and "fp32's range" in cloze1
    assert "bf16" in cloze2 and "[...]" in cloze2
    assert "<em>fp16</em>" in numeric and "[[type:answer]]" in numeric
    assert "new numbers at every review" in parametric
    assert "Llama-2-7B" in parametric
    assert all("{{" not in q for q in (basic, numeric, parametric))


def test_an_export_shows_images_by_the_name_of_the_file_it_carries(every_kind):
    deck, image = every_kind
    archive = zipfile.ZipFile(io.BytesIO(interop.deck_export_apkg(deck=deck)))
    assert json.loads(archive.read("media")) == {"0": "grid.png"}
    assert archive.read("0") == PNG


def test_an_export_sent_back_unchanged_reimports_exactly(every_kind, learner):
    deck, _ = every_kind
    again = run_import(learner, "back.apkg", interop.deck_export_apkg(deck=deck))
    assert again.status == "done", again.error
    assert notes_of(again.deck) == notes_of(deck)


def exported_note(kind: str, shown: list[str], source: dict) -> tuple[dict, list]:
    model_id, names = anki.EXPORT_MODELS[kind]
    model = {"name": anki.MODEL_PREFIX + kind, "flds": [{"name": n} for n in names]}
    payload = {"type": kind, "fields": source, "shown": anki.shown_digest(shown)}
    return model, [*shown, json.dumps(payload)]


def test_fields_edited_in_anki_win_over_the_copy_we_wrote():
    model, values = exported_note("basic", ["<p>F</p>", "<p>B</p>"], {"front": "F"})
    assert anki.map_model(model, values) == ("basic", {"front": "F"})
    values[1] = "<p>B, edited in Anki</p>"
    assert anki.map_model(model, values) == (
        "basic",
        {"front": "<p>F</p>", "back": "<p>B, edited in Anki</p>"},
    )


def test_an_edited_numeric_note_keeps_its_tolerance_and_an_edited_instance_is_text():
    source = {"question": "q", "answer": "2", "tolerance": "0.5"}
    model, values = exported_note("numeric", ["q", "2", "", ""], source)
    values[1] = "3"
    assert anki.map_model(model, values) == (
        "numeric",
        {"question": "q", "answer": "3", "tolerance": "0.5"},
    )
    model, values = exported_note("parametric", ["P", "S"], {"template": "x"})
    assert anki.map_model(model, values) == ("parametric", {"template": "x"})
    values[-1] = "not json"
    assert anki.map_model(model, values) == ("basic", {"front": "P", "back": "S"})


def test_a_package_from_the_earlier_export_layout_still_imports(learner):
    model = genanki.Model(
        1607392319,
        "studysite basic",
        fields=[{"name": "front"}, {"name": "back"}],
        templates=[{"name": "Card 1", "qfmt": "{{front}}", "afmt": "{{back}}"}],
    )
    deck = genanki.Deck(5, "Earlier")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        deck.add_note(genanki.Note(model=model, fields=["**F**", "$x$"]))
    out = io.BytesIO()
    genanki.Package(deck).write_to_file(out)
    job = run_import(learner, "earlier.apkg", out.getvalue())
    assert job.status == "done", job.error
    assert notes_of(job.deck) == [("basic", {"front": "**F**", "back": "$x$"}, [])]
