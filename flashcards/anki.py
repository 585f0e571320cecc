"""Anki packages: read an ``.apkg`` or ``.colpkg`` safely, write one with
genanki.

Pure (no Django). An ``.apkg`` or ``.colpkg`` is a zip holding the
collection (SQLite: ``col``, ``notes``, ``cards``, ``revlog``), a ``media`` JSON map (``{"0": "photo.png"}``) and the media files
named ``0``, ``1``... The zip is checked before anything is extracted: the
number of entries, the declared uncompressed sizes and the compression ratio
(a zip bomb is refused without inflating it). The current layout
(``collection.anki21b``: zstd, protobuf, schema 18) is opened by
`flashcards.anki_formats` into the same shape; collections of another schema
are refused with a message saying how to export them.

Note types map by Anki model: a cloze model (``type`` 1) is a cloze note
(first field the text, the rest the extra); a standard model is a basic note,
or basic-and-reversed when Anki makes both of its first two cards for that
note (`anki_templates.front_is_empty`, so an "optional reversed" note with an
empty "Add Reverse" is one card), its back the second field and any other
field the templates show; the models this site exports
(``studysite <type>``, fields named as ours) map back exactly, so an export
re-imported gives the same notes.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flashcards import anki_formats, anki_templates, media

DEFAULT_MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_ENTRIES = 10_000
#: Entries above this size may not be compressed more than MAX_RATIO times.
RATIO_FLOOR_BYTES = 1024 * 1024
MAX_RATIO = 100
SUPPORTED_SCHEMAS = (anki_formats.LEGACY_SCHEMA, anki_formats.LATEST_SCHEMA)
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


#: Our note types as this site exports them now: the fields Anki shows (HTML),
#: then `SOURCE_FIELD`, the note as written here (JSON), which no template
#: shows; a package sent back re-imports exactly, unless the shown fields were
#: edited in Anki (their digest no longer matches), when the edits win.
SOURCE_FIELD = "studysite"
EXPORT_MODELS: dict[str, tuple[int, tuple[str, ...]]] = {
    "basic": (1607392330, ("front", "back", SOURCE_FIELD)),
    "basic_reversed": (1607392331, ("front", "back", SOURCE_FIELD)),
    "cloze": (1607392332, ("text", "extra", SOURCE_FIELD)),
    "numeric": (
        1607392333,
        ("question", "answer", "unit", "explanation", SOURCE_FIELD),
    ),
    "parametric": (1607392334, ("problem", "solution", SOURCE_FIELD)),
}


def shown_digest(values: list[str]) -> str:
    """A short digest of the shown fields, to tell whether Anki edited them."""
    return hashlib.sha256(FIELD_SEPARATOR.join(values).encode()).hexdigest()[:16]


class AnkiError(ValueError):
    """The package cannot be imported; the message says why, for the user."""


@dataclass
class AnkiCard:
    anki_id: int
    ordinal: int  # ours: 1-based (Anki's ord + 1)
    deck_id: int = 0  # its deck (the original deck of a card in a filtered one)
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
    deck: str = ""  # the whole name of its first card's deck ("A::B")


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
    """The zip member holding the collection (the current layout first)."""
    try:
        return anki_formats.collection_member(archive)
    except anki_formats.FormatError as exc:
        raise AnkiError(str(exc)) from None


def read_apkg(
    data: bytes,
    *,
    max_uncompressed: int = DEFAULT_MAX_UNCOMPRESSED,
    max_image_bytes: int = media.DEFAULT_MAX_IMAGE_BYTES,
    progress: Callable[[int, int], None] | None = None,
) -> AnkiPackage:
    """Read notes, cards, review history and images from an ``.apkg`` or
    ``.colpkg`` of either layout.

    Raises:
        AnkiError: Anything that makes the package unreadable (see the module
            docstring); the message is meant for the user.
    """
    archive = check_zip(data, max_uncompressed=max_uncompressed)
    name = collection_name(archive)

    def read(member: str) -> bytes:
        return _read(archive, member)

    try:
        version = anki_formats.package_version(archive, read)
        collection = anki_formats.collection_bytes(
            name, read(name), limit=max_uncompressed
        )
    except anki_formats.FormatError as exc:
        raise AnkiError(str(exc)) from None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "collection.sqlite"
        path.write_bytes(collection)
        del collection
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            anki_formats.register_collations(db)
        except sqlite3.Error:  # pragma: no cover - connect is lazy
            raise AnkiError(f"{name} is not an SQLite database.") from None
        try:
            package = _read_collection(db, progress=progress)
        except sqlite3.DatabaseError as exc:
            raise AnkiError(
                f"{name} is not a readable Anki collection ({exc}); the schema is "
                f"unknown or the file is damaged."
            ) from None
        except anki_formats.FormatError as exc:
            raise AnkiError(str(exc)) from None
        finally:
            db.close()
    package.media, media_warnings = anki_formats.read_media(
        archive, version, read, max_image_bytes=max_image_bytes
    )
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
    models, decks = anki_formats.models_and_decks(
        db, tables, ver, models_json, decks_json
    )
    if ver not in SUPPORTED_SCHEMAS or not models:
        raise AnkiError(
            f"Unknown Anki collection schema (version {ver}); schemas 11 and 18 "
            f"(Anki 2.1 to 26) can be read. Export the deck again from a current "
            f"Anki."
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
        "SELECT id, nid, CASE WHEN odid THEN odid ELSE did END, ord FROM cards "
        "ORDER BY id"
    ):
        card = AnkiCard(
            anki_id=int(card_id), ordinal=int(ordinal) + 1, deck_id=int(deck_id)
        )
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
    names = {
        int(d): str(decks[str(d)].get("name", "")) for d in deck_ids if str(d) in decks
    }
    for note in notes:
        if note.cards:
            note.deck = names.get(note.cards[0].deck_id, "")
    deck_names = [names[d] for d in sorted(names) if names[d] != "Default"]
    deck_name = deck_names[0] if deck_names else "Imported deck"
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
    if (
        name.startswith(MODEL_PREFIX)
        and ours in EXPORT_MODELS
        and tuple(names) == EXPORT_MODELS[ours][1]
    ):
        return _from_export(ours, dict(zip(names, values, strict=False)))
    padded = values + [""] * max(0, 2 - len(values))
    if int(model.get("type", 0)) == 1:
        extra = "<br>".join(v for v in padded[1:] if v.strip())
        return "cloze", {"text": padded[0], "extra": extra}
    by_name = dict(zip(names, padded, strict=False))
    templates = [str(t.get("qfmt", "")) for t in model.get("tmpls", [])]
    try:
        cards = [not anki_templates.front_is_empty(t, by_name) for t in templates]
        shown = [
            n
            for t in model.get("tmpls", [])
            for n in anki_templates.shown_fields(
                f"{t.get('qfmt', '')}{t.get('afmt', '')}"
            )
        ]
    except anki_templates.TemplateError:
        cards, shown = [True] * len(templates), names
    # The rest of the fields the templates show go on the back; a field that
    # only switches a card on ("Add Reverse") is not content.
    rest = "<br>".join(
        by_name[n]
        for n in dict.fromkeys(shown)
        if n in by_name and n not in names[:2] and by_name[n].strip()
    )
    back = padded[1] + (("<br>" + rest) if rest else "")
    kind = "basic_reversed" if cards[:2] == [True, True] else "basic"
    return kind, {"front": padded[0], "back": back}


def _from_export(kind: str, fields: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """A note of one of our exported models: as written here, or as edited in Anki."""
    try:
        source = json.loads(fields.pop(SOURCE_FIELD, "") or "{}")
    except ValueError:
        source = {}
    if not isinstance(source, dict):
        source = {}
    shown = [fields.get(n, "") for n in EXPORT_MODELS[kind][1][:-1]]
    written = source.get("fields")
    unedited = kind == "parametric" or source.get("shown") == shown_digest(shown)
    if isinstance(written, dict) and source.get("type") == kind and unedited:
        return kind, written
    if kind == "parametric":  # a generated instance edited in Anki: plain text now
        return "basic", {"front": fields["problem"], "back": fields["solution"]}
    edited = {k: v for k, v in fields.items() if v != ""}
    if kind == "numeric" and isinstance(written, dict):
        for key in ("tolerance", "relative_tolerance"):
            if key in written:
                edited[key] = written[key]
    return kind, edited
