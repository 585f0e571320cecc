"""The two layouts of an Anki package, read into one shape.

Pure (no Django). `flashcards.anki` reads notes, cards and reviews; this
module finds and opens what they are stored in, whichever Anki wrote it:

* **Legacy** (``.apkg``/``.colpkg`` from Anki before 2.1.50, or with "Support
  older Anki versions" ticked): ``collection.anki21`` or ``collection.anki2``,
  a plain SQLite file of schema 11 whose ``col`` row holds the note types and
  decks as JSON; ``media`` is a JSON map ``{"0": "photo.png"}`` and the zip
  members ``0``, ``1``... are the files as they are.
* **Latest** (Anki 2.1.50 and later, the default): ``meta`` says version 3;
  ``collection.anki21b`` is a zstd-compressed SQLite file of schema 18, whose
  note types, fields, card templates and decks are tables with protobuf
  ``config`` blobs; ``media`` is a zstd-compressed protobuf list of entries
  (the n-th names zip member ``n``) and every media file is zstd-compressed.
  Such packages also hold a ``collection.anki2`` with one note asking to
  update Anki, which is ignored.

zstd is the ``zstandard`` library and protobuf is Google's ``protobuf``
runtime. What is written here is the protobuf *schema*: Anki publishes its
``.proto`` files only inside its own AGPL package, so the few messages read
here (package metadata, media entries, note type and card template config)
are declared below by their field numbers, and fields not declared are
skipped by the protobuf decoder. Every zstd stream is inflated through a
bounded reader, so a package whose frames claim little and inflate to much
(a zstd bomb) stops at the same size limit as the zip checks.

Both layouts come out the same: note types and decks as the schema-11 JSON
dicts (``{"name", "type", "flds", "tmpls", "css"}`` and ``{"name"}``, deck
names joined with ``::``), so one reader serves both.
"""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from collections.abc import Callable
from functools import cache
from typing import Any

import zstandard
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from flashcards import media

LATEST = "collection.anki21b"
LEGACY = ("collection.anki21", "collection.anki2")
#: Anki's PackageMetadata.Version: 1 and 2 legacy, 3 the zstd/protobuf layout.
VERSION_LATEST = 3
LEGACY_SCHEMA = 11
LATEST_SCHEMA = 18
DECK_SEPARATOR = "\x1f"  # schema 18 stores "A::B" as "A\x1fB"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_FEED = 512  # compressed bytes per step of `unzstd`


#: Reads one zip member's bytes (the size checks of `flashcards.anki`).
Reader = Callable[[str], bytes]


class FormatError(ValueError):
    """The package's layout cannot be read; the message says why, for the user."""


# --- protobuf ------------------------------------------------------------------

_T = descriptor_pb2.FieldDescriptorProto
_MESSAGES = {
    # anki.import_export.PackageMetadata
    "PackageMetadata": [("version", 1, _T.TYPE_INT32)],
    # anki.import_export.MediaEntries and its MediaEntry
    "MediaEntry": [
        ("name", 1, _T.TYPE_STRING),
        ("size", 2, _T.TYPE_UINT32),
        ("sha1", 3, _T.TYPE_BYTES),
        ("legacy_zip_filename", 255, _T.TYPE_UINT32),
    ],
    "MediaEntries": [("entries", 1, _T.TYPE_MESSAGE)],
    # anki.notetypes.Notetype.Config (kind: 0 normal, 1 cloze)
    "NotetypeConfig": [
        ("kind", 1, _T.TYPE_INT32),
        ("sort_field_idx", 2, _T.TYPE_UINT32),
        ("css", 3, _T.TYPE_STRING),
    ],
    # anki.notetypes.Notetype.Template.Config
    "TemplateConfig": [
        ("q_format", 1, _T.TYPE_STRING),
        ("a_format", 2, _T.TYPE_STRING),
    ],
}


@cache
def _message(name: str) -> Any:
    """The protobuf class of one of `_MESSAGES` (proto2, so presence is kept)."""
    proto = descriptor_pb2.FileDescriptorProto(
        name="studysite_anki_subset.proto", package="subset", syntax="proto2"
    )
    for message, fields in _MESSAGES.items():
        declared = proto.message_type.add(name=message)
        for field_name, number, kind in fields:
            added = declared.field.add(
                name=field_name, number=number, type=kind, label=_T.LABEL_OPTIONAL
            )
            if kind == _T.TYPE_MESSAGE:
                added.label = _T.LABEL_REPEATED
                added.type_name = ".subset.MediaEntry"
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName(f"subset.{name}"))


def parse(name: str, data: bytes) -> Any:
    """``data`` decoded as the message ``name``.

    Raises:
        FormatError: The bytes are not that message.
    """
    message = _message(name)()
    try:
        message.ParseFromString(bytes(data or b""))
    except Exception:  # protobuf's DecodeError and kin
        raise FormatError(f"A {name} record of the package is damaged.") from None
    return message


# --- zstd ----------------------------------------------------------------------


def unzstd(data: bytes, *, limit: int, what: str) -> bytes:
    """``data`` inflated, at most ``limit`` bytes of it.

    The input is fed a little at a time (one zstd block of a few bytes can
    stand for 128 KiB), so the output is checked against ``limit`` long
    before a bomb could fill memory.

    Raises:
        FormatError: Not zstd, damaged or cut short, or larger than ``limit``
            once inflated.
    """
    inflater = zstandard.ZstdDecompressor().decompressobj()
    out = io.BytesIO()
    view = memoryview(data)
    try:
        for start in range(0, len(view), _FEED):
            out.write(inflater.decompress(view[start : start + _FEED]))
            if out.tell() > limit:
                raise FormatError(
                    f"{what} would unpack to more than {limit:,} bytes; at most "
                    f"{limit:,} are allowed."
                )
            if inflater.eof:
                break
    except zstandard.ZstdError:
        raise FormatError(f"{what} is not readable zstd data (damaged?).") from None
    if not inflater.eof:
        raise FormatError(f"{what} is cut short (the package is damaged).")
    return out.getvalue()


# --- the package ---------------------------------------------------------------


def collection_member(archive: zipfile.ZipFile) -> str:
    """The zip member holding the collection: the latest layout first.

    Raises:
        FormatError: The zip holds no collection.
    """
    names = set(archive.namelist())
    for name in (LATEST, *LEGACY):
        if name in names:
            return name
    raise FormatError(
        "The zip holds no Anki collection (collection.anki21b, collection.anki21 or "
        "collection.anki2); is it an .apkg or .colpkg exported by Anki?"
    )


def package_version(archive: zipfile.ZipFile, read: Reader) -> int:
    """Anki's package version: 3 for the latest layout, 1 or 2 for legacy."""
    if "meta" in archive.namelist():
        version = int(parse("PackageMetadata", read("meta")).version)
        if version > VERSION_LATEST:
            raise FormatError(
                f"The package was written by a newer Anki (package version "
                f"{version}; up to {VERSION_LATEST} can be read)."
            )
        if version:
            return version
    return 2 if "collection.anki21" in archive.namelist() else 1


def collection_bytes(name: str, raw: bytes, *, limit: int) -> bytes:
    """The collection's SQLite bytes (inflated when the layout is the latest)."""
    if name == LATEST:
        return unzstd(raw, limit=limit, what=name)
    return raw


def register_collations(db: sqlite3.Connection) -> None:
    """Anki's ``unicase`` collation (schema 18 declares names with it)."""

    def unicase(a: str, b: str) -> int:
        left, right = a.casefold(), b.casefold()
        return (left > right) - (left < right)

    db.create_collation("unicase", unicase)


def models_and_decks(
    db: sqlite3.Connection,
    tables: set[str],
    ver: int,
    models_json: str,
    decks_json: str,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The note types and decks in schema 11's JSON shape, whichever the schema."""
    if ver == LATEST_SCHEMA and {"notetypes", "fields", "templates"} <= tables:
        return _schema18_models(db), _schema18_decks(db, tables)
    try:
        models = json.loads(models_json or "{}")
        decks = json.loads(decks_json or "{}")
    except (TypeError, ValueError):
        return {}, {}
    if not isinstance(models, dict) or not isinstance(decks, dict):
        return {}, {}
    return models, decks


def _schema18_models(db: sqlite3.Connection) -> dict[str, Any]:
    models: dict[str, Any] = {}
    for ntid, name, config in db.execute("SELECT id, name, config FROM notetypes"):
        parsed = parse("NotetypeConfig", config)
        models[str(ntid)] = {
            "id": int(ntid),
            "name": str(name),
            "type": int(parsed.kind),
            "css": str(parsed.css),
            "flds": [],
            "tmpls": [],
        }
    for ntid, ordinal, name in db.execute(
        "SELECT ntid, ord, name FROM fields ORDER BY ntid, ord"
    ):
        if str(ntid) in models:
            models[str(ntid)]["flds"].append({"name": str(name), "ord": int(ordinal)})
    for ntid, ordinal, name, config in db.execute(
        "SELECT ntid, ord, name, config FROM templates ORDER BY ntid, ord"
    ):
        if str(ntid) in models:
            parsed = parse("TemplateConfig", config)
            models[str(ntid)]["tmpls"].append(
                {
                    "name": str(name),
                    "ord": int(ordinal),
                    "qfmt": str(parsed.q_format),
                    "afmt": str(parsed.a_format),
                }
            )
    return models


def _schema18_decks(db: sqlite3.Connection, tables: set[str]) -> dict[str, Any]:
    if "decks" not in tables:
        return {}
    return {
        str(deck_id): {"name": str(name).replace(DECK_SEPARATOR, "::")}
        for deck_id, name in db.execute("SELECT id, name FROM decks")
    }


def media_index(
    archive: zipfile.ZipFile, version: int, read: Reader, *, limit: int
) -> list[tuple[str, str]]:
    """(zip member, file name as Anki named it) for every media file.

    Raises:
        FormatError: The media list cannot be read.
    """
    if "media" not in archive.namelist():
        return []
    raw = read("media")
    if version >= VERSION_LATEST or raw.startswith(ZSTD_MAGIC):
        entries = parse(
            "MediaEntries", unzstd(raw, limit=limit, what="The media list")
        ).entries
        return [
            (
                str(entry.legacy_zip_filename)
                if entry.HasField("legacy_zip_filename")
                else str(number),
                str(entry.name),
            )
            for number, entry in enumerate(entries)
        ]
    try:
        index = json.loads(raw.decode("utf-8") or "{}")
    except (UnicodeDecodeError, ValueError):
        raise FormatError("The package's media list is not valid JSON.") from None
    if not isinstance(index, dict):
        raise FormatError("The package's media list is not a JSON object.")
    return [(str(k), v) for k, v in index.items() if isinstance(v, str)]


def media_file(raw: bytes, *, limit: int, name: str) -> bytes:
    """One media file's bytes: inflated if zstd-compressed (the latest layout)."""
    if raw.startswith(ZSTD_MAGIC):
        return unzstd(raw, limit=limit, what=name)
    return raw


def read_media(
    archive: zipfile.ZipFile, version: int, read: Reader, *, max_image_bytes: int
) -> tuple[dict[str, bytes], list[str]]:
    """The package's images and audio (name -> bytes) and a warning per file
    skipped."""
    try:
        index = media_index(archive, version, read, limit=50 * 1024 * 1024)
    except FormatError as exc:
        return {}, [f"{exc} No media were imported."]
    names = set(archive.namelist())
    found: dict[str, bytes] = {}
    skipped: list[str] = []
    for member, filename in index:
        if member not in names:
            continue
        try:
            data = media_file(read(member), limit=max_image_bytes + 1, name=filename)
            media.check_media(data, max_bytes=max_image_bytes)
        except (FormatError, media.MediaError) as exc:
            skipped.append(f"{filename}: {exc}")
            continue
        found[filename] = data
    warnings_ = [f"Media file skipped, {problem}" for problem in skipped[:20]]
    if len(skipped) > 20:
        warnings_.append(f"... and {len(skipped) - 20} more media files skipped.")
    return found, warnings_
