"""Anki packages written so that Anki shows the cards as they are shown here.

Pure (no Django). genanki writes the legacy layout (``collection.anki2``,
schema 11), which every current Anki desktop and AnkiDroid opens. The fields
arrive already rendered (`flashcards.interop.exports`: markdown as HTML, math
in Anki's ``\\(…\\)``/``\\[…\\]``, images as ``<img>`` named as the files in the
package); this module gives each of our note types an Anki model whose
templates show them the Anki way:

* basic and basic-and-reversed: front, then ``<hr id=answer>`` and back;
* cloze: Anki's own cloze model (``{{cloze:text}}``), the extra on the back;
* numeric: "type in the answer" (``{{type:answer}}``) with unit and worked
  explanation on the back (Anki compares the typed text exactly; the
  tolerance used here is said in the explanation);
* parametric: one worked instance, saying that here the numbers change at
  every review.

Each model also has the hidden field `anki.SOURCE_FIELD` with the note as
written here, so a package sent back re-imports exactly.
"""

from __future__ import annotations

import json
import tempfile
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import genanki

from flashcards import media
from flashcards.anki import EXPORT_MODELS, MODEL_PREFIX, shown_digest

CSS = """.card { font-family: system-ui, sans-serif; font-size: 20px;
  line-height: 1.5; text-align: left; max-width: 40em; margin: 0 auto; }
.cloze { font-weight: bold; color: #1a4fb5; }
.nightMode .cloze { color: #9cc2ff; }
.studysite-note { font-size: 0.8em; color: #555; }
"""
_ANSWER = "{{FrontSide}}<hr id=answer>"
_TEMPLATES: dict[str, list[tuple[str, str, str]]] = {
    "basic": [("Card 1", "{{front}}", _ANSWER + "{{back}}")],
    "basic_reversed": [
        ("Card 1", "{{front}}", _ANSWER + "{{back}}"),
        ("Card 2", "{{back}}", _ANSWER + "{{front}}"),
    ],
    "cloze": [("Cloze", "{{cloze:text}}", "{{cloze:text}}<br>{{extra}}")],
    "numeric": [
        (
            "Type the answer",
            "{{question}}<br>{{type:answer}}",
            "{{question}}<hr id=answer>{{type:answer}} {{unit}}"
            "{{#explanation}}<br>{{explanation}}{{/explanation}}",
        )
    ],
    "parametric": [
        (
            "Worked example",
            "{{problem}}<p class=studysite-note>On the study site this problem "
            "comes with new numbers at every review; this is one of them.</p>",
            _ANSWER + "{{solution}}",
        )
    ],
}


@dataclass(frozen=True)
class ExportDeck:
    id: int
    title: str  # the whole path, "Physics::Optics": Anki makes the tree
    description: str
    notes: list[ExportNote]


@dataclass(frozen=True)
class ExportNote:
    id: int
    type: str
    shown: dict[str, str]  # the model's shown fields, as HTML
    source: dict[str, Any]  # the note's fields as written here
    tags: list[str]


def note_guid(note_id: int) -> str:
    """The Anki GUID of the note ``note_id`` written here (stable: a package
    sent back finds the note again)."""
    return str(genanki.guid_for("studysite", note_id))


def model(kind: str) -> genanki.Model:
    """Our note type ``kind`` as an Anki model."""
    model_id, names = EXPORT_MODELS[kind]
    return genanki.Model(
        model_id,
        MODEL_PREFIX + kind,
        fields=[{"name": n} for n in names],
        templates=[
            {"name": name, "qfmt": front, "afmt": back}
            for name, front, back in _TEMPLATES[kind]
        ],
        css=CSS,
        model_type=genanki.Model.CLOZE if kind == "cloze" else genanki.Model.FRONT_BACK,
    )


def _source(note: ExportNote, shown: list[str], names: dict[str, str]) -> str:
    fields = {
        k: media.to_package_names(v, names) if isinstance(v, str) else v
        for k, v in note.source.items()
    }
    return json.dumps(
        {"type": note.type, "fields": fields, "shown": shown_digest(shown)},
        sort_keys=True,
        ensure_ascii=False,
    )


def write_apkg(
    *,
    decks: Iterable[ExportDeck],
    files: dict[str, bytes],
    names: dict[str, str],
) -> bytes:
    """An ``.apkg`` of the decks (a deck and its subdecks), their notes and the
    media they show (``files``: name in the package -> bytes; ``names``:
    sha256 -> name in the package)."""
    models = {kind: model(kind) for kind in EXPORT_MODELS}
    written = []
    with warnings.catch_warnings():
        # genanki warns about HTML in fields; ours are HTML on purpose.
        warnings.simplefilter("ignore")
        for one in decks:
            deck = genanki.Deck(
                2_000_000_000 + one.id, one.title, description=one.description
            )
            _add_notes(deck, one.notes, models, names)
            written.append(deck)
        with tempfile.TemporaryDirectory() as tmp:
            paths = []
            for filename, data in files.items():
                path = Path(tmp) / filename
                path.write_bytes(data)
                paths.append(str(path))
            out = Path(tmp) / "deck.apkg"
            genanki.Package(written, media_files=paths).write_to_file(str(out))
            return out.read_bytes()


def _add_notes(
    deck: genanki.Deck,
    notes: Iterable[ExportNote],
    models: dict[str, genanki.Model],
    names: dict[str, str],
) -> None:
    for note in notes:
        shown = [
            media.to_package_names(note.shown.get(n, ""), names)
            for n in EXPORT_MODELS[note.type][1][:-1]
        ]
        deck.add_note(
            genanki.Note(
                model=models[note.type],
                fields=[*shown, _source(note, shown, names)],
                tags=list(note.tags),
                guid=note_guid(note.id),
            )
        )
