"""The note form in the browser shows the chosen type's fields only, and the
edit page's live preview shows the note's cards (its type is sent although
the type select is disabled there)."""

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
