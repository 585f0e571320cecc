"""The note form in the browser shows the chosen type's fields only, the
edit page's live preview shows the note's cards (its type is sent although
the type select is disabled there), and the deck page's note list ticks a
whole page with one box and narrows by search."""

from __future__ import annotations

import pytest

from flashcards import services
from tests.e2e.conftest import login
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _visible(page, name: str) -> bool:
    return page.locator(f"#note-form [name={name}]").is_visible()


def test_choosing_a_type_shows_only_its_fields(page):
    user = UserFactory(username="ada")
    deck = services.deck_create(owner=user, title="Optics")
    login(page, user.username, PASSWORD)
    page.goto(page.base_url + f"/decks/{deck.pk}/notes/new/")
    assert _visible(page, "front") and _visible(page, "back")
    assert not _visible(page, "text") and not _visible(page, "question")
    page.select_option("#id_type", "cloze")
    assert _visible(page, "text") and _visible(page, "extra")
    assert not _visible(page, "front") and _visible(page, "tags")
    page.shots("cloze-fields")
    page.fill(
        "#id_text", "{{c1::Snell}}'s law: \\(n_1 \\sin\\theta_1 = n_2 \\sin\\theta_2\\)"
    )
    page.locator("#preview .katex").first.wait_for()
    page.keyboard.press("Tab")  # the hidden fields are out of the tab order
    focused = page.evaluate("document.activeElement.name")
    assert focused == "extra"


def test_the_edit_pages_preview_shows_the_cards(page):
    user = UserFactory(username="ben")
    deck = services.deck_create(owner=user, title="Optics")
    note = services.note_create(
        deck=deck, type="basic", fields={"front": "Focal length?", "back": "f"}
    )
    login(page, user.username, PASSWORD)
    page.goto(page.base_url + f"/notes/{note.pk}/edit/")
    assert not _visible(page, "text")
    page.fill("#id_back", "The distance \\(f\\) to the focus")
    page.locator("#preview .katex").first.wait_for()
    preview = page.inner_text("#preview")
    assert "required" not in preview and "Card 1" in preview
    page.shots("edit-preview")


def test_one_box_ticks_every_note_on_the_page_and_search_narrows(page):
    from tests.e2e.conftest import basic_deck

    user = UserFactory(username="cy")
    deck = basic_deck(user, count=4, title="Formats")
    login(page, user.username, PASSWORD)
    page.goto(page.base_url + f"/decks/{deck.pk}/")
    boxes = page.locator("input[name=notes]")
    page.check("#select-page")
    assert all(boxes.nth(i).is_checked() for i in range(4))
    boxes.nth(0).uncheck()
    assert page.evaluate("document.getElementById('select-page').indeterminate")
    page.shots("select-all")
    page.fill("#note-q", "card 2")
    page.keyboard.press("Enter")
    page.wait_for_url("**q=card+2*")
    assert page.locator("input[name=notes]").count() == 1
    assert "1 note found" in page.inner_text("main")
    page.shots("search")
