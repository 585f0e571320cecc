"""Benchmark of importing a large Anki package (``make bench``; figures, not tests).

Run::

    make bench BENCH_ARGS="flashcards.bench_import_anki_package --quick"   # SQLite
    DATABASE_URL=postgres://user@127.0.0.1/studysite \\
        make bench BENCH_ARGS=flashcards.bench_import_anki_package

* ``bench_import_anki_package``: a legacy Anki package (``collection.anki2``,
  schema 11) of 10,000 notes with 300 images and 50,000 reviews
  (``--quick``: 200 notes, 20 images, 1,000 reviews), built here
  deterministically (`anki_package`; never with the ``anki`` package), imported
  the product's way (`flashcards.interop.import_job_create` then
  `import_job_run`) into a scratch database (`tests.bench.scratch`). It prints
  what was stored (notes, cards, reviews, images, read back from the database
  and checked against what the package holds), the wall time of the import
  and per 1,000 notes, the time of reading the package alone, the SQL
  statements sent, and the peak Python memory (``tracemalloc``, on a second
  learner's import of the same package, since tracing slows the code it
  watches; its images are deleted first, so they are stored again).
"""

from __future__ import annotations

import io
import json
import sqlite3
import struct
import tempfile
import time
import tracemalloc
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from random import Random
from typing import Any

from tests.bench.interop import _counting_queries
from tests.bench.scratch import scratch_database

DAY_MS = 86_400_000
#: 2022-01-01T00:00:00Z: notes are made from here, reviewed until mid-2024.
CREATED_MS = 1_640_995_200_000
REVIEWS_FROM_MS = 1_672_531_200_000  # 2023-01-01
REVIEWS_UNTIL_MS = 1_717_200_000_000  # 2024-06-01: the whole history is past
DECK_ID = 1_640_995_200_123
BASIC_ID = 1_342_697_561_419
REVERSED_ID = 1_342_697_561_420
CLOZE_ID = 1_342_697_561_421
SEPARATOR = "\x1f"

# Anki's schema 11, as `anki` 2.1's ``schema11.sql`` creates it.
SCHEMA = """
CREATE TABLE col (
    id integer PRIMARY KEY, crt integer NOT NULL, mod integer NOT NULL,
    scm integer NOT NULL, ver integer NOT NULL, dty integer NOT NULL,
    usn integer NOT NULL, ls integer NOT NULL, conf text NOT NULL,
    models text NOT NULL, decks text NOT NULL, dconf text NOT NULL,
    tags text NOT NULL
);
CREATE TABLE notes (
    id integer PRIMARY KEY, guid text NOT NULL, mid integer NOT NULL,
    mod integer NOT NULL, usn integer NOT NULL, tags text NOT NULL,
    flds text NOT NULL, sfld integer NOT NULL, csum integer NOT NULL,
    flags integer NOT NULL, data text NOT NULL
);
CREATE TABLE cards (
    id integer PRIMARY KEY, nid integer NOT NULL, did integer NOT NULL,
    ord integer NOT NULL, mod integer NOT NULL, usn integer NOT NULL,
    type integer NOT NULL, queue integer NOT NULL, due integer NOT NULL,
    ivl integer NOT NULL, factor integer NOT NULL, reps integer NOT NULL,
    lapses integer NOT NULL, left integer NOT NULL, odue integer NOT NULL,
    odid integer NOT NULL, flags integer NOT NULL, data text NOT NULL
);
CREATE TABLE revlog (
    id integer PRIMARY KEY, cid integer NOT NULL, usn integer NOT NULL,
    ease integer NOT NULL, ivl integer NOT NULL, lastIvl integer NOT NULL,
    factor integer NOT NULL, time integer NOT NULL, type integer NOT NULL
);
CREATE TABLE graves (usn integer NOT NULL, oid integer NOT NULL, type integer NOT NULL);
CREATE INDEX ix_notes_usn ON notes (usn);
CREATE INDEX ix_cards_usn ON cards (usn);
CREATE INDEX ix_revlog_usn ON revlog (usn);
CREATE INDEX ix_cards_nid ON cards (nid);
CREATE INDEX ix_cards_sched ON cards (did, queue, due);
CREATE INDEX ix_revlog_cid ON revlog (cid);
CREATE INDEX ix_notes_csum ON notes (csum);
"""

WORDS = [
    "derivative",
    "integral",
    "limit",
    "series",
    "vector",
    "matrix",
    "eigenvalue",
    "gradient",
    "probability",
    "variance",
    "theorem",
    "lemma",
    "proof",
    "function",
    "domain",
    "range",
    "prime",
    "modulus",
    "tensor",
    "entropy",
    "photon",
    "enzyme",
    "protein",
    "genome",
    "lattice",
    "isotope",
]


# --- the package ------------------------------------------------------------------


def png(index: int, rng: Random) -> bytes:
    """A small valid RGB PNG, different for every ``index``."""
    width, height = rng.randrange(8, 33), rng.randrange(8, 33)
    colour = bytes(rng.randrange(256) for _ in range(3))
    row = b"\x00" + colour * width  # filter type 0, then the pixels
    # The first pixel holds the index, so no two images are the same bytes.
    first = b"\x00" + struct.pack(">I", index)[1:] + colour * (width - 1)
    raw = first + row * (height - 1)

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def _field(name: str, ord_: int) -> dict[str, Any]:
    return {
        "name": name,
        "ord": ord_,
        "sticky": False,
        "rtl": False,
        "font": "Arial",
        "size": 20,
        "media": [],
    }


def _template(name: str, ord_: int, qfmt: str, afmt: str) -> dict[str, Any]:
    return {
        "name": name,
        "ord": ord_,
        "qfmt": qfmt,
        "afmt": afmt,
        "did": None,
        "bqfmt": "",
        "bafmt": "",
    }


def _model(
    model_id: int,
    name: str,
    kind: int,
    fields: list[str],
    templates: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "id": model_id,
        "name": name,
        "type": kind,
        "mod": CREATED_MS // 1000,
        "usn": -1,
        "sortf": 0,
        "did": DECK_ID,
        "tmpls": templates,
        "flds": [_field(f, i) for i, f in enumerate(fields)],
        "css": ".card { font-family: arial; font-size: 20px; }",
        "latexPre": "\\documentclass[12pt]{article}\n\\begin{document}\n",
        "latexPost": "\\end{document}",
        "latexsvg": False,
        "req": [[i, "any", [i]] for i in range(len(templates))],
        "tags": [],
        "vers": [],
    }


ANSWER = "{{FrontSide}}\n\n<hr id=answer>\n\n"
MODELS = {
    str(BASIC_ID): _model(
        BASIC_ID,
        "Basic",
        0,
        ["Front", "Back"],
        [_template("Card 1", 0, "{{Front}}", ANSWER + "{{Back}}")],
    ),
    str(REVERSED_ID): _model(
        REVERSED_ID,
        "Basic (and reversed card)",
        0,
        ["Front", "Back"],
        [
            _template("Card 1", 0, "{{Front}}", ANSWER + "{{Back}}"),
            _template("Card 2", 1, "{{Back}}", ANSWER + "{{Front}}"),
        ],
    ),
    str(CLOZE_ID): _model(
        CLOZE_ID,
        "Cloze",
        1,
        ["Text", "Back Extra"],
        [_template("Cloze", 0, "{{cloze:Text}}", "{{cloze:Text}}<br>\n{{Back Extra}}")],
    ),
}


def _deck(deck_id: int, name: str) -> dict[str, Any]:
    return {
        "id": deck_id,
        "name": name,
        "mod": CREATED_MS // 1000,
        "usn": -1,
        "desc": "",
        "dyn": 0,
        "conf": 1,
        "collapsed": False,
        "extendNew": 10,
        "extendRev": 50,
        "newToday": [0, 0],
        "revToday": [0, 0],
        "lrnToday": [0, 0],
        "timeToday": [0, 0],
    }


DECKS = {"1": _deck(1, "Default"), str(DECK_ID): _deck(DECK_ID, "Bench import")}


@dataclass(frozen=True)
class Package:
    """A built package and what it holds."""

    data: bytes
    notes: int
    cards: int
    reviews: int
    images: int
    notes_with_images: int
    by_model: dict[str, int]


def _phrase(rng: Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def _guid(rng: Random) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&"
    return "".join(rng.choice(alphabet) for _ in range(10))


def _notes(
    rng: Random, count: int, images: int
) -> tuple[list[tuple[Any, ...]], list[tuple[int, int, int]], dict[str, int], int]:
    """The notes' rows, their cards ``(card id, note id, ord)``, the count per
    model and the notes with an image."""
    notes: list[tuple[Any, ...]] = []
    cards: list[tuple[int, int, int]] = []
    by_model = {"Basic": 0, "Basic (and reversed card)": 0, "Cloze": 0}
    with_images = 0
    note_id = CREATED_MS
    for index in range(count):
        note_id += rng.randrange(10, 60_000)  # ms apart, as Anki makes them
        roll = rng.random()
        image = ""
        if images and rng.random() < 0.2:
            image = f'<br><img src="img{rng.randrange(images)}.png">'
            with_images += 1
        if roll < 0.7:
            model, name, ords = BASIC_ID, "Basic", [0]
            fields = [f"{_phrase(rng, 4)} #{index}?", _phrase(rng, 8) + image]
        elif roll < 0.9:
            model, name, ords = REVERSED_ID, "Basic (and reversed card)", [0, 1]
            fields = [f"{_phrase(rng, 3)} #{index}", _phrase(rng, 3) + image]
        else:
            model, name, ords = CLOZE_ID, "Cloze", [0, 1]
            text = (
                f"The {{{{c1::{rng.choice(WORDS)}}}}} of #{index} is "
                f"{{{{c2::{_phrase(rng, 2)}}}}} ({_phrase(rng, 3)})"
            )
            fields = [text, _phrase(rng, 5) + image]
        by_model[name] += 1
        flds = SEPARATOR.join(fields)
        tags = " ".join(sorted(set(rng.sample(WORDS, rng.randrange(0, 3)))))
        csum = zlib.crc32(fields[0].encode()) & 0x7FFFFFFF
        notes.append(
            (
                note_id,
                _guid(rng),
                model,
                note_id // 1000,
                -1,
                f" {tags} " if tags else "",
                flds,
                fields[0],
                csum,
                0,
                "",
            )
        )
        cards += [(note_id + o + 1, note_id, o) for o in ords]
    return notes, cards, by_model, with_images


def _revlog(
    rng: Random, cards: list[tuple[int, int, int]], count: int
) -> tuple[list[tuple[int, ...]], dict[int, tuple[int, int, int, int]]]:
    """``count`` review rows over the first cards (a fifth stay new), and each
    reviewed card's last state ``(type, ivl, factor, reps)``."""
    reviewed = cards[: max(1, len(cards) * 4 // 5)]
    picks = [reviewed[i % len(reviewed)][0] for i in range(count)]
    span = REVIEWS_UNTIL_MS - REVIEWS_FROM_MS
    times = sorted(REVIEWS_FROM_MS + rng.randrange(span) for _ in range(count))
    for i in range(1, count):  # ids are epoch ms, strictly increasing
        times[i] = max(times[i], times[i - 1] + 1)
    rng.shuffle(picks)
    rows: list[tuple[int, ...]] = []
    state: dict[int, tuple[int, int, int, int]] = {}
    for millis, card_id in zip(times, picks, strict=True):
        kind, ivl, factor, reps = state.get(card_id, (0, 0, 2500, 0))
        if reps == 0 or kind == 0:
            ease = rng.choices((1, 3, 4), weights=(20, 70, 10))[0]
            new_kind = 0 if ease == 1 else 1
            new_ivl = 0 if ease == 1 else rng.randrange(1, 5)
            log_kind = 0
        else:
            ease = rng.choices((1, 2, 3, 4), weights=(10, 15, 60, 15))[0]
            log_kind = 2 if kind == 2 else 1
            new_kind = 2 if ease == 1 else 1
            new_ivl = 1 if ease == 1 else max(ivl + 1, int(ivl * (1.2 + ease / 2)))
            factor = max(1300, factor + (-200, -150, 0, 150)[ease - 1])
        rows.append(
            (
                millis,
                card_id,
                -1,
                ease,
                new_ivl if new_ivl else -600,
                ivl if ivl else -60,
                factor,
                rng.randrange(1_500, 25_000),
                log_kind,
            )
        )
        state[card_id] = (new_kind, new_ivl, factor, reps + 1)
    return rows, state


def anki_package(*, notes: int, reviews: int, images: int, seed: int = 2024) -> Package:
    """A legacy ``.apkg`` (schema 11) of ``notes`` notes (70% Basic, 20% Basic
    and reversed, 10% Cloze with two deletions), ``images`` PNGs that a fifth
    of the notes show, and ``reviews`` review log rows; the same for a seed."""
    rng = Random(seed)
    note_rows, card_keys, by_model, with_images = _notes(rng, notes, images)
    revlog, state = _revlog(rng, card_keys, reviews)
    card_rows = []
    for position, (card_id, note_id, ord_) in enumerate(card_keys, start=1):
        kind, ivl, factor, reps = state.get(card_id, (0, 0, 0, 0))
        lapses = 0
        if reps == 0:
            queue, due = 0, position
        elif kind in (0, 2) and ivl == 0:
            queue, due = 1, REVIEWS_UNTIL_MS // 1000
        else:
            kind, queue, due = 2, 2, rng.randrange(500, 1_000)
        card_rows.append(
            (card_id, note_id, DECK_ID, ord_, note_id // 1000, -1, kind, queue, due)
            + (ivl, factor, reps, lapses, 0, 0, 0, 0, "")
        )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "collection.anki2"
        db = sqlite3.connect(path)
        try:
            db.executescript(SCHEMA)
            db.execute(
                "INSERT INTO col VALUES (1,?,?,?,11,0,0,0,?,?,?,?,'{}')",
                (
                    CREATED_MS // 1000,
                    REVIEWS_UNTIL_MS,
                    CREATED_MS,
                    json.dumps({"nextPos": len(card_rows) + 1, "curDeck": DECK_ID}),
                    json.dumps(MODELS),
                    json.dumps(DECKS),
                    json.dumps({"1": {"id": 1, "name": "Default", "maxTaken": 60}}),
                ),
            )
            db.executemany(
                f"INSERT INTO notes VALUES ({','.join('?' * 11)})", note_rows
            )
            db.executemany(
                f"INSERT INTO cards VALUES ({','.join('?' * 18)})", card_rows
            )
            db.executemany(f"INSERT INTO revlog VALUES ({','.join('?' * 9)})", revlog)
            db.commit()
        finally:
            db.close()
        collection = path.read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("collection.anki2", collection)
        archive.writestr(
            "media", json.dumps({str(i): f"img{i}.png" for i in range(images)})
        )
        for i in range(images):
            archive.writestr(str(i), png(i, rng))
    return Package(
        data=buffer.getvalue(),
        notes=len(note_rows),
        cards=len(card_rows),
        reviews=len(revlog),
        images=images,
        notes_with_images=with_images,
        by_model=by_model,
    )


# --- the benchmark ----------------------------------------------------------------


def _import(owner: Any, package: Package) -> Any:
    from flashcards import interop

    job = interop.import_job_create(
        owner=owner, filename="bench.apkg", data=package.data
    )
    return interop.import_job_run(job_id=job.pk)


def _stored(job: Any) -> dict[str, int]:
    """What the job stored, read back from the database."""
    from flashcards.models import Card, MediaFile, Note, ReviewLog

    fields = Note.objects.filter(deck=job.deck).values_list("fields", flat=True)
    return {
        "notes": Note.objects.filter(deck=job.deck).count(),
        "cards": Card.objects.filter(deck=job.deck).count(),
        "reviews": ReviewLog.objects.filter(deck=job.deck).count(),
        "images": MediaFile.objects.count(),
        "notes_with_images": sum("/flashcards/media/" in json.dumps(f) for f in fields),
    }


def bench_import_anki_package(*, out: Any, quick: bool) -> None:
    """An .apkg of 10,000 notes with images and 50,000 reviews: time, memory."""
    from django.db import connection

    from flashcards.interop.reading import read_apkg
    from flashcards.models import MediaFile
    from studysite.models import User

    notes, reviews, images = (200, 1_000, 20) if quick else (10_000, 50_000, 300)
    started = time.perf_counter()
    package = anki_package(notes=notes, reviews=reviews, images=images)
    built = time.perf_counter() - started
    models = ", ".join(f"{n} {name}" for name, n in package.by_model.items())
    out.write(
        f"   package: {package.notes} notes ({models}), {package.cards} cards, "
        f"{package.reviews} reviews, {package.images} images; "
        f"{len(package.data) / 2**20:.2f} MiB (built in {built:.1f} s), "
        f"database {connection.vendor}"
    )
    started = time.perf_counter()
    plan = read_apkg(package.data, filename="bench.apkg", progress=lambda d, t: None)
    out.write(
        f"   reading and checking the package alone: "
        f"{time.perf_counter() - started:.2f} s ({len(plan.notes)} notes planned)"
    )
    del plan
    with scratch_database():
        timed = User.objects.create_user(username="bench-anki")
        traced = User.objects.create_user(username="bench-anki-traced")
        with _counting_queries() as queries:
            started = time.perf_counter()
            job = _import(timed, package)
            seconds = time.perf_counter() - started
        if job.status != job.Status.SUCCEEDED:
            out.write(f"   IMPORT FAILED: status {job.status}: {job.error}")
            return
        stored = _stored(job)
        written = {
            "notes": package.notes,
            "cards": package.cards,
            "reviews": package.reviews,
            "images": package.images,
            "notes_with_images": package.notes_with_images,
        }
        out.write(
            f"   stored: {stored['notes']} notes, {stored['cards']} cards, "
            f"{stored['reviews']} reviews, {stored['images']} images "
            f"({stored['notes_with_images']} notes show one)"
        )
        wrong = [
            f"{key} {stored[key]} (written {written[key]})"
            for key in written
            if stored[key] != written[key]
        ]
        if wrong:
            out.write(f"   COUNTS DIFFER from the package: {', '.join(wrong)}")
        else:
            out.write("   counts match the package")
        if job.warnings:
            out.write(f"   warnings: {'; '.join(job.warnings)[:500]}")
        out.write(
            f"   import: {seconds:.2f} s, {seconds / package.notes * 1000:.2f} s "
            f"per 1,000 notes, {queries()} SQL statements"
        )
        MediaFile.objects.all().delete()  # so the traced import stores them again
        tracemalloc.start()
        try:
            started = time.perf_counter()
            again = _import(traced, package)
            seconds = time.perf_counter() - started
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        out.write(
            f"   peak Python memory of an import: {peak / 2**20:.1f} MiB "
            f"(package {len(package.data) / 2**20:.2f} MiB; the traced import "
            f"took {seconds:.1f} s, status {again.status})"
        )
