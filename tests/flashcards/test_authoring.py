"""Authoring pages and APIs: every note type, edits keep schedules, images
checked by content, bulk edits, permissions, import through the API."""

from __future__ import annotations

import io
import uuid

import pytest

from flashcards import services
from flashcards.models import CardMemory, ImportJob, MediaFile, Note, ReviewLog
from tests.flashcards.test_interop import PNG, genanki_deck
from tests.lessons.classes_factories import class_with

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kind", "data", "cards"),
    [
        ("basic", {"front": "F", "back": "B"}, 1),
        ("basic_reversed", {"front": "F", "back": "B"}, 2),
        ("cloze", {"text": "{{c1::a}} {{c2::b}}", "extra": "e"}, 2),
        ("numeric", {"question": "2+2", "answer": "4", "unit": "B"}, 1),
        (
            "parametric",
            {"template": "kv-cache-gqa", "part": "total", "limits": "batch: 1..4"},
            1,
        ),
    ],
)
def test_notes_of_every_type_through_the_page(client, teacher, kind, data, cards):
    deck = services.deck_create(owner=teacher, title="T")
    client.force_login(teacher)
    assert client.get(f"/decks/{deck.pk}/notes/new/").status_code == 200
    response = client.post(
        f"/decks/{deck.pk}/notes/new/", {"type": kind, "tags": "a b", **data}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    note = deck.notes.get()
    assert note.type == kind and note.tags == ["a", "b"]
    assert note.cards.count() == cards
    if kind == "parametric":
        assert note.fields["limits"] == {"batch": [1, 4]}
        page = client.get(f"/notes/{note.pk}/edit/").content.decode()
        assert "batch: 1..4" in page


def test_the_preview_returns_sanitized_cards_of_each_type(client, learner):
    client.force_login(learner)
    response = client.post(
        "/notes/preview/", {"type": "cloze", "text": "$x^2$ is {{c1::squared}}"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "Card 1" in html and "math" in html
    response = client.post(
        "/notes/preview/", {"type": "parametric", "template": "training-memory-fp32"}
    )
    assert "Example variant" in response.content.decode()
    response = client.post("/notes/preview/", {"type": "numeric", "question": "q"})
    assert "answer" in response.content.decode()


def test_editing_a_cards_text_keeps_its_schedule(client, learner, deck):
    note = services.note_create(
        deck=deck, type="cloze", fields={"text": "{{c1::a}} and {{c2::b}}"}
    )
    first = note.cards.get(ordinal=1)
    services.card_review(
        learner=learner, card_id=first.pk, rating=3, client_review_id=uuid.uuid4()
    )
    memory = CardMemory.objects.get(card=first)
    client.force_login(learner)
    response = client.post(
        f"/notes/{note.pk}/edit/",
        {"type": "cloze", "text": "{{c1::A}} and {{c2::B}} and {{c3::C}}"},
    )
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.cards.get(ordinal=1).pk == first.pk and note.cards.count() == 3
    after = CardMemory.objects.get(card=first)
    assert (after.due, after.stability, after.reps) == (
        memory.due,
        memory.stability,
        memory.reps,
    )


@pytest.mark.parametrize("sharing", ["class", "public"])
def test_a_teachers_deck_is_read_only_to_learners(
    client, learner, teacher, teacher_deck, sharing
):
    note = services.note_create(
        deck=teacher_deck, type="basic", fields={"front": "F", "back": "B"}
    )
    client.force_login(learner)
    # Private (a new deck): every page of it is a 404 to the learner.
    for url in (
        f"/decks/{teacher_deck.pk}/",
        f"/decks/{teacher_deck.pk}/notes/new/",
        f"/notes/{note.pk}/edit/",
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(
        f"/decks/{teacher_deck.pk}/bulk/", {"action": "delete", "notes": [note.pk]}
    )
    assert response.status_code == 404 and Note.objects.filter(pk=note.pk).exists()
    # Shared (assigned to the learner's class, or in the catalog): read-only.
    if sharing == "class":
        class_with(teacher, learner, deck=teacher_deck)
    else:
        services.deck_update(deck=teacher_deck, visibility="public")
    assert client.get(f"/decks/{teacher_deck.pk}/").status_code == 200
    assert client.get(f"/decks/{teacher_deck.pk}/notes/new/").status_code == 403
    assert client.get(f"/notes/{note.pk}/edit/").status_code == 403
    response = client.post(
        f"/decks/{teacher_deck.pk}/bulk/", {"action": "delete", "notes": [note.pk]}
    )
    assert response.status_code == 403 and Note.objects.filter(pk=note.pk).exists()


def test_a_learners_private_deck_is_invisible_to_others(client, learner, other_deck):
    client.force_login(learner)
    assert client.get(f"/decks/{other_deck.pk}/").status_code == 404
    assert client.get(f"/decks/{other_deck.pk}/export.csv").status_code == 404


def test_bulk_tag_move_and_delete_keep_what_should_be_kept(
    client, learner, deck, learner_api
):
    notes = [
        services.note_create(
            deck=deck, type="basic", fields={"front": str(i), "back": "b"}
        )
        for i in range(3)
    ]
    ids = [n.pk for n in notes]
    card = notes[0].cards.get()
    services.card_review(
        learner=learner, card_id=card.pk, rating=3, client_review_id=uuid.uuid4()
    )
    client.force_login(learner)
    client.post(
        f"/decks/{deck.pk}/bulk/", {"action": "add_tags", "tags": "x y", "notes": ids}
    )
    assert all(n.tags == ["x", "y"] for n in Note.objects.filter(pk__in=ids))
    other = services.deck_create(owner=learner, title="Other")
    response = learner_api.post(
        "/api/v1/notes/bulk/",
        {"deck": deck.pk, "notes": ids[:2], "action": "move", "target": other.pk},
        format="json",
    )
    assert response.json() == {"changed": 2}
    card.refresh_from_db()
    assert card.deck_id == other.pk
    assert CardMemory.objects.get(card=card).deck_id == other.pk
    assert ReviewLog.objects.filter(card=card).count() == 1
    response = learner_api.post(
        "/api/v1/notes/bulk/",
        {"deck": other.pk, "notes": [ids[2]], "action": "delete"},
        format="json",
    )
    assert response.status_code == 400  # not a note of that deck
    client.post(f"/decks/{deck.pk}/bulk/", {"action": "delete", "notes": [ids[2]]})
    assert not Note.objects.filter(pk=ids[2]).exists()


def test_images_are_checked_by_content_and_size(learner_api, client, learner, settings):
    good = io.BytesIO(PNG)
    good.name = "chart.png"
    response = learner_api.post("/api/v1/media/", {"file": good}, format="multipart")
    assert response.status_code == 201
    url = response.json()["url"]
    client.force_login(learner)
    served = client.get(url)
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    fake = io.BytesIO(b"<svg onload=alert(1)></svg>")
    fake.name = "evil.png"
    response = learner_api.post("/api/v1/media/", {"file": fake}, format="multipart")
    assert response.status_code == 400
    assert "PNG, JPEG, GIF and WebP" in response.json()["error"]["fields"]["file"][0]
    settings.FLASHCARDS_MAX_IMAGE_BYTES = 10
    big = io.BytesIO(PNG)
    big.name = "big.png"
    response = learner_api.post("/api/v1/media/", {"file": big}, format="multipart")
    assert response.status_code == 400
    assert MediaFile.objects.count() == 1


def test_import_through_the_api_and_the_pages(
    learner_api, client, learner, django_capture_on_commit_callbacks
):
    upload = io.BytesIO(genanki_deck())
    upload.name = "deck.apkg"
    with django_capture_on_commit_callbacks(execute=True):
        response = learner_api.post(
            "/api/v1/imports/", {"file": upload}, format="multipart"
        )
    assert response.status_code == 201
    job = learner_api.get(f"/api/v1/imports/{response.json()['id']}/").json()
    assert job["state"] == "done" and job["result"]["notes"] == 3
    client.force_login(learner)
    status = client.get(f"/imports/{job['id']}/status/").content.decode()
    assert "Imported 3 new notes" in status and "hx-trigger" not in status
    csv_file = io.BytesIO(b"q,a\n1+1,2\n")
    csv_file.name = "cards.csv"
    response = client.post("/decks/import/", {"file": csv_file})
    assert response.status_code == 302
    job = ImportJob.objects.filter(kind="csv").get()
    page = client.get(response["Location"]).content.decode()
    assert "1+1" in page and "Which column is what?" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            response["Location"],
            {"col_front": "0", "col_back": "1", "default_type": "basic"},
        )
    job.refresh_from_db()
    assert job.status == "done" and job.deck.notes.count() == 2  # no header row
    not_zip = io.BytesIO(b"hello")
    not_zip.name = "x.apkg"
    response = learner_api.post(
        "/api/v1/imports/", {"file": not_zip}, format="multipart"
    )
    assert response.status_code == 400
    assert "not a zip" in response.json()["error"]["fields"]["file"][0]


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_an_import_runs_on_a_real_worker(celery_worker, learner_api):
    import time

    upload = io.BytesIO(genanki_deck())
    upload.name = "deck.apkg"
    response = learner_api.post(
        "/api/v1/imports/", {"file": upload}, format="multipart"
    )
    assert response.status_code == 201
    job_id = response.json()["id"]
    deadline = time.monotonic() + 30
    state = "pending"
    while state not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(0.2)
        state = learner_api.get(f"/api/v1/imports/{job_id}/").json()["state"]
    body = learner_api.get(f"/api/v1/imports/{job_id}/").json()
    assert body["state"] == "done", body
    assert body["result"] == {
        "notes": 3,
        "cards": 5,
        "images": 1,
        "reviews": 4,
        "subdecks": 0,
        "updated": 0,
        "unchanged": 0,
        "skipped": 0,
    }
    assert body["skipped"] == []


def test_the_edit_pages_preview_is_sent_the_notes_type(client, learner, deck):
    """The type select is disabled on the edit page (a note keeps its type), and
    a browser does not send a disabled control: the form sends it hidden, so
    the live preview there shows the cards instead of "type: required"."""
    import re

    note = services.note_create(
        deck=deck, type="cloze", fields={"text": "{{c1::Ohm}} found \\(V = IR\\)"}
    )
    client.force_login(learner)
    page = client.get(f"/notes/{note.pk}/edit/").content.decode()
    start = page.index('id="note-form"')
    form = page[start : page.index("</form>", start)]
    sent = {
        name
        for tag, name in re.findall(
            r'<(input|select|textarea)[^>]*name="([^"]+)"', form
        )
    }
    disabled = set(re.findall(r'<select[^>]*name="([^"]+)"[^>]*disabled', form))
    assert "type" in disabled and 'type="hidden" name="type" value="cloze"' in form
    assert "type" in sent
    preview = client.post(
        "/notes/preview/", {"type": "cloze", "text": "{{c1::Ohm}} found \\(V = IR\\)"}
    ).content.decode()
    assert "required" not in preview and "Card 1" in preview
    assert "\\(V = IR\\)" in preview
