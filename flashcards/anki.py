"""Anki packages: read an ``.apkg`` safely, write one with genanki.

Pure (no Django). An ``.apkg`` is a zip holding ``collection.anki21`` or
``collection.anki2`` (SQLite, Anki's schema 11: ``col``, ``notes``, ``cards``,
``revlog``), a ``media`` JSON map (``{"0": "photo.png"}``) and the media files
named ``0``, ``1``... The zip is checked before anything is extracted: the
number of entries, the declared uncompressed sizes and the compression ratio
(a zip bomb is refused without inflating it). Newer packages
(``collection.anki21b``, zstd and protobuf) and collections of another schema
are refused with a message saying how to export them.

Note types map by Anki model: a cloze model (``type`` 1) is a cloze note
(first field the text, the rest the extra); a standard model is a basic note,
or basic-and-reversed when it has two templates; the models this site exports
(``studysite <type>``, fields named as ours) map back exactly, so an export
re-imported gives the same notes.
"""

from __future__ import annotations

import contextlib
import io
import json
import sqlite3
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import genanki

from flashcards import media

DEFAULT_MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_ENTRIES = 10_000
#: Entries above this size may not be compressed more than MAX_RATIO times.
RATIO_FLOOR_BYTES = 1024 * 1024
MAX_RATIO = 100
SUPPORTED_SCHEMA = 11
FIELD_SEPARATOR = "\x1f"

#: Our note types as Anki models: (model id, field names, templates).
MODEL_PREFIX = "studysite "
_FRONT_BACK = ("front", "back")
MODELS: dict[str, tuple[int, tuple[str, ...], int]] = {
    "basic": (1607392319, _FRONT_BACK, 1),
    "basic_reversed": (1607392320, _FRONT_BACK, 2),
    "cloze": (1607392321, ("text", "extra"), 1),
    "numeric": (
        1607392322,
        (
            "question",
            "answer",
            "tolerance",
            "relative_tolerance",
            "unit",
            "explanation",
        ),
        1,
    ),
    "parametric": (1607392323, ("template", "limits", "part"), 1),
}


class AnkiError(ValueError):
    """The package cannot be imported; the message says why, for the user."""


@dataclass
class AnkiCard:
    anki_id: int
    ordinal: int  # ours: 1-based (Anki's ord + 1)
    reviews: list[tuple[int, int, int]] = field(default_factory=list)
    # (time in ms since the epoch, ease 1-4, duration in ms)


@dataclass
class AnkiNote:
    anki_id: int
    guid: str
    type: str
    fields: dict[str, Any]
    tags: list[str]
    cards: list[AnkiCard] = field(default_factory=list)


@dataclass
class AnkiPackage:
    deck_name: str
    notes: list[AnkiNote]
    media: dict[str, bytes]  # file name -> bytes (images only)
    warnings: list[str] = field(default_factory=list)

    @property
    def review_count(self) -> int:
        return sum(len(c.reviews) for n in self.notes for c in n.cards)


# --- reading -----------------------------------------------------------------


def check_zip(
    data: bytes, *, max_uncompressed: int = DEFAULT_MAX_UNCOMPRESSED
) -> zipfile.ZipFile:
    """Open the zip after checking its directory; nothing is inflated.

    Raises:
        AnkiError: Not a zip, too many entries, too large once inflated, or
            compressed suspiciously well (a zip bomb).
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise AnkiError(
            "This file is not a zip archive, so it is not an Anki package (an .apkg "
            "file is a zip archive)."
        ) from None
    entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:
        raise AnkiError(
            f"The package has {len(entries):,} files; at most {MAX_ENTRIES:,}."
        )
    total = sum(e.file_size for e in entries)
    if total > max_uncompressed:
        raise AnkiError(
            f"The package would unpack to {total:,} bytes; at most "
            f"{max_uncompressed:,} are allowed."
        )
    for entry in entries:
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > RATIO_FLOOR_BYTES and ratio > MAX_RATIO:
            raise AnkiError(
                f"{entry.filename} is compressed {ratio:,.0f} to 1 (at most "
                f"{MAX_RATIO} to 1): this looks like a zip bomb, so nothing was "
                f"unpacked."
            )
        if entry.flag_bits & 0x1:
            raise AnkiError(f"{entry.filename} is encrypted.")
    return archive


def _read(archive: zipfile.ZipFile, name: str) -> bytes:
    info = archive.getinfo(name)
    with archive.open(info) as handle:
        data = handle.read(info.file_size + 1)
    if len(data) > info.file_size:  # pragma: no cover - zipfile stops first
        raise AnkiError(f"{name} is larger than the package says.")
    return data


def collection_name(archive: zipfile.ZipFile) -> str:
    names = set(archive.namelist())
    if "collection.anki21" in names:
        return "collection.anki21"
    if "collection.anki21b" in names:
        raise AnkiError(
            "This package uses Anki's newest collection format (collection.anki21b, "
            "Anki 2.1.50 and later), which cannot be read here. In Anki, export the "
            "deck again with “Support older Anki versions” ticked."
        )
    if "collection.anki2" in names:
        return "collection.anki2"
    raise AnkiError(
        "The zip holds no Anki collection (collection.anki2 or collection.anki21); "
        "is it an .apkg exported by Anki?"
    )


def read_apkg(
    data: bytes,
    *,
    max_uncompressed: int = DEFAULT_MAX_UNCOMPRESSED,
    max_image_bytes: int = media.DEFAULT_MAX_IMAGE_BYTES,
    progress: Callable[[int, int], None] | None = None,
) -> AnkiPackage:
    """Read notes, cards, review history and images from an ``.apkg``.

    Raises:
        AnkiError: Anything that makes the package unreadable (see the module
            docstring); the message is meant for the user.
    """
    archive = check_zip(data, max_uncompressed=max_uncompressed)
    name = collection_name(archive)
    collection = _read(archive, name)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "collection.sqlite"
        path.write_bytes(collection)
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        except sqlite3.Error:  # pragma: no cover - connect is lazy
            raise AnkiError(f"{name} is not an SQLite database.") from None
        try:
            package = _read_collection(db, progress=progress)
        except sqlite3.DatabaseError as exc:
            raise AnkiError(
                f"{name} is not a readable Anki collection ({exc}); the schema is "
                f"unknown or the file is damaged."
            ) from None
        finally:
            db.close()
    package.media, media_warnings = _read_media(archive, max_image_bytes)
    package.warnings += media_warnings
    return package


def _check_schema(
    db: sqlite3.Connection,
) -> tuple[set[str], dict[str, Any], dict[str, Any]]:
    """The collection's tables, models and decks, once its schema is ours to read."""
    tables = {
        row[0]
        for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")
    }
    if not {"col", "notes", "cards"} <= tables:
        raise AnkiError(
            "Unknown Anki collection schema: the tables col, notes and cards are "
            "missing. Export the deck from Anki as an .apkg."
        )
    row = db.execute("SELECT ver, models, decks FROM col").fetchone()
    if row is None:
        raise AnkiError("The Anki collection is empty (no col row).")
    ver, models_json, decks_json = row
    try:
        models = json.loads(models_json or "{}")
        decks = json.loads(decks_json or "{}")
    except (TypeError, ValueError):
        models, decks = {}, {}
    if ver != SUPPORTED_SCHEMA or not models:
        raise AnkiError(
            f"Unknown Anki collection schema (version {ver}); schema "
            f"{SUPPORTED_SCHEMA} is supported. In Anki, export the deck with "
            f"“Support older Anki versions” ticked."
        )
    return tables, models, decks


def _read_cards(
    db: sqlite3.Connection, *, revlog: bool, warnings_: list[str]
) -> tuple[dict[int, list[AnkiCard]], set[int]]:
    """Each note's cards (with their reviews, if ``revlog``) and the deck ids used."""
    cards_by_note: dict[int, list[AnkiCard]] = {}
    card_by_id: dict[int, AnkiCard] = {}
    deck_ids: set[int] = set()
    for card_id, note_id, deck_id, ordinal in db.execute(
        "SELECT id, nid, did, ord FROM cards ORDER BY id"
    ):
        card = AnkiCard(anki_id=int(card_id), ordinal=int(ordinal) + 1)
        cards_by_note.setdefault(int(note_id), []).append(card)
        card_by_id[int(card_id)] = card
        deck_ids.add(int(deck_id))
    if revlog:
        skipped = 0
        for millis, card_id, ease, duration, kind in db.execute(
            "SELECT id, cid, ease, time, type FROM revlog ORDER BY id"
        ):
            card = card_by_id.get(int(card_id))
            if card is None or not 1 <= int(ease) <= 4 or int(kind) == 4:
                skipped += 1
                continue
            card.reviews.append(
                (int(millis), int(ease), max(0, min(int(duration or 0), 86_400_000)))
            )
        if skipped:
            warnings_.append(
                f"{skipped} review log entries were skipped (manual reschedules or "
                f"cards not in the package)."
            )
    return cards_by_note, deck_ids


def _read_notes(
    db: sqlite3.Connection,
    *,
    models: dict[str, Any],
    cards_by_note: dict[int, list[AnkiCard]],
    progress: Callable[[int, int], None] | None,
) -> list[AnkiNote]:
    """Every note, mapped to our note types, with its cards."""
    rows = db.execute(
        "SELECT id, guid, mid, tags, flds FROM notes ORDER BY id"
    ).fetchall()
    notes: list[AnkiNote] = []
    for index, (note_id, guid, model_id, tags, flds) in enumerate(rows, start=1):
        model = models.get(str(model_id))
        if model is None:
            raise AnkiError(
                f"Note {note_id} uses a note type missing from the package."
            )
        values = str(flds or "").split(FIELD_SEPARATOR)
        kind, fields = map_model(model, values)
        notes.append(
            AnkiNote(
                anki_id=int(note_id),
                guid=str(guid or ""),
                type=kind,
                fields=fields,
                tags=[t for t in str(tags or "").split() if t],
                cards=cards_by_note.get(int(note_id), []),
            )
        )
        if progress is not None and (index % 200 == 0 or index == len(rows)):
            progress(index, len(rows))
    return notes


def _read_collection(
    db: sqlite3.Connection, *, progress: Callable[[int, int], None] | None
) -> AnkiPackage:
    tables, models, decks = _check_schema(db)
    warnings_: list[str] = []
    cards_by_note, deck_ids = _read_cards(
        db, revlog="revlog" in tables, warnings_=warnings_
    )
    notes = _read_notes(
        db, models=models, cards_by_note=cards_by_note, progress=progress
    )
    deck_names = [
        str(decks[str(d)].get("name", ""))
        for d in sorted(deck_ids)
        if str(d) in decks and str(decks[str(d)].get("name", "")) != "Default"
    ]
    deck_name = deck_names[0] if deck_names else "Imported deck"
    if len(deck_names) > 1:
        warnings_.append(
            f"The package has {len(deck_names)} decks; their notes go into one deck."
        )
    return AnkiPackage(deck_name=deck_name, notes=notes, media={}, warnings=warnings_)


def map_model(model: dict[str, Any], values: list[str]) -> tuple[str, dict[str, Any]]:
    """Our note type and fields for an Anki note of ``model``."""
    names = [str(f.get("name", "")) for f in model.get("flds", [])]
    name = str(model.get("name", ""))
    ours = name.removeprefix(MODEL_PREFIX)
    if (
        name.startswith(MODEL_PREFIX)
        and ours in MODELS
        and tuple(names) == MODELS[ours][1]
    ):
        fields: dict[str, Any] = dict(zip(names, values, strict=False))
        if ours == "parametric" and fields.get("limits"):
            with contextlib.suppress(ValueError):  # validation reports it
                fields["limits"] = json.loads(fields["limits"])
        return ours, {k: v for k, v in fields.items() if v != ""}
    padded = values + [""] * max(0, 2 - len(values))
    rest = "<br>".join(v for v in padded[2:] if v.strip())
    if int(model.get("type", 0)) == 1:
        extra = "<br>".join(v for v in padded[1:] if v.strip())
        return "cloze", {"text": padded[0], "extra": extra}
    back = padded[1] + (("<br>" + rest) if rest else "")
    kind = "basic_reversed" if len(model.get("tmpls", [])) == 2 else "basic"
    return kind, {"front": padded[0], "back": back}


def _read_media(
    archive: zipfile.ZipFile, max_image_bytes: int
) -> tuple[dict[str, bytes], list[str]]:
    if "media" not in archive.namelist():
        return {}, []
    try:
        index = json.loads(_read(archive, "media").decode("utf-8") or "{}")
        if not isinstance(index, dict):
            raise ValueError
    except (UnicodeDecodeError, ValueError):
        return {}, [
            "The package's media list could not be read; no images were imported."
        ]
    found: dict[str, bytes] = {}
    skipped: list[str] = []
    names = set(archive.namelist())
    for number, filename in index.items():
        if str(number) not in names or not isinstance(filename, str):
            continue
        data = _read(archive, str(number))
        try:
            media.check_image(data, max_bytes=max_image_bytes)
        except media.MediaError as exc:
            skipped.append(f"{filename}: {exc}")
            continue
        found[filename] = data
    warnings_ = [f"Media file skipped, {problem}" for problem in skipped[:20]]
    if len(skipped) > 20:
        warnings_.append(f"... and {len(skipped) - 20} more media files skipped.")
    return found, warnings_


# --- writing ---------------------------------------------------------------------


@dataclass(frozen=True)
class ExportNote:
    id: int
    type: str
    fields: dict[str, Any]
    tags: list[str]


def _model(kind: str) -> genanki.Model:
    model_id, names, templates = MODELS[kind]
    first = names[0]
    if kind == "cloze":
        return genanki.Model(
            model_id,
            MODEL_PREFIX + kind,
            fields=[{"name": n} for n in names],
            templates=[
                {
                    "name": "Cloze",
                    "qfmt": "{{cloze:text}}",
                    "afmt": "{{cloze:text}}<br>{{extra}}",
                }
            ],
            model_type=genanki.Model.CLOZE,
        )
    second = names[1]
    tmpls = [
        {
            "name": "Card 1",
            "qfmt": "{{" + first + "}}",
            "afmt": "{{FrontSide}}<hr id=answer>{{" + second + "}}",
        }
    ]
    if templates == 2:
        tmpls.append(
            {
                "name": "Card 2",
                "qfmt": "{{" + second + "}}",
                "afmt": "{{FrontSide}}<hr id=answer>{{" + first + "}}",
            }
        )
    return genanki.Model(
        model_id,
        MODEL_PREFIX + kind,
        fields=[{"name": n} for n in names],
        templates=tmpls,
    )


def _field_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)


def write_apkg(
    *,
    deck_id: int,
    title: str,
    description: str,
    notes: Iterable[ExportNote],
    images: dict[str, bytes],
) -> bytes:
    """An ``.apkg`` of the notes (our types as ``studysite <type>`` models) and
    the images they refer to (``images``: file name -> bytes)."""
    deck = genanki.Deck(2_000_000_000 + deck_id, title, description=description)
    models = {kind: _model(kind) for kind in MODELS}
    with warnings.catch_warnings():
        # genanki warns about HTML in fields; ours are markdown and HTML.
        warnings.simplefilter("ignore")
        for note in notes:
            names = MODELS[note.type][1]
            values = [
                media.to_package_names(_field_text(note.fields.get(n, "")))
                for n in names
            ]
            deck.add_note(
                genanki.Note(
                    model=models[note.type],
                    fields=values,
                    tags=list(note.tags),
                    guid=genanki.guid_for("studysite", note.id),
                )
            )
        with tempfile.TemporaryDirectory() as tmp:
            paths = []
            for filename, data in images.items():
                path = Path(tmp) / filename
                path.write_bytes(data)
                paths.append(str(path))
            out = Path(tmp) / "deck.apkg"
            genanki.Package(deck, media_files=paths).write_to_file(str(out))
            return out.read_bytes()
