"""Images follow their note: signed for readers, 404 for everyone else."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from flashcards import services
from flashcards.interop import media_create
from flashcards.media_access import sign_media
from lessons.classes import services as classes
from studysite.media_tokens import token_for, token_valid
from tests.factories import TeacherFactory, UserFactory

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
SHA = "a" * 64


@pytest.fixture
def shared(db):
    """A teacher's class deck with an image, a member and an outsider."""
    teacher, member, outsider = TeacherFactory(), UserFactory(), UserFactory()
    image = media_create(owner=teacher, name="dot.png", data=PNG)
    deck = services.deck_create(owner=teacher, title="Pictures")
    services.note_create(
        deck=deck,
        type="basic",
        fields={"front": f"![dot]({image.url})", "back": "a dot"},
    )
    school_class = classes.class_create(teacher=teacher, name="7b")
    classes.class_join(learner=member, code=school_class.join_code)
    classes.assignment_create(school_class=school_class, deck_id=deck.pk)
    return {
        "teacher": teacher,
        "member": member,
        "outsider": outsider,
        "image": image,
        "deck": deck,
    }


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _image_urls(html: bytes) -> list[str]:
    return re.findall(r'src="(/flashcards/media/[^"]+)"', html.decode())


def test_a_member_gets_the_image_through_the_url_the_deck_page_gives(shared):
    member = _client(shared["member"])
    page = member.get(f"/decks/{shared['deck'].pk}/")
    (url,) = _image_urls(page.content)
    assert "?t=" in url
    response = member.get(url.replace("&amp;", "&"))
    assert response.status_code == 200
    assert response.content == PNG
    assert "private" in response["Cache-Control"]


def test_the_study_queue_signs_images_for_the_learner(shared):
    queue = _client(shared["member"]).get("/api/v1/study/queue").json()
    (url,) = _image_urls(queue["cards"][0]["front"].encode())
    assert _client(shared["member"]).get(url).status_code == 200
    # The same URL is worth nothing to anyone else.
    assert _client(shared["outsider"]).get(url).status_code == 404
    assert _client().get(url).status_code == 404


def test_anonymous_and_unrelated_users_get_404(shared):
    url = shared["image"].url
    assert _client().get(url).status_code == 404
    assert _client(shared["outsider"]).get(url).status_code == 404
    assert _client(shared["member"]).get(url).status_code == 404  # unsigned


def test_the_uploader_and_admins_need_no_signature(shared):
    url = shared["image"].url
    assert _client(shared["teacher"]).get(url).status_code == 200
    admin = UserFactory(is_staff=True, is_superuser=True)
    assert _client(admin).get(url).status_code == 200


def test_a_forged_or_stale_token_is_refused(shared):
    image = shared["image"]
    member = shared["member"]
    client = _client(member)
    assert client.get(f"{image.url}?t=123.forged").status_code == 404
    assert client.get(f"{image.url}?t=nonsense").status_code == 404
    stale = token_for(image.sha256, user_id=member.pk, now=0)
    assert client.get(f"{image.url}?t={stale}").status_code == 404


def test_the_api_note_carries_signed_image_urls(shared):
    note = shared["deck"].notes.get()
    data = _client(shared["member"]).get(f"/api/v1/notes/{note.pk}/").json()
    signed = data["media"][shared["image"].url]
    assert signed.startswith(shared["image"].url + "?t=")
    assert _client(shared["member"]).get(signed).status_code == 200


def test_exports_still_carry_their_media(shared):
    import io
    import zipfile

    response = _client(shared["member"]).get(
        f"/api/v1/decks/{shared['deck'].pk}/export.apkg"
    )
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert PNG in [archive.read(name) for name in archive.namelist()]


def test_a_token_is_good_for_its_hour_and_the_next_only():
    token = token_for(SHA, user_id=7, now=3600 * 10 + 5)
    assert token_valid(SHA, token, user_id=7, now=3600 * 10 + 5)
    assert token_valid(SHA, token, user_id=7, now=3600 * 11 + 3599)
    assert not token_valid(SHA, token, user_id=7, now=3600 * 12)
    assert not token_valid(SHA, token, user_id=8, now=3600 * 10 + 5)
    assert not token_valid("b" * 64, token, user_id=7, now=3600 * 10 + 5)
    assert not token_valid(SHA, token, user_id=None)


def test_signing_rewrites_each_image_once_and_leaves_other_text():
    html = f'<img src="/flashcards/media/{SHA}.png"> and /other/{SHA}.png'
    once = sign_media(html, user_id=3, now=0)
    assert once.count("?t=") == 1
    assert sign_media(once, user_id=3, now=0) == once
    assert sign_media(html, user_id=None) == html
