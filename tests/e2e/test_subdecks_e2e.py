"""A deck tree in the browser: the parent's page lists its subdecks (clean
under axe, reached by keyboard), and studying the parent studies them."""

from __future__ import annotations

import pytest

from flashcards import services
from tests.e2e import axe
from tests.e2e.conftest import login
from tests.factories import PASSWORD, UserFactory
from tests.flashcards.conftest import add_basic

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_parent_deck_lists_its_subdecks_and_studies_them(page):
    owner = UserFactory()
    physics = services.deck_create(owner=owner, title="Physics")
    optics = services.deck_create(owner=owner, title="Physics::Optics", parent=physics)
    add_basic(optics, front="Card 0: n of water?", back="1.33")
    login(page, owner.username, PASSWORD)
    page.goto(page.base_url + f"/decks/{physics.pk}/")
    link = page.get_by_role("link", name="Physics::Optics")
    assert link.is_visible()
    axe.check(page, "a deck with subdecks")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/decks/{optics.pk}/")
    assert page.get_by_role("link", name="↑ Physics").is_visible()
    page.goto(page.base_url + f"/study/deck/{physics.pk}/")
    page.wait_for_selector("[data-role=question] >> text=Card 0: n of water?")
