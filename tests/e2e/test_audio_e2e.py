"""A card with audio in the browser: a native player the learner can reach
and use by keyboard, whose keys are its own (Space plays, it does not reveal
the answer), loaded from the site under the page's CSP, and clean under axe."""

from __future__ import annotations

import pytest

from flashcards import interop
from flashcards import services as cards
from tests.e2e import axe
from tests.e2e.conftest import login
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" + b"\x00" * 400


def test_a_card_with_audio_plays_by_keyboard_and_space_there_does_not_reveal(page):
    learner = UserFactory()
    tone = interop.media_create(owner=learner, name="tone.mp3", data=MP3)
    deck = cards.deck_create(owner=learner, title="Sounds")
    cards.note_create(
        deck=deck,
        type="basic",
        fields={"front": f"Card 0: which tone? [sound:{tone.url}]", "back": "A 440"},
    )
    login(page, learner.username, PASSWORD)
    page.goto(page.base_url + "/study/")
    page.wait_for_selector("[data-role=question] >> text=Card 0")
    player = page.locator("[data-role=question] audio")
    assert player.get_attribute("aria-label") == "Audio"
    assert player.get_attribute("src").startswith(tone.url + "?t=")
    axe.check(page, "a card with audio")
    player.focus()
    page.keyboard.press("Space")
    assert page.locator("[data-role=back]").is_hidden()
