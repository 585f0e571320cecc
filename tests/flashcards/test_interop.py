"""Anki and CSV import/export: a genanki deck in, the same notes out and back,
review history replayed, images kept; bad files import nothing."""

from __future__ import annotations

import io
import sqlite3
import tempfile
import warnings
import zipfile
from pathlib import Path

import genanki
import pytest

from flashcards import interop, services
from flashcards.models import Card, Deck, ImportJob, MediaFile, Note, ReviewLog
from studysite.errors import Invalid

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
    b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01"
    b"\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def genanki_deck(*, revlog: bool = True, extra_notes=()) -> bytes:
    """A deck as Anki users make them: Basic, reversed, cloze, an image."""
    basic = genanki.Model(
        1091735104,
        "Basic (genanki)",
        fields=[{"name": "Front"}, {"name": "Back"}],
        templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{Back}}"}],
    )
    reversed_ = genanki.Model(
        1091735105,
        "Basic (and reversed card)",
        fields=[{"name": "Front"}, {"name": "Back"}],
        templates=[
            {"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{Back}}"},
            {"name": "Card 2", "qfmt": "{{Back}}", "afmt": "{{Front}}"},
        ],
    )
    deck = genanki.Deck(2059400110, "Precision basics")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        deck.add_note(
            genanki.Note(
                model=basic,
                fields=["fp16 max?", '65,504 <img src="chart.png">'],
                tags=["fp16", "range"],
            )
        )
        deck.add_note(genanki.Note(model=reversed_, fields=["bf16", "8 exponent bits"]))
        deck.add_note(
            genanki.Note(
                model=genanki.CLOZE_MODEL,
                fields=["fp32 has {{c1::8}} exponent and {{c2::23}} mantissa bits", ""],
            )
        )
        for fields in extra_notes:
            deck.add_note(genanki.Note(model=basic, fields=list(fields)))
    with tempfile.TemporaryDirectory() as tmp:
        image = Path(tmp) / "chart.png"
        image.write_bytes(PNG)
        out = Path(tmp) / "deck.apkg"
        genanki.Package(deck, media_files=[str(image)]).write_to_file(str(out))
        data = out.read_bytes()
    if revlog:
        data = _with_revlog(data)
    return data


def _with_revlog(data: bytes) -> bytes:
    """Add a review history (genanki writes none) to the first card."""
    source = zipfile.ZipFile(io.BytesIO(data))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c.anki2"
        path.write_bytes(source.read("collection.anki2"))
        db = sqlite3.connect(path)
        (card_id,) = db.execute("SELECT min(id) FROM cards").fetchone()
        day = 86_400_000
        start = 1_700_000_000_000
        for i, ease in enumerate((3, 3, 1, 4)):
            db.execute(
                "INSERT INTO revlog VALUES (?,?,0,?,0,0,0,5000,1)",
                (start + i * day * 3, card_id, ease),
            )
        db.commit()
        db.close()
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as target:
            for item in source.infolist():
                if item.filename == "collection.anki2":
                    target.writestr(item.filename, path.read_bytes())
                else:
                    target.writestr(item, source.read(item.filename))
    return out.getvalue()


def run_import(user, filename: str, data: bytes, **mapping) -> ImportJob:
    job = interop.import_job_create(owner=user, filename=filename, data=data)
    if mapping:
        interop.import_job_map(job=job, **mapping)
    return interop.import_job_run(job_id=job.pk)


def notes_of(deck: Deck) -> list[tuple[str, dict, list]]:
    return [(n.type, n.fields, n.tags) for n in deck.notes.order_by("id")]


def test_a_genanki_deck_imports_notes_cards_media_and_history(learner):
    job = run_import(learner, "basics.apkg", genanki_deck())
    assert job.status == "done", job.error
    deck = job.deck
    assert deck.title == "Precision basics" and deck.owner == learner
    types = [n.type for n in deck.notes.order_by("id")]
    assert types == ["basic", "basic_reversed", "cloze"]
    assert Card.objects.filter(deck=deck).count() == 1 + 2 + 2
    image = MediaFile.objects.get()
    assert image.content_type == "image/png"
    first = deck.notes.order_by("id").first()
    assert image.url in first.fields["back"] and first.tags == ["fp16", "range"]
    assert job.result == {
        "notes": 3,
        "cards": 5,
        "images": 1,
        "reviews": 4,
        "subdecks": 0,
        "updated": 0,
        "unchanged": 0,
        "skipped": 0,
        "skipped_notes": [],
    }
    logs = ReviewLog.objects.filter(learner=learner).order_by("reviewed_at")
    assert [log.rating for log in logs] == [3, 3, 1, 4]


def test_export_then_import_gives_the_same_notes_apkg_and_csv(learner):
    deck = services.deck_create(owner=learner, title="Round trip")
    image = interop.media_create(owner=learner, name="x.png", data=PNG)
    services.note_create(
        deck=deck,
        type="basic",
        fields={"front": "a < b & $x^2$", "back": f"![chart]({image.url})"},
        tags=["t1"],
    )
    services.note_create(
        deck=deck, type="basic_reversed", fields={"front": "F", "back": "B"}
    )
    services.note_create(
        deck=deck, type="cloze", fields={"text": "{{c1::8}} bits", "extra": "e"}
    )
    services.note_create(
        deck=deck,
        type="numeric",
        fields={"question": "fp16 max", "answer": "65504", "tolerance": "1"},
    )
    services.note_create(
        deck=deck,
        type="parametric",
        fields={
            "template": "training-memory-fp32",
            "limits": {"model": ["Llama-2-7B"]},
        },
    )
    apkg = interop.deck_export_apkg(deck=deck)
    assert "x.png" not in str(zipfile.ZipFile(io.BytesIO(apkg)).namelist())
    again = run_import(learner, "rt.apkg", apkg)
    assert again.status == "done", again.error
    assert notes_of(again.deck) == notes_of(deck)
    csv_text = interop.deck_export_csv(deck=deck)
    from_csv = run_import(
        learner,
        "rt.csv",
        csv_text.encode(),
        columns={"type": 0, "front": 1, "back": 2, "tags": 3, "fields": 4},
        header=True,
    )
    assert from_csv.status == "done", from_csv.error
    assert notes_of(from_csv.deck) == notes_of(deck)


def test_csv_import_shows_a_preview_and_uses_the_mapping(learner):
    data = b"tags\tquestion\tanswer\nfp\tfp16 bits?\t16\nfp\tbf16 bits?\t16\n"
    job = interop.import_job_create(owner=learner, filename="cards.tsv", data=data)
    assert job.status == "mapping" and job.options["delimiter"] == "\t"
    assert job.preview[0] == ["tags", "question", "answer"]
    assert job.options["columns"] == {"tags": 0, "front": 1, "back": 2}
    interop.import_job_map(
        job=job, columns={"front": 1, "back": 2, "tags": 0}, header=True
    )
    job = interop.import_job_run(job_id=job.pk)
    assert job.status == "done"
    assert notes_of(job.deck) == [
        ("basic", {"front": "fp16 bits?", "back": "16"}, ["fp"]),
        ("basic", {"front": "bf16 bits?", "back": "16"}, ["fp"]),
    ]


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("deck.apkg", b"not a zip at all", "not a zip"),
        ("deck.pdf", b"%PDF", ".apkg"),
        ("bad.csv", b"front,back\n\xff\xfe,broken\n", "not UTF-8"),
        ("empty.csv", b"", "empty"),
    ],
)
def test_bad_uploads_get_a_clear_message(learner, filename, data, message):
    with pytest.raises(Invalid) as info:
        interop.import_job_create(owner=learner, filename=filename, data=data)
    assert message in str(info.value.fields["file"])
    assert not ImportJob.objects.exists() and not Deck.objects.exists()


def test_a_file_over_the_size_limit_is_refused(learner, settings):
    settings.FLASHCARDS_IMPORT_MAX_BYTES = 100
    with pytest.raises(Invalid) as info:
        interop.import_job_create(owner=learner, filename="d.apkg", data=b"x" * 101)
    assert "at most 100" in str(info.value.fields["file"])


def test_a_zip_bomb_is_refused_before_it_is_inflated(learner):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("collection.anki2", b"\0" * (50 * 1024 * 1024))
    with pytest.raises(Invalid) as info:
        interop.import_job_create(
            owner=learner, filename="bomb.apkg", data=out.getvalue()
        )
    assert "zip bomb" in str(info.value.fields["file"])


def test_an_unknown_schema_fails_the_job_and_imports_nothing(learner):
    out = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c"
        db = sqlite3.connect(path)
        db.executescript(
            "CREATE TABLE col (ver, models, decks); INSERT INTO col VALUES (18,'{}','{}');"
            "CREATE TABLE notes (id); CREATE TABLE cards (id);"
        )
        db.close()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("collection.anki2", path.read_bytes())
    job = run_import(learner, "new.apkg", out.getvalue())
    assert job.status == "failed"
    assert "Unknown Anki collection schema (version 18)" in job.error
    assert not Deck.objects.exists()
    damaged = io.BytesIO()
    with zipfile.ZipFile(damaged, "w") as archive:
        archive.writestr("collection.anki21b", b"zstd...")
    job = run_import(learner, "n.apkg", damaged.getvalue())
    assert job.status == "failed"
    assert "collection.anki21b is not readable zstd data" in job.error
    assert not Deck.objects.exists()


def test_one_bad_note_is_left_out_and_listed_and_the_rest_imported(learner):
    # A cloze note whose text has no cloze cannot be a card: it is skipped.
    model = genanki.CLOZE_MODEL
    deck = genanki.Deck(1, "Bad")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        deck.add_note(genanki.Note(model=model, fields=["{{c1::ok}}", ""]))
        deck.add_note(genanki.Note(model=model, fields=["no cloze here", ""]))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "d.apkg"
        genanki.Package(deck).write_to_file(str(out))
        job = run_import(learner, "bad.apkg", out.read_bytes())
    assert job.status == "done"
    assert job.result["notes"] == 1 and job.result["skipped"] == 1
    (skipped,) = job.result["skipped_notes"]
    assert skipped["where"] == "note 2" and skipped["first_field"] == "no cloze here"
    assert "text:" in skipped["reason"] and "{{c1::" in skipped["reason"]
    assert Note.objects.get().fields["text"] == "{{c1::ok}}"


def test_csv_rows_missing_columns_are_left_out_and_listed(learner):
    data = b"front,back,tags\nq1,a1,t\nq2\n"
    job = interop.import_job_create(owner=learner, filename="m.csv", data=data)
    interop.import_job_map(
        job=job, columns={"front": 0, "back": 1, "tags": 2}, header=True
    )
    job = interop.import_job_run(job_id=job.pk)
    assert job.status == "done" and job.result["notes"] == 1
    (skipped,) = job.result["skipped_notes"]
    assert skipped["where"] == "line 3" and "columns" in skipped["reason"]


def test_unsafe_html_in_an_import_is_removed_and_reported(learner):
    data = b'front,back\n"<img src=x onerror=alert(1)>",<script>alert(1)</script>ok\n'
    job = interop.import_job_create(owner=learner, filename="x.csv", data=data)
    interop.import_job_map(job=job, columns={"front": 0, "back": 1}, header=True)
    job = interop.import_job_run(job_id=job.pk)
    assert job.status == "done"
    note = job.deck.notes.get()
    assert "onerror" not in note.fields["front"] and "script" not in note.fields["back"]
    assert len(job.warnings) == 2 and "unsafe HTML" in job.warnings[0]
