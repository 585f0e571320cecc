"""Audio in notes: accepted by its bytes, played by a native player, served
by the sharing rule of the note it is in, and carried through Anki packages."""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client

from flashcards import interop, media, services
from flashcards.models import MediaFile
from lessons.classes import services as classes
from lessons.markup import sound
from lessons.markup.markdown_html import render_user_markdown
from tests.anki_oracle import oracle
from tests.factories import TeacherFactory, UserFactory

MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" + b"\x00" * 200
SAMPLES = {
    "audio/mpeg": [MP3, b"\xff\xfb\x90\x00" + b"\x00" * 50],
    "audio/ogg": [b"OggS\x00\x02" + b"\x00" * 40],
    "audio/wav": [b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 30],
    "audio/flac": [b"fLaC\x00\x00\x00\x22" + b"\x00" * 40],
    "audio/mp4": [b"\x00\x00\x00\x20ftypM4A \x00\x00\x02\x00" + b"\x00" * 30],
    "audio/webm": [b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01" + b"\x00" * 30],
}


@pytest.mark.parametrize(
    ("kind", "data"), [(k, d) for k, ds in SAMPLES.items() for d in ds]
)
def test_audio_is_recognised_by_its_bytes(kind, data):
    assert media.check_media(data) == kind


@pytest.mark.parametrize(
    "data",
    [b"<svg onload=alert(1)>", b"#!/bin/sh\nrm -rf /", b"RIFF\x00\x00\x00\x00AVI "],
)
def test_other_bytes_are_refused_whatever_the_name(data):
    with pytest.raises(media.MediaError, match="MP3, Ogg, WAV, FLAC, M4A and WebM"):
        media.check_media(data)


def test_audio_has_the_size_limit_of_images():
    with pytest.raises(media.MediaError, match="at most 100 are allowed"):
        media.check_media(MP3, max_bytes=100)


def test_the_player_and_the_media_rules_name_the_same_audio_types():
    assert sorted(media.AUDIO_EXTENSIONS.values()) == list(sound.AUDIO_EXTENSIONS)


def test_a_sound_tag_of_the_sites_media_is_a_labelled_player():
    url = f"/flashcards/media/{'a' * 64}.mp3"
    html = render_user_markdown(f"Listen: [sound:{url}]")
    assert re.search(rf'<audio [^>]*src="{url}"', html)
    assert 'aria-label="Audio"' in html and "controls" in html


@pytest.mark.parametrize(
    "text",
    [
        "[sound:https://tracker.example/ping.mp3]",
        "[sound:missing file.mp3]",
        '<audio controls src="https://tracker.example/ping.mp3"></audio>',
        '<audio src="/flashcards/media/aaa.mp3" autoplay onplay="alert(1)"></audio>',
    ],
)
def test_no_sound_plays_from_anywhere_else(text):
    html = render_user_markdown(text)
    assert "tracker.example" not in html
    assert not re.search(r"<audio[^>]*src=", html)
    assert "autoplay" not in html and "onplay" not in html


def test_a_missing_sound_says_so():
    html = render_user_markdown("[sound:tone.mp3]")
    assert "(audio “tone.mp3” is missing)" in html


def test_audio_uploads_through_the_api_give_a_sound_tag(learner_api):
    upload = io.BytesIO(MP3)
    upload.name = "tone.mp3"
    response = learner_api.post("/api/v1/media/", {"file": upload}, format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["url"].endswith(".mp3")
    assert body["markdown"] == f"[sound:{body['url']}]"


def test_the_upload_form_offers_audio_and_answers_with_the_sound_tag(client, learner):
    client.force_login(learner)
    upload = io.BytesIO(MP3)
    upload.name = "tone.mp3"
    page = client.post("/flashcards/media/", {"file": upload})
    assert page.status_code == 200
    stored = MediaFile.objects.get()
    assert f"[sound:{stored.url}]" in page.content.decode()
    bad = io.BytesIO(b"not audio")
    bad.name = "tone.mp3"
    page = client.post("/flashcards/media/", {"file": bad})
    assert page.status_code == 400 and "M4A and WebM audio" in page.content.decode()


@pytest.fixture
def shared_audio(db):
    teacher, member, outsider = TeacherFactory(), UserFactory(), UserFactory()
    tone = interop.media_create(owner=teacher, name="tone.mp3", data=MP3)
    deck = services.deck_create(owner=teacher, title="Sounds")
    services.note_create(
        deck=deck,
        type="basic",
        fields={"front": "What note is this?", "back": f"A [sound:{tone.url}]"},
    )
    school_class = classes.class_create(teacher=teacher, name="7b")
    classes.class_join(learner=member, code=school_class.join_code)
    classes.assignment_create(school_class=school_class, deck_id=deck.pk)
    return {"member": member, "outsider": outsider, "tone": tone}


def test_a_member_plays_the_audio_the_queue_signs_and_an_outsider_cannot(
    shared_audio,
):
    member = Client()
    member.force_login(shared_audio["member"])
    queue = member.get("/api/v1/study/queue").json()
    (src,) = re.findall(r'<audio [^>]*src="([^"]+)"', queue["cards"][0]["back"])
    assert src.startswith(shared_audio["tone"].url + "?t=")
    played = member.get(src.replace("&amp;", "&"))
    assert played.status_code == 200
    assert played["Content-Type"] == "audio/mpeg"
    assert played["X-Content-Type-Options"] == "nosniff"
    assert played.content == MP3
    outsider = Client()
    outsider.force_login(shared_audio["outsider"])
    assert outsider.get(src.replace("&amp;", "&")).status_code == 404
    assert Client().get(shared_audio["tone"].url).status_code == 404


def test_an_export_carries_the_audio_as_anki_plays_it(learner, tmp_path):
    tone = interop.media_create(owner=learner, name="tone.mp3", data=MP3)
    deck = services.deck_create(owner=learner, title="Sounds")
    services.note_create(
        deck=deck,
        type="basic",
        fields={"front": f"Which? [sound:{tone.url}]", "back": "A"},
    )
    path = tmp_path / "sounds.apkg"
    path.write_bytes(interop.deck_export_apkg(deck=deck))
    opened = oracle.opened_by_anki(path)
    assert opened["media"] == ["tone.mp3"]
    (question,) = opened["questions"]
    assert "<audio" not in question and "Which?" in question
    again = interop.import_job_run(
        job_id=interop.import_job_create(
            owner=learner, filename="back.apkg", data=path.read_bytes()
        ).pk
    )
    assert again.status == "done", again.error
    assert again.deck.notes.get().fields["front"] == f"Which? [sound:{tone.url}]"
