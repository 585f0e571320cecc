"""Importing the same notes again updates them in place: a note whose GUID
the owner's deck already holds gets the new fields and tags and keeps its
cards, and so every learner's schedule and history; the report counts new,
updated, unchanged and skipped notes; no second deck of the same name. An
import may also go into a deck of the owner's, and into no one else's."""

from __future__ import annotations

import tempfile
import uuid
import warnings
from pathlib import Path

import genanki
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from flashcards import interop, services
from flashcards.models import Card, CardMemory, Deck, Note, ReviewLog
from studysite import errors
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _apkg(
    notes: list[tuple[str, list[str], list[str]]], model=genanki.BASIC_MODEL
) -> bytes:
    deck = genanki.Deck(42, "Optics")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for guid, fields, tags in notes:
            deck.add_note(
                genanki.Note(model=model, fields=fields, tags=tags, guid=guid)
            )
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "d.apkg"
        genanki.Package(deck).write_to_file(str(out))
        return out.read_bytes()


def _run(user, data: bytes, name: str = "optics.apkg", **kwargs):
    job = interop.import_job_create(owner=user, filename=name, data=data, **kwargs)
    return interop.import_job_run(job_id=job.pk)


FIRST = [
    ("g-lens", ["Lens", "Bends light"], ["optics"]),
    ("g-prism", ["Prism", "Splits light"], ["optics"]),
    ("g-mirror", ["Mirror", "Reflects light"], []),
]


def test_a_reimport_updates_in_place_and_keeps_every_schedule(learner):
    first = _run(learner, _apkg(FIRST))
    deck = first.deck
    lens = Note.objects.get(external_id="g-lens").cards.get()
    services.card_review(
        learner=learner, card_id=lens.pk, rating=3, client_review_id=uuid.uuid4()
    )
    second = _run(
        learner,
        _apkg(
            [
                ("g-lens", ["Lens", "Bends light (refraction)"], ["optics", "week2"]),
                FIRST[1],
                FIRST[2],
                ("g-fibre", ["Fibre", "Guides light"], []),
            ]
        ),
    )
    assert second.status == "done", second.error
    assert second.deck_id == deck.pk and Deck.objects.count() == 1
    assert {
        k: second.result[k] for k in ("notes", "updated", "unchanged", "skipped")
    } == {
        "notes": 1,
        "updated": 1,
        "unchanged": 2,
        "skipped": 0,
    }
    note = Note.objects.get(external_id="g-lens")
    assert note.fields["back"] == "Bends light (refraction)"
    assert note.tags == ["optics", "week2"]
    assert note.cards.get().pk == lens.pk  # same card: schedule and history stay
    assert CardMemory.objects.get(learner=learner, card=lens).reps == 1
    assert ReviewLog.objects.filter(card=lens).count() == 1


def test_importing_the_same_file_twice_changes_nothing(learner):
    data = _apkg(FIRST)
    _run(learner, data)
    again = _run(learner, data)
    assert again.result["notes"] == 0 and again.result["unchanged"] == 3
    assert Note.objects.count() == 3 and Card.objects.count() == 3


def test_a_note_whose_type_changed_is_skipped_not_rewritten(learner):
    _run(learner, _apkg(FIRST))
    changed = _apkg(
        [("g-lens", ["{{c1::Lens}} bends light", ""], [])], model=genanki.CLOZE_MODEL
    )
    job = _run(learner, changed)
    assert job.status == "done" and job.result["skipped"] == 1
    (skipped,) = job.result["skipped_notes"]
    assert skipped["where"] == "GUID g-lens"
    assert skipped["reason"].startswith("not updated (")
    assert Note.objects.get(external_id="g-lens").type == "basic"


def test_an_import_goes_into_the_deck_asked_for(learner):
    mine = services.deck_create(owner=learner, title="Physics")
    job = _run(learner, _apkg(FIRST), deck_id=mine.pk)
    assert job.deck_id == mine.pk and mine.notes.count() == 3
    assert Deck.objects.count() == 1


def test_an_import_into_a_deck_not_mine_is_refused(learner):
    theirs = services.deck_create(owner=UserFactory(), title="Theirs")
    with pytest.raises(errors.NotFound):
        _run(learner, _apkg(FIRST), deck_id=theirs.pk)
    assert not Note.objects.exists()


def test_the_api_takes_a_deck_and_refuses_bad_ones(learner, learner_api):
    mine = services.deck_create(owner=learner, title="Physics")
    theirs = services.deck_create(owner=UserFactory(), title="Theirs")

    def post(deck):
        upload = SimpleUploadedFile("o.csv", b"front,back\nq,a\n")
        return learner_api.post(
            "/api/v1/imports/", {"file": upload, "deck": deck}, format="multipart"
        )

    assert post(mine.pk).status_code == 201
    assert post(theirs.pk).status_code == 404
    bad = post("lens")
    assert bad.status_code == 400 and "deck" in str(bad.json()), bad.json()
    anonymous = APIClient().post("/api/v1/imports/", {"deck": mine.pk})
    assert anonymous.status_code in (401, 403)


def test_the_upload_page_offers_my_decks_only(learner, client):
    services.deck_create(owner=learner, title="My physics")
    services.deck_create(owner=UserFactory(), title="Someone else's")
    client.force_login(learner)
    page = client.get(reverse("flashcards:import-start")).content.decode()
    assert "My physics" in page and "Someone else" not in page
    assert "A new deck" in page


def test_a_csv_with_guids_reimports_in_place(learner):
    data = b"#separator:comma\n#guid column:1\ng1,Lens,Bends\ng2,Prism,Splits\n"

    def run(payload):
        job = interop.import_job_create(owner=learner, filename="o.csv", data=payload)
        interop.import_job_map(job=job, columns=job.options["columns"], header=False)
        return interop.import_job_run(job_id=job.pk)

    first = run(data)
    second = run(data.replace(b"Splits", b"Splits white light"))
    assert second.deck_id == first.deck_id
    assert second.result["updated"] == 1 and second.result["unchanged"] == 1
    assert Note.objects.get(external_id="g2").fields["back"] == "Splits white light"
