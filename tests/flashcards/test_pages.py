"""The review page and the deck pages."""

from __future__ import annotations

import pytest

from flashcards import services
from flashcards.models import Visibility
from tests.flashcards.conftest import add_basic
from tests.lessons.classes_factories import class_with

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
    # Each count has its word beside it, not just a colour.
    assert '<span data-count="new">3</span> new' in html
    assert '<span data-count="learning">0</span> learning' in html
    assert '<span data-count="review">0</span> to review' in html
    assert "flashcards/study.js" in html
    assert "katex" in html
    assert 'data-review-url="/api/v1/reviews/"' in html
    assert 'name="viewport"' in html


def test_the_deck_review_page_is_scoped_to_the_deck(
    client, learner, teacher, deck, teacher_deck
):
    add_basic(deck)
    add_basic(teacher_deck)
    add_basic(teacher_deck)
    client.force_login(learner)
    # The teacher's deck is private until assigned: no page for the learner.
    assert client.get(f"/study/deck/{teacher_deck.pk}/").status_code == 404
    class_with(teacher, learner, deck=teacher_deck)
    html = client.get(f"/study/deck/{teacher_deck.pk}/").content.decode()
    assert '<span data-count="new">2</span> new' in html
    assert f'data-deck="{teacher_deck.pk}"' in html


def test_another_learners_deck_page_is_404(client, learner, other_deck):
    client.force_login(learner)
    assert client.get(f"/study/deck/{other_deck.pk}/").status_code == 404
    assert client.get(f"/decks/{other_deck.pk}/").status_code == 404


def test_create_a_deck_and_add_notes_through_the_pages(client, learner):
    client.force_login(learner)
    page = client.get("/decks/")
    assert page.status_code == 200
    # The form offers who sees the deck, private (the owner alone) by default.
    assert '<option value="private" selected>' in page.content.decode()
    response = client.post("/decks/", {"title": "Formats", "visibility": "private"})
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
    assert deck.visibility == Visibility.PRIVATE


def test_only_the_owner_adds_notes(client, learner, teacher, teacher_deck):
    client.force_login(learner)
    note = {"type": "basic", "front": "a", "back": "b"}
    # Private: the deck does not exist for the learner.
    assert client.get(f"/decks/{teacher_deck.pk}/").status_code == 404
    assert client.post(f"/decks/{teacher_deck.pk}/", note).status_code == 404
    # Assigned to the learner's class: they read it, and still may not add.
    class_with(teacher, learner, deck=teacher_deck)
    assert client.get(f"/decks/{teacher_deck.pk}/").status_code == 200
    response = client.post(f"/decks/{teacher_deck.pk}/", note)
    assert response.status_code == 403
    assert not teacher_deck.notes.exists()


def test_the_study_link_shows_in_the_navigation(client, learner):
    client.force_login(learner)
    services.deck_create(owner=learner, title="x")
    assert 'href="/study/"' in client.get("/decks/").content.decode()
