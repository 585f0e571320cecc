"""One bad note never fails an import: it is left out and listed (where, its
first field, why) on the import page and in the API, and a note Anki would
take (an empty Back) is imported as Anki imports it. A file with no note
that can be imported still imports nothing and says why."""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import genanki
import pytest
from django.urls import reverse

from flashcards import interop
from flashcards.models import Card, Deck, Note
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _apkg(notes: list[tuple[genanki.Model, list[str]]]) -> bytes:
    deck = genanki.Deck(7, "Physics")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for model, fields in notes:
            deck.add_note(genanki.Note(model=model, fields=fields))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "d.apkg"
        genanki.Package(deck).write_to_file(str(out))
        return out.read_bytes()


def _run(user, filename: str, data: bytes, **mapping):
    job = interop.import_job_create(owner=user, filename=filename, data=data)
    if mapping:
        interop.import_job_map(job=job, **mapping)
    return interop.import_job_run(job_id=job.pk)


def test_a_basic_note_with_an_empty_back_is_imported_as_anki_imports_it(learner):
    data = _apkg(
        [
            (genanki.BASIC_MODEL, ["Recite Ohm's law", ""]),
            (genanki.BASIC_AND_REVERSED_CARD_MODEL, ["Only a front", ""]),
            (genanki.BASIC_MODEL, ["V = ?", "IR"]),
        ]
    )
    job = _run(learner, "physics.apkg", data)
    assert job.status == "done", job.error
    assert job.result["notes"] == 3 and job.result["skipped"] == 0
    empty, reversed_empty, full = Note.objects.order_by("id")
    assert empty.type == "basic" and empty.fields == {"front": "Recite Ohm's law"}
    # Its reversed card would have an empty front: Anki makes no such card.
    assert reversed_empty.type == "basic" and reversed_empty.cards.count() == 1
    assert full.fields == {"front": "V = ?", "back": "IR"}
    assert empty.cards.get().sides().back == ""


def test_a_package_of_only_bad_notes_imports_nothing_and_says_why(learner):
    data = _apkg([(genanki.CLOZE_MODEL, ["no cloze", ""])] * 2)
    job = _run(learner, "bad.apkg", data)
    assert job.status == "failed"
    assert job.error.startswith("Nothing was imported. No note could be imported")
    assert "note 1: text:" in job.error and "note 2: text:" in job.error
    assert not Deck.objects.exists() and not Card.objects.exists()


def test_an_empty_file_still_fails_with_its_own_message(learner):
    job = _run(
        learner, "e.csv", b"front,back\n", columns={"front": 0, "back": 1}, header=True
    )
    assert job.status == "failed" and "no notes to import" in job.error


def test_skipped_notes_are_listed_in_the_api_and_on_the_page(
    learner, learner_api, client
):
    good = [(genanki.BASIC_MODEL, [f"q{i}", "a"]) for i in range(3)]
    bad = [(genanki.CLOZE_MODEL, ["<b>Speed</b> of light, no cloze", ""])]
    job = _run(learner, "mixed.apkg", _apkg(good + bad))
    body = learner_api.get(f"/api/v1/imports/{job.pk}/").json()
    assert body["state"] == "done" and body["result"]["skipped"] == 1
    assert "skipped_notes" not in body["result"]
    assert body["skipped"] == [
        {
            "where": "note 4",
            "first_field": "Speed of light, no cloze",
            "reason": body["skipped"][0]["reason"],
        }
    ]
    client.force_login(learner)
    page = client.get(
        reverse("flashcards:import-detail", args=[job.pk])
    ).content.decode()
    assert "1 note left out" in page
    assert "Speed of light, no cloze" in page and "note 4" in page


def test_a_first_field_is_shortened_for_the_report(learner):
    long = "x" * 500
    job = _run(
        learner,
        "l.apkg",
        _apkg([(genanki.BASIC_MODEL, ["ok", "a"]), (genanki.CLOZE_MODEL, [long, ""])]),
    )
    (skipped,) = job.result["skipped_notes"]
    assert len(skipped["first_field"]) == 120 and skipped["first_field"].endswith("…")


def test_another_user_cannot_read_the_skipped_notes(learner):
    job = _run(learner, "m.apkg", _apkg([(genanki.BASIC_MODEL, ["q", "a"])]))
    from rest_framework.test import APIClient

    other = APIClient()
    other.force_authenticate(UserFactory())
    assert other.get(f"/api/v1/imports/{job.pk}/").status_code == 404
