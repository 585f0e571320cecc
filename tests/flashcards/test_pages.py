"""The review page and the deck pages."""

from __future__ import annotations

import pytest

from flashcards import services
from tests.flashcards.conftest import add_basic

pytestmark = pytest.mark.django_db


def test_pages_need_a_sign_in(client):
    for url in ("/study/", "/study/deck/1/", "/decks/", "/decks/1/"):
        response = client.get(url)
        assert (
            response.status_code == 302 and "/accounts/login/" in response["Location"]
        )


def test_the_review_page_shows_counts_the_script_and_math(client, learner, deck):
    for i in range(3):
        add_basic(deck, front=f"q{i}")
    client.force_login(learner)
    response = client.get("/study/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="count-new" title="New">3<' in html
    assert 'class="count-learning" title="Learning">0<' in html
    assert "flashcards/study.js" in html
    assert "katex" in html
    assert 'data-review-url="/api/v1/reviews/"' in html
    assert 'name="viewport"' in html


def test_the_deck_review_page_is_scoped_to_the_deck(
    client, learner, deck, teacher_deck
):
    add_basic(deck)
    add_basic(teacher_deck)
    add_basic(teacher_deck)
    client.force_login(learner)
    html = client.get(f"/study/deck/{teacher_deck.pk}/").content.decode()
    assert 'class="count-new" title="New">2<' in html
    assert f'data-deck="{teacher_deck.pk}"' in html


def test_another_learners_deck_page_is_404(client, learner, other_deck):
    client.force_login(learner)
    assert client.get(f"/study/deck/{other_deck.pk}/").status_code == 404
    assert client.get(f"/decks/{other_deck.pk}/").status_code == 404


def test_create_a_deck_and_add_notes_through_the_pages(client, learner):
    client.force_login(learner)
    assert client.get("/decks/").status_code == 200
    response = client.post("/decks/", {"title": "Formats"})
    assert response.status_code == 302
    url = response["Location"]
    response = client.post(
        url, {"type": "cloze", "text": "{{c1::bf16}} has 8 exponent bits"}
    )
    assert response.status_code == 302
    response = client.post(
        url, {"type": "numeric", "question": "2+2", "answer": "four"}
    )
    assert response.status_code == 400
    assert "Must be a number." in response.content.decode()
    deck = learner.decks.get()
    assert deck.cards.count() == 1


def test_only_the_owner_adds_notes(client, learner, teacher_deck):
    client.force_login(learner)
    assert client.get(f"/decks/{teacher_deck.pk}/").status_code == 200
    response = client.post(
        f"/decks/{teacher_deck.pk}/", {"type": "basic", "front": "a", "back": "b"}
    )
    assert response.status_code == 403
    assert not teacher_deck.notes.exists()


def test_the_study_link_shows_in_the_navigation(client, learner):
    client.force_login(learner)
    services.deck_create(owner=learner, title="x")
    assert 'href="/study/"' in client.get("/decks/").content.decode()
