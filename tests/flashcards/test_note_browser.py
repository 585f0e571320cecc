"""A deck's note list is a browser: search by text (any field, any case) and
by tag (exactly), 50 notes a page with links that keep the search, and a
deck of thousands costs the same queries as one of ten."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from flashcards import services
from flashcards.models import Card, Note
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _fill(deck, count: int, *, tags=("optics",)) -> None:
    notes = Note.objects.bulk_create(
        Note(
            deck=deck,
            type="basic",
            fields={"front": f"Lens {i}", "back": "f"},
            tags=list(tags),
        )
        for i in range(count)
    )
    Card.objects.bulk_create(Card(note=n, deck=deck, ordinal=1) for n in notes)


def _rows(html: str) -> int:
    return len(re.findall(r'name="notes" value="\d+"', html))


@pytest.fixture
def deck(learner):
    return services.deck_create(owner=learner, title="Optics")


def test_notes_come_fifty_a_page_newest_first(client, learner, deck):
    _fill(deck, 120)
    client.force_login(learner)
    first = client.get(f"/decks/{deck.pk}/").content.decode()
    assert _rows(first) == 50 and "Lens 119" in first and "page 1 of 3" in first
    last = client.get(f"/decks/{deck.pk}/?page=3").content.decode()
    assert _rows(last) == 20 and "<p>Lens 0</p>" in last and "Lens 119" not in last
    assert 'rel="prev"' in last and 'rel="next"' not in last


@pytest.mark.parametrize("page", ["abc", "0", "-1", "999", "9" * 30])
def test_a_page_that_is_not_there_shows_a_page_that_is(client, learner, deck, page):
    _fill(deck, 60)
    client.force_login(learner)
    response = client.get(f"/decks/{deck.pk}/", {"page": page})
    assert response.status_code == 200 and _rows(response.content.decode()) > 0


def test_text_search_finds_any_field_in_any_case(client, learner, deck):
    _fill(deck, 5)
    services.note_create(
        deck=deck, type="basic", fields={"front": "Prism", "back": "Splits WHITE light"}
    )
    client.force_login(learner)
    html = client.get(f"/decks/{deck.pk}/", {"q": "white"}).content.decode()
    assert _rows(html) == 1 and "Prism" in html and "1 note found" in html
    none = client.get(f"/decks/{deck.pk}/", {"q": "nothing like it"}).content.decode()
    assert "No note matches." in none and "Show all" in none


def test_search_finds_letters_beyond_ascii(client, learner, deck):
    services.note_create(
        deck=deck,
        type="basic",
        fields={"front": "Écart type", "back": "σ"},
        tags=["été"],
    )
    _fill(deck, 2)
    client.force_login(learner)
    for query in ({"q": "écart"}, {"q": "σ"}, {"tag": "été"}):
        html = client.get(f"/decks/{deck.pk}/", query).content.decode()
        assert _rows(html) == 1, query


def test_tag_search_matches_a_whole_tag(client, learner, deck):
    _fill(deck, 3, tags=("optics",))
    _fill(deck, 2, tags=("opt",))
    client.force_login(learner)
    assert _rows(client.get(f"/decks/{deck.pk}/", {"tag": "opt"}).content.decode()) == 2
    assert (
        _rows(client.get(f"/decks/{deck.pk}/", {"tag": "optics"}).content.decode()) == 3
    )


def test_page_links_keep_the_search(client, learner, deck):
    _fill(deck, 80)
    client.force_login(learner)
    html = client.get(
        f"/decks/{deck.pk}/", {"q": "lens", "tag": "optics"}
    ).content.decode()
    assert "?q=lens&amp;tag=optics&amp;page=2#notes" in html


def test_a_large_deck_costs_the_queries_of_a_small_one(client, learner, deck):
    client.force_login(learner)
    _fill(deck, 10)
    client.get(f"/decks/{deck.pk}/")
    with CaptureQueriesContext(connection) as small:
        client.get(f"/decks/{deck.pk}/")
    _fill(deck, 2000)
    with CaptureQueriesContext(connection) as large:
        response = client.get(f"/decks/{deck.pk}/")
    assert _rows(response.content.decode()) == 50
    assert len(large.captured_queries) == len(small.captured_queries)


def test_a_checkbox_names_its_note_by_its_text_not_its_id(client, learner, deck):
    note = services.note_create(
        deck=deck,
        type="basic",
        fields={"front": "What is **focal** length?", "back": "f"},
    )
    client.force_login(learner)
    html = client.get(f"/decks/{deck.pk}/").content.decode()
    assert 'aria-label="Select: What is focal length?"' in html
    assert f"Select note {note.pk}" not in html


def test_a_reader_searches_but_has_no_bulk_boxes(client, deck):
    services.deck_update(deck=deck, visibility="public")
    _fill(deck, 3)
    reader = UserFactory()
    client.force_login(reader)
    html = client.get(f"/decks/{deck.pk}/", {"q": "lens"}).content.decode()
    assert 'role="search"' in html and "3 notes found" in html and _rows(html) == 0


def test_an_outsider_cannot_search_a_private_deck(client, deck):
    _fill(deck, 3)
    client.force_login(UserFactory())
    assert client.get(f"/decks/{deck.pk}/", {"q": "lens"}).status_code == 404


@pytest.mark.parametrize("name", ["q", "tag", "objective"])
def test_a_search_the_database_cannot_take_is_a_400_that_says_why(
    client, learner, deck, name
):
    _fill(deck, 3)
    client.force_login(learner)
    response = client.get(f"/decks/{deck.pk}/", {name: "lens\x00"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Null characters are not allowed." in html and _rows(html) == 3


def test_a_bulk_action_may_take_every_note_the_search_finds_on_every_page(
    client, learner, deck
):
    _fill(deck, 60)
    _fill(deck, 5, tags=("mechanics",))
    client.force_login(learner)
    page = client.get(f"/decks/{deck.pk}/?tag=optics").content.decode()
    assert "Instead: all 60 notes the search finds, on every page" in page
    response = client.post(
        f"/decks/{deck.pk}/bulk/",
        {"scope": "matching", "tag": "optics", "action": "add_tags", "tags": "lens"},
    )
    assert response.status_code == 302
    tagged = [n.tags for n in deck.notes.all()]
    assert tagged.count(["optics", "lens"]) == 60
    assert tagged.count(["mechanics"]) == 5


def test_a_bulk_action_over_a_search_is_for_the_owner_and_bad_text_changes_nothing(
    client, learner, deck
):
    _fill(deck, 3)
    body = {"scope": "matching", "q": "Lens", "action": "delete"}
    client.force_login(UserFactory())
    assert client.post(f"/decks/{deck.pk}/bulk/", body).status_code == 404
    client.force_login(learner)
    page = client.post(
        f"/decks/{deck.pk}/bulk/", {**body, "q": "Lens\x00"}, follow=True
    ).content.decode()
    assert "Text:" in page and "0 notes changed" not in page
    assert deck.notes.count() == 3


def test_a_bulk_action_over_too_many_notes_asks_for_a_narrower_search(
    client, learner, deck, monkeypatch
):
    from flashcards import authoring_views

    monkeypatch.setattr(authoring_views, "MAX_BULK_NOTES", 2)
    _fill(deck, 3)
    client.force_login(learner)
    page = client.post(
        f"/decks/{deck.pk}/bulk/",
        {"scope": "matching", "action": "delete"},
        follow=True,
    ).content.decode()
    assert "matches more than 2 notes" in page
    assert deck.notes.count() == 3
