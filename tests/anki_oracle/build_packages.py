"""Anki packages of every kind, built by Anki itself, and what Anki counts in them.

Run only by `tests/anki_oracle/oracle.py`, inside the virtualenv it makes for
the official ``anki`` package (AGPL: a test tool here, never imported by the
product or by the test process itself). Usage::

    python build_packages.py OUT_DIR
    python build_packages.py --open PACKAGE

writes one package per (case, format) into OUT_DIR and ``expected.json``: for
each package, what a fresh Anki collection holds after importing it (notes,
cards, review log entries, media file names, deck names, each card's question
as Anki renders it); with ``--open``, prints the same for one package
written by the product.
"""

from __future__ import annotations

import json
import os
import re
import struct
import sys
import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path

from anki.collection import (
    Collection,
    ExportAnkiPackageOptions,
    ImportAnkiPackageOptions,
    ImportAnkiPackageRequest,
)


def png(width: int = 2, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" + b"\x00" * 413


def add(col: Collection, model: str, deck: str, tags: str = "", **fields: str) -> None:
    note = col.new_note(col.models.by_name(model))
    for name, value in fields.items():
        note[name.replace("_", " ")] = value
    note.tags = tags.split()
    col.add_note(note, col.decks.id(deck))


def review(col: Collection, deck: str, answers: list[int]) -> None:
    """Answer the deck's first cards (Again/Hard/Good/Easy = 1..4)."""
    col.decks.select(col.decks.id(deck))
    for ease in answers:
        card = col.sched.getCard()
        if card is None:
            return
        col.sched.answerCard(card, ease)


def stock(col: Collection) -> None:
    """Anki's stock note types, math, media and some history, in one deck."""
    deck = "Precision"
    add(col, "Basic", deck, "fp16 range", Front="Largest fp16?", Back="65504")
    add(
        col,
        "Basic",
        deck,
        Front=r"Snell: \(n_1 \sin\theta_1 = n_2 \sin\theta_2\)",
        Back=r"\[\varepsilon &gt; 0\]",
    )
    add(col, "Basic (and reversed card)", deck, Front="bf16 exponent bits", Back="8")
    add(
        col,
        "Basic (optional reversed card)",
        deck,
        Front="fp8 E4M3 max",
        Back="448",
        Add_Reverse="",
    )
    add(
        col,
        "Basic (optional reversed card)",
        deck,
        Front="fp8 E5M2 max",
        Back="57344",
        Add_Reverse="y",
    )
    add(col, "Basic (type in the answer)", deck, Front="fp32 bytes", Back="4")
    add(
        col,
        "Cloze",
        deck,
        Text="{{c1::bf16}} keeps fp32's {{c2::range::what?}}",
        Back_Extra="8 exponent bits",
    )
    add(col, "Cloze", deck, Text="A {{c1::sign}} bit, [$]2^{e}[/$]")
    add(
        col,
        "Basic",
        deck,
        Front='The grid <img src="grid.png">',
        Back="listen [sound:tone.mp3]",
    )
    col.media.write_data("grid.png", png())
    col.media.write_data("tone.mp3", MP3)
    review(col, deck, [3, 3, 1, 4, 3])


def subdecks(col: Collection) -> None:
    """Notes in a deck tree."""
    add(col, "Basic", "Physics::Optics", Front="n of water", Back="1.33")
    add(col, "Basic", "Physics::Optics::Lenses", Front="f of a flat lens", Back="∞")
    add(col, "Basic", "Physics::Mechanics", Front="g", Back="9.81 m/s²")
    add(col, "Basic", "Physics", Front="SI unit of force", Back="newton")


def tolerant(col: Collection) -> None:
    """Notes Anki allows that a strict importer refuses."""
    add(col, "Basic", "Loose", Front="Empty back is fine", Back="")
    add(col, "Basic", "Loose", Front="Second", Back="ok")


def custom(col: Collection) -> None:
    """A note type of the user's own: three fields, three templates."""
    models = col.models
    model = models.new("Vocab")
    for name in ("Word", "Meaning", "Example"):
        models.add_field(model, models.new_field(name))
    for name, front, back in (
        ("Recognise", "{{Word}}", "{{FrontSide}}<hr id=answer>{{Meaning}}"),
        ("Recall", "{{Meaning}}", "{{FrontSide}}<hr id=answer>{{Word}}"),
        (
            "Use",
            "{{#Example}}{{cloze:Example}}{{Example}}{{/Example}}",
            "{{FrontSide}}<hr id=answer>{{Word}}",
        ),
    ):
        template = models.new_template(name)
        template["qfmt"], template["afmt"] = front, back
        models.add_template(model, template)
    model["css"] = ".card { font-family: serif; }"
    models.add(model)
    add(
        col,
        "Vocab",
        "Words",
        Word="mantissa",
        Meaning="significand",
        Example="the mantissa has 7 bits",
    )
    add(col, "Vocab", "Words", Word="ulp", Meaning="unit in the last place", Example="")


CASES: dict[str, Callable[[Collection], None]] = {
    "stock": stock,
    "subdecks": subdecks,
    "tolerant": tolerant,
    "custom": custom,
}
FORMATS = ("apkg", "apkg-legacy", "colpkg", "colpkg-legacy")


def export(col: Collection, fmt: str, out: Path) -> None:
    legacy = fmt.endswith("-legacy")
    if fmt.startswith("apkg"):
        col.export_anki_package(
            out_path=str(out),
            options=ExportAnkiPackageOptions(
                with_scheduling=True,
                with_deck_configs=False,
                with_media=True,
                legacy=legacy,
            ),
            limit=None,
        )
    else:
        col.export_collection_package(str(out), include_media=True, legacy=legacy)


def counted(col: Collection) -> dict[str, object]:
    """What a collection holds, as the tests compare it."""
    decks = sorted(
        d.name
        for d in col.decks.all_names_and_ids()
        if col.db.scalar("select count() from cards where did = ?", d.id)
    )
    questions = []
    for card_id in col.db.list("select id from cards order by nid, ord"):
        card = col.get_card(card_id)
        question = col.media.strip_av_tags(card.question())
        questions.append(re.sub(r"<style>.*?</style>", "", question, flags=re.S))
    return {
        "notes": col.note_count(),
        "cards": col.card_count(),
        "reviews": col.db.scalar("select count() from revlog where type != 4"),
        "media": sorted(
            name for name in os.listdir(col.media.dir()) if not name.startswith(".")
        ),
        "decks": decks,
        "questions": questions,
    }


def imported_by_anki(path: Path, fmt: str, tmp: Path) -> dict[str, object]:
    """The package opened by Anki: imported into a fresh collection (.apkg) or
    restored as the collection (.colpkg)."""
    target = tmp / f"opened-{path.name}"
    target.mkdir()
    col_path = target / "collection.anki2"
    if fmt.startswith("colpkg"):
        from anki._backend import RustBackend

        RustBackend().import_collection_package(
            col_path=str(col_path),
            backup_path=str(path),
            media_folder=str(target / "collection.media"),
            media_db=str(target / "collection.media.db2"),
        )
        col = Collection(str(col_path))
    else:
        col = Collection(str(col_path))
        col.import_anki_package(
            ImportAnkiPackageRequest(
                package_path=str(path),
                options=ImportAnkiPackageOptions(
                    with_scheduling=True, with_deck_configs=False
                ),
            )
        )
    try:
        return counted(col)
    finally:
        col.close()


def main(out_dir: str) -> None:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    expected: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for case, build in CASES.items():
            source = tmp / case
            source.mkdir()
            col = Collection(str(source / "collection.anki2"))
            build(col)
            col.close()
            for fmt in FORMATS:
                path = out / f"{case}-{fmt}.{fmt.split('-')[0]}"
                col = Collection(str(source / "collection.anki2"))
                export(col, fmt, path)
                if col.db:
                    col.close()
                expected[path.name] = {
                    "case": case,
                    "format": fmt,
                    **imported_by_anki(path, fmt, tmp),
                }
    (out / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True))


def open_package(path: str) -> None:
    """Print what Anki gets from a package written elsewhere (JSON)."""
    with tempfile.TemporaryDirectory() as tmp_name:
        fmt = "colpkg" if path.endswith(".colpkg") else "apkg"
        print(json.dumps(imported_by_anki(Path(path), fmt, Path(tmp_name))))


if __name__ == "__main__":
    if sys.argv[1] == "--open":
        open_package(sys.argv[2])
    else:
        main(sys.argv[1])
